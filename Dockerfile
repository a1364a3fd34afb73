# One image recipe for every service; the service is a build argument. From the
# repository root (the uv workspace):
#   docker build --build-arg SERVICE=registry -t cwp-registry:1.0.0 .
# (`make image SERVICE=registry`). Adding a service needs no line here.
#
# The image runs in production mode (CWP_ENV is not set, and its default is prod): every
# development default is refused at start with a message naming the setting. Give it
# real values, from Secrets: the registry's REGISTRY_PII_KEY and REGISTRY_PII_HASH_KEY,
# the gateway's CWP_ADMIN_PASSWORD and GATEWAY_JWT_PRIVATE_KEY_PATH, and for every service
# CWP_JWT_PUBLIC_KEY_PATH and CWP_NATS_CREDENTIALS_DIR (a directory holding the file
# named after the service, with its NATS password). See deploy/README.md.
#
# Commands (deploy/image/entrypoint.sh): `serve` (the default), `migrate` (this
# service's Alembic migrations to head; run it once per release before the new pods), or
# any other command, e.g. `cwp --help` (the ops CLI).

ARG PYTHON_IMAGE=python:3.11.14-slim-bookworm

# --- build: uv and the lock file make /app/.venv; nothing of this stage ships but it ---
FROM ${PYTHON_IMAGE} AS build
ARG SERVICE
RUN test -n "$SERVICE" || (echo "build with --build-arg SERVICE=<service>" && false)
COPY --from=ghcr.io/astral-sh/uv:0.9.5 /uv /usr/local/bin/uv
ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/app/.venv
WORKDIR /src
# The whole workspace (every member's pyproject is needed to read the lock); the uv cache
# mount keeps a code-only change from downloading anything again.
COPY pyproject.toml uv.lock ./
COPY libs libs
COPY services services
# Non-editable: the packages are copied into the virtualenv, so the runtime stage needs
# no source tree. The ops CLI comes along for `migrate`, `create-admin` and the rest.
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-editable --package "cwp-${SERVICE}" \
    && uv sync --frozen --no-dev --no-editable --inexact --package cwp-ops \
    && mkdir -p "/app/services/${SERVICE}" \
    && cp -r "services/${SERVICE}/alembic.ini" "services/${SERVICE}/migrations" "/app/services/${SERVICE}/"

# --- runtime: slim Python, the virtualenv, the migrations, a non-root user ---------------
FROM ${PYTHON_IMAGE} AS runtime
ARG SERVICE
LABEL org.opencontainers.image.title="cwp-${SERVICE}" \
      org.opencontainers.image.description="Community Workforce Platform: ${SERVICE} service"
# /app/var: the one folder the user may write (an empty volume mounted there takes its
# owner), e.g. for the NATS configuration that a one-shot container renders in compose.
RUN useradd --system --uid 10001 --no-create-home --home-dir /app --shell /usr/sbin/nologin cwp \
    && install -d -o cwp -g cwp -m 0750 /app/var
ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PATH=/app/.venv/bin:$PATH \
    CWP_SERVICE=${SERVICE} \
    CWP_LOG_LEVEL=INFO
WORKDIR /app
COPY --from=build /app/.venv /app/.venv
COPY --from=build /app/services /app/services
COPY deploy/image/entrypoint.sh /usr/local/bin/cwp-entrypoint
USER 10001:10001
# Every service listens on 8080 in its container (the gateway's /metrics on 9100); the
# port outside is the orchestrator's business.
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request as u; u.urlopen('http://127.0.0.1:8080/livez', timeout=2)"]
ENTRYPOINT ["cwp-entrypoint"]
CMD ["serve"]
