"""Nothing under bots/ outside a platform's own folder names a platform: the process, the
command line, the settings and the doctor get every platform from the registry.

Code is checked, prose is not: every name (identifiers, attributes, imports, arguments)
and every string literal except docstrings. Comments and docstrings may mention Slack or
Discord, as examples for a reader; the code may not depend on them.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from pathlib import Path

import pytest

from bots.platforms import registry

ROOT = Path(__file__).resolve().parents[1]
BOTS = ROOT / "bots"
# Names and strings; Python 3.12 splits an f-string into parts around its fields.
CODE = {tokenize.NAME, tokenize.STRING, getattr(tokenize, "FSTRING_MIDDLE", tokenize.STRING)}


def platform_names() -> tuple[str, ...]:
    return tuple(plugin.name for plugin in registry())


def docstrings(tree: ast.AST) -> set[int]:
    """The line numbers where a docstring's string token starts."""
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if (
                body
                and isinstance(body[0], ast.Expr)
                and isinstance(body[0].value, ast.Constant)
                and isinstance(body[0].value.value, str)
            ):
                lines.add(body[0].lineno)
    return lines


def naming(source: str, names: tuple[str, ...]) -> list[tuple[int, str]]:
    """(line, token) of every name or non-docstring string in `source` that contains one
    of `names` (as a word part, any case: `slack_api_url`, "DISCORD_TOKEN", `Slack`)."""
    pattern = re.compile("|".join(re.escape(name) for name in names), re.IGNORECASE)
    skipped = docstrings(ast.parse(source))
    found = []
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.STRING and token.start[0] in skipped:
            continue
        if token.type in CODE and pattern.search(token.string):
            found.append((token.start[0], token.string))
    return found


def shared_modules() -> list[Path]:
    """Every module under bots/ that is not inside a platform's own folder."""
    folders = {BOTS / name for name in platform_names()}
    return sorted(
        path for path in BOTS.rglob("*.py") if not any(folder in path.parents for folder in folders)
    )


def test_every_platform_has_its_own_folder() -> None:
    names = platform_names()
    assert len(names) >= 3, names
    for name in names:
        assert (BOTS / name / "plugin.py").is_file(), name


def test_run_flags_settings_and_doctor_come_from_the_registry(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from bots import cli
    from bots.ops import doctor
    from bots.settings import Settings

    with pytest.raises(SystemExit):
        cli.main(["run", "--help"])
    flags = capsys.readouterr().out
    settings = Settings.from_env({})
    for plugin in registry():
        assert f"--{plugin.name} " in flags and plugin.description in flags
        assert plugin.name in settings.platforms
        assert set(plugin.variables()) <= set(doctor.VARIABLES)


def test_no_shared_module_names_a_platform() -> None:
    modules = shared_modules()
    assert BOTS / "platforms.py" in modules and BOTS / "cli.py" in modules

    found = [
        f"{path.relative_to(ROOT)}:{line}: {token}"
        for path in modules
        for line, token in naming(path.read_text(encoding="utf-8"), platform_names())
    ]

    assert found == [], "a platform is named outside its folder:\n" + "\n".join(found)


@pytest.mark.parametrize(
    ("source", "caught"),
    [
        ("import bots.slack.server", True),
        ("from bots.discord import lease", True),
        ("x = settings.slack_api_url", True),
        ("x = 'DISCORD_TOKEN'", True),
        ("def f(): return f'--{Console}'", True),
        ('def f():\n    """Slack and Discord, as examples."""\n    return 1', False),
        ("# Slack retries a request: this answers it once\nx = 1", False),
        ("x = 'the platform'", False),
    ],
)
def test_the_check_catches_code_and_leaves_prose(source: str, caught: bool) -> None:
    assert bool(naming(source, ("slack", "discord", "console"))) is caught
