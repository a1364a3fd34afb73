"""JSON answers as tests read them, typed: the body must have the shape the test expects,
so a changed answer fails where it is read, with its kind named, instead of as a
KeyError or a type error further on. Helpers return these instead of `r.json()` (Any)."""

from __future__ import annotations

import json
from typing import Any

import httpx


def json_object(body: httpx.Response | str | bytes) -> dict[str, Any]:
    """The answer's (or the text's) JSON, which must be one object."""
    data = body.json() if isinstance(body, httpx.Response) else json.loads(body)
    assert isinstance(data, dict), f"expected a JSON object, got {type(data).__name__}"
    return data


def json_items(answer: httpx.Response) -> list[dict[str, Any]]:
    """A page's `items`, which must be a list of objects."""
    items = json_object(answer)["items"]
    assert isinstance(items, list), f"expected a list of items, got {type(items).__name__}"
    assert all(isinstance(item, dict) for item in items), "expected objects as items"
    return items
