#!/bin/sh
# The image's entry point. `serve` (default): this service on 0.0.0.0:8080 (the gateway's
# internal listener, /metrics, on 0.0.0.0:9100), unless <SERVICE>_HOST/_PORT say
# otherwise. `migrate`: its Alembic migrations to head. Anything else runs as given.
set -eu
: "${CWP_SERVICE:?the image sets CWP_SERVICE}"
PREFIX=$(printf '%s' "$CWP_SERVICE" | tr '[:lower:]' '[:upper:]')

case "${1:-serve}" in
serve)
    eval "export ${PREFIX}_HOST=\"\${${PREFIX}_HOST:-0.0.0.0}\" ${PREFIX}_PORT=\"\${${PREFIX}_PORT:-8080}\""
    if [ "$CWP_SERVICE" = gateway ]; then
        export GATEWAY_INTERNAL_HOST="${GATEWAY_INTERNAL_HOST:-0.0.0.0}"
    fi
    exec python -m "cwp_${CWP_SERVICE}"
    ;;
migrate)
    exec alembic -c "${CWP_APP_DIR:-/app}/services/${CWP_SERVICE}/alembic.ini" upgrade head
    ;;
*)
    exec "$@"
    ;;
esac
