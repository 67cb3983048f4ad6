# FollowThrough: one image for every role (`followthrough run`, `--worker`, `db upgrade`).
# Built from the project's own files only; runs as an unprivileged user.

FROM python:3.11-slim AS build
WORKDIR /src
# Exact, hash-checked versions from the lock file (PostgreSQL's driver included); the
# project itself is built with the locked setuptools.
COPY requirements.lock ./
RUN pip wheel --no-cache-dir --require-hashes --no-deps --wheel-dir /wheels -r requirements.lock \
    && pip install --no-cache-dir --require-hashes --no-deps -r requirements.lock
COPY pyproject.toml README.md ./
COPY core ./core
COPY bots ./bots
COPY migrations ./migrations
RUN pip wheel --no-cache-dir --no-deps --no-build-isolation --wheel-dir /wheels .

FROM python:3.11-slim
ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    FOLLOWTHROUGH_HTTP_HOST=0.0.0.0 \
    FOLLOWTHROUGH_HTTP_PORT=3000 \
    FOLLOWTHROUGH_LOG_JSON=1
RUN useradd --create-home --uid 10001 --shell /usr/sbin/nologin followthrough
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir --no-index --no-deps /wheels/*.whl && rm -rf /wheels
USER followthrough
WORKDIR /home/followthrough
EXPOSE 3000
# /healthz answers while the event loop runs; /readyz (database, gateway) is for load
# balancers and orchestrators that should route around a process, not restart it.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('FOLLOWTHROUGH_HTTP_PORT', '3000'), timeout=4)"]
ENTRYPOINT ["followthrough"]
CMD ["run"]
