# One image recipe for every service; the service is a build argument. From the
# repository root (the uv workspace):
#   docker build --build-arg SERVICE=registry -t cwp-registry .
#   docker build --build-arg SERVICE=career   -t cwp-career .
#   docker build --build-arg SERVICE=gateway  -t cwp-gateway .
#
# The image runs in production mode (CWP_ENV is not set, and its default is prod): every
# development default is refused at start with a message naming the setting. Give it
# real values, from Secrets: the registry's REGISTRY_PII_KEY and REGISTRY_PII_HASH_KEY,
# the gateway's CWP_ADMIN_PASSWORD and GATEWAY_JWT_PRIVATE_KEY_PATH, and for every service
# CWP_JWT_PUBLIC_KEY_PATH and CWP_NATS_CREDENTIALS_DIR (a directory holding the file
# named after the service, with its NATS password). See README.md, "Production".
FROM python:3.11-slim

ARG SERVICE
RUN test -n "$SERVICE" || (echo "build with --build-arg SERVICE=<registry|career|gateway>" && false)

ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PROJECT_ENVIRONMENT=/app/.venv \
    CWP_SERVICE=${SERVICE}

RUN pip install --no-cache-dir "uv>=0.9" \
    && useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin cwp

WORKDIR /app

# Dependencies first, from the lock file only, so code changes reuse this layer. uv reads
# the whole workspace, so every member's pyproject is copied.
COPY pyproject.toml uv.lock ./
COPY libs/common/pyproject.toml libs/common/pyproject.toml
COPY services/registry/pyproject.toml services/registry/pyproject.toml
COPY services/gateway/pyproject.toml services/gateway/pyproject.toml
COPY services/career/pyproject.toml services/career/pyproject.toml
RUN uv sync --frozen --no-dev --no-install-workspace --package "cwp-${SERVICE}"

COPY libs/common libs/common
COPY services/${SERVICE} services/${SERVICE}
RUN uv sync --frozen --no-dev --package "cwp-${SERVICE}" \
    && mkdir -p /app/var && chown cwp /app/var

USER 10001
ENV PATH=/app/.venv/bin:$PATH
# Every service listens on 8080 in its container (the port outside is the orchestrator's
# business): <SERVICE>_HOST and <SERVICE>_PORT are set from the build argument at start.
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/livez', timeout=2)"

# Bring the schema to head, then serve (exec: uvicorn gets the signals).
CMD ["sh", "-c", "P=$(echo \"$CWP_SERVICE\" | tr a-z A-Z) && export \"${P}_HOST=0.0.0.0\" \"${P}_PORT=8080\" && alembic -c \"services/$CWP_SERVICE/alembic.ini\" upgrade head && exec python -m \"cwp_$CWP_SERVICE\""]
