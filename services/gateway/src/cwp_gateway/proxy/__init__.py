"""The hot path: /api/v1/<service>/... forwarded to the service, as plain ASGI."""
