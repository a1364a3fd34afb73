"""GET /api/v1/openapi.json (the merged document) and /api/v1/docs (Swagger UI on it).

The docs page's scripts and styles come from the swagger-ui-bundle-v2 wheel and are served
from here: no CDN at run time, and the page's policy allows nothing from elsewhere."""

from __future__ import annotations

from pathlib import Path

import swagger_ui_bundle
from fastapi import APIRouter, Request, Response
from fastapi.responses import FileResponse, HTMLResponse

from cwp_common.problems import ProblemError
from cwp_gateway.openapi.sources import ServiceDocuments

router = APIRouter(prefix="/api/v1", include_in_schema=False)

ASSETS = Path(swagger_ui_bundle.swagger_ui_path)
# The only files the page needs; nothing else of the wheel's folder is served.
ASSET_TYPES = {
    "swagger-ui-bundle.js": "text/javascript",
    "swagger-ui-standalone-preset.js": "text/javascript",
    "swagger-ui.css": "text/css",
    "favicon-32x32.png": "image/png",
}
PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self' "
    "'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Community Workforce Platform API</title>
<link rel="stylesheet" href="/api/v1/docs/swagger-ui.css">
<link rel="icon" type="image/png" href="/api/v1/docs/favicon-32x32.png">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/api/v1/docs/swagger-ui-bundle.js"></script>
<script src="/api/v1/docs/swagger-ui-standalone-preset.js"></script>
<script src="/api/v1/docs/init.js"></script>
</body>
</html>
"""
INIT = """window.ui = SwaggerUIBundle({
  url: "/api/v1/openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  persistAuthorization: false,
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
  layout: "StandaloneLayout",
});
"""


def documents(request: Request) -> ServiceDocuments:
    return request.app.state.openapi_documents  # type: ignore[no-any-return]


@router.get("/openapi.json")
async def merged_document(request: Request) -> Response:
    merged = await documents(request).current()
    headers = {"ETag": merged.etag, "Cache-Control": "no-cache"}
    if request.headers.get("if-none-match") == merged.etag:
        return Response(status_code=304, headers=headers)
    return Response(merged.body, media_type="application/json", headers=headers)


@router.get("/docs")
async def docs_page() -> HTMLResponse:
    return HTMLResponse(PAGE, headers=PAGE_HEADERS)


@router.get("/docs/init.js")
async def docs_init() -> Response:
    return Response(INIT, media_type="text/javascript", headers=PAGE_HEADERS)


@router.get("/docs/{asset}")
async def docs_asset(asset: str) -> FileResponse:
    media_type = ASSET_TYPES.get(asset)
    if media_type is None:
        raise ProblemError(404, "not-found", "Not found", "No such file / 文件不存在")
    return FileResponse(
        ASSETS / asset,
        media_type=media_type,
        headers={**PAGE_HEADERS, "Cache-Control": "public, max-age=86400"},
    )
