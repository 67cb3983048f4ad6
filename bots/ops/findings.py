"""What `followthrough doctor` found: one line each, problems with how to fix them."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Finding:
    area: str
    text: str
    fix: str | None = None  # set: a problem

    @property
    def problem(self) -> bool:
        return self.fix is not None

    def line(self) -> str:
        if self.fix is None:
            return f"ok       {self.area}: {self.text}"
        return f"PROBLEM  {self.area}: {self.text} -> {self.fix}"


@dataclass
class Report:
    findings: list[Finding] = field(default_factory=list)

    def ok(self, area: str, text: str) -> None:
        self.findings.append(Finding(area, text))

    def problem(self, area: str, text: str, fix: str) -> None:
        self.findings.append(Finding(area, text, fix))

    @property
    def problems(self) -> list[Finding]:
        return [f for f in self.findings if f.problem]
