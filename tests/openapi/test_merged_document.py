"""GET /api/v1/openapi.json: one document for the whole public API, merged from the
services' own documents (fetched over HTTP) and the gateway's, and its docs page."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
from fastapi.routing import APIRoute, iter_route_contexts

from cwp_common.settings import PlatformSettings
from cwp_gateway.openapi.merge import REF_PREFIX, merge, shared_names
from tests.openapi.stack import SERVICES, platform_stack, service_app
from tests.support.apps import running
from tests.support.tokens import Tokens

DOC = "/api/v1/openapi.json"


def public_routes(app: Any) -> set[tuple[str, str]]:
    """(METHOD, path) of every documented /api/v1 route of an app."""
    found: set[tuple[str, str]] = set()
    # Included routers stay nested: walked as FastAPI's own document generator does.
    for route in iter_route_contexts(app.routes):
        if not (isinstance(route.original_route, APIRoute) and route.include_in_schema):
            continue
        path = route.path_format
        assert path is not None  # an APIRoute has a path and methods
        if path.startswith("/api/v1/"):
            assert route.methods is not None
            found |= {(method, path) for method in route.methods if method != "HEAD"}
    return found


def refs(node: Any) -> set[str]:
    if isinstance(node, dict):
        found = {node["$ref"]} if isinstance(node.get("$ref"), str) else set()
        return found.union(*(refs(v) for v in node.values()))
    if isinstance(node, list):
        return set().union(*(refs(v) for v in node))
    return set()


async def test_every_route_of_every_service_is_in_the_merged_document(
    backend: str, tmp_path: Path, platform_settings: PlatformSettings, tokens: Tokens
) -> None:
    async with (
        platform_stack(backend, tmp_path, platform_settings, tokens) as stack,
        httpx.AsyncClient(base_url=stack.urls["gateway"], timeout=30) as client,
    ):
        r = await client.get(DOC)
        assert r.status_code == 200, r.text
        assert r.headers["content-type"] == "application/json"
        document = r.json()
        assert document["openapi"].startswith("3.1")
        assert document["info"]["x-cwp-services"] == {
            "present": sorted([*SERVICES, "gateway"]),
            "missing": {},
        }
        documented = {
            (method.upper(), path) for path, item in document["paths"].items() for method in item
        }
        for name, app in stack.apps.items():
            routes = public_routes(app)
            assert routes, name
            assert routes - documented == set(), f"{name}'s routes missing from the document"
        # Names that clash are told apart per service, and every reference resolves.
        schemas = document["components"]["schemas"]
        assert {"registry_WorkerOut", "career_WorkerOut"} <= schemas.keys()
        assert "WorkerOut" not in schemas
        assert "Problem" in schemas  # the shared layer's, the same in every service
        for ref in refs(document):
            assert ref.startswith(REF_PREFIX), ref
            assert ref[len(REF_PREFIX) :] in schemas, ref
        ids = [op["operationId"] for item in document["paths"].values() for op in item.values()]
        assert len(ids) == len(set(ids))
        # Examples: the shared answers carry them.
        assert schemas["Problem"]["properties"]["status"]["examples"] == [404]
        assert schemas["FieldProblem"]["properties"]["field"]["examples"]
        # Token-checked operations say which token.
        workers = document["paths"]["/api/v1/registry/workers"]["get"]
        assert workers["security"] == [{"bearer": []}]
        assert document["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
        # A repeated read is a 304.
        again = await client.get(DOC, headers={"If-None-Match": r.headers["etag"]})
        assert again.status_code == 304


async def test_each_service_builds_its_document_at_start_not_on_the_gateway_s_first_read(
    backend: str, tmp_path: Path, platform_settings: PlatformSettings
) -> None:
    """Built on first read it took 1-4 s under load, and the gateway, which asks with a
    5 s timeout, reported the service missing from the merged document."""
    for name in SERVICES:
        app = await service_app(name, backend, tmp_path, platform_settings)
        assert app.openapi_schema is None
        async with running(app) as client:
            assert app.openapi_schema is not None, name  # before any request
            built = app.openapi_schema
            r = await client.get("/openapi.json")
            assert r.status_code == 200
            assert app.openapi_schema is built  # served, not built again
            assert r.json()["paths"].keys() == built["paths"].keys()


async def test_a_service_that_is_down_is_named_and_the_rest_is_served(
    backend: str, tmp_path: Path, platform_settings: PlatformSettings, tokens: Tokens
) -> None:
    async with (
        platform_stack(
            backend, tmp_path, platform_settings, tokens, down=("payroll", "training")
        ) as stack,
        httpx.AsyncClient(base_url=stack.urls["gateway"], timeout=30) as client,
    ):
        r = await client.get(DOC)
        assert r.status_code == 200, r.text
        document = r.json()
        services = document["info"]["x-cwp-services"]
        assert services["present"] == ["career", "gateway", "registry"]
        assert set(services["missing"]) == {"payroll", "training"}
        assert "unreachable" in services["missing"]["payroll"]
        assert "payroll" in document["info"]["description"]
        paths = document["paths"]
        assert any(p.startswith("/api/v1/registry/") for p in paths)
        assert any(p.startswith("/api/v1/auth/") for p in paths)
        assert not any(p.startswith(("/api/v1/payroll/", "/api/v1/training/")) for p in paths)


async def test_the_docs_page_serves_swagger_ui_from_the_gateway_itself(
    backend: str, tmp_path: Path, platform_settings: PlatformSettings, tokens: Tokens
) -> None:
    async with (
        platform_stack(
            backend, tmp_path, platform_settings, tokens, down=("career", "payroll", "training")
        ) as stack,
        httpx.AsyncClient(base_url=stack.urls["gateway"], timeout=30) as client,
    ):
        page = await client.get("/api/v1/docs")
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/html")
        assert "script-src 'self'" in page.headers["content-security-policy"]
        assert "http" not in page.text  # nothing from a CDN
        for asset, media in (
            ("swagger-ui-bundle.js", "text/javascript"),
            ("swagger-ui-standalone-preset.js", "text/javascript"),
            ("swagger-ui.css", "text/css"),
            ("init.js", "text/javascript"),
        ):
            r = await client.get(f"/api/v1/docs/{asset}")
            assert r.status_code == 200, asset
            assert r.headers["content-type"].startswith(media), asset
            assert len(r.content) > 100
        assert "/api/v1/openapi.json" in (await client.get("/api/v1/docs/init.js")).text
        for other in ("index.html", "swagger-ui.js.map", "..%2F__init__.py"):
            r = await client.get(f"/api/v1/docs/{other}")
            assert r.status_code == 404, other
            assert r.headers["content-type"] == "application/problem+json"


def test_same_named_schemas_are_prefixed_and_identical_shared_ones_kept() -> None:
    def doc(path: str, schemas: dict[str, Any]) -> dict[str, Any]:
        ref = {"$ref": REF_PREFIX + "Page"}
        return {
            "paths": {path: {"get": {"operationId": "list", "responses": {"200": ref}}}},
            "components": {"schemas": schemas},
        }

    problem = {"type": "object"}
    page = {"properties": {"items": {"items": {"$ref": REF_PREFIX + "Out"}}}}
    a = doc("/api/v1/a/x", {"Problem": problem, "Out": {"title": "A"}, "Page": page})
    b = doc("/api/v1/b/x", {"Problem": problem, "Out": {"title": "B"}, "Page": page})
    b["paths"]["/internal"] = {"get": {"responses": {}}}  # not forwarded: left out
    assert shared_names({"a": a, "b": b}) == {"Problem"}
    merged = merge({"a": a, "b": b}, {"c": "unreachable"})
    assert set(merged["components"]["schemas"]) == {"Problem", "a_Out", "a_Page", "b_Out", "b_Page"}
    b_page = merged["components"]["schemas"]["b_Page"]
    assert json.dumps(b_page).count(REF_PREFIX + "b_Out") == 1
    assert set(merged["paths"]) == {"/api/v1/a/x", "/api/v1/b/x"}
    ids = [merged["paths"][p]["get"]["operationId"] for p in sorted(merged["paths"])]
    assert ids == ["list", "b_list"]
    assert merged["info"]["x-cwp-services"]["missing"] == {"c": "unreachable"}
