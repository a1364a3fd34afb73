"""Path parameters that match only what they accept: a path value outside its
parameter's pattern is no route at all (404, or 405 where the path serves other
methods), as the OpenAPI document says, rather than a route refusing it with 422."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from typing import Any

from starlette.convertors import CONVERTOR_TYPES, StringConvertor, register_url_convertor


def segment_convertor(metadata: Sequence[Any]) -> str | None:
    """The name of a Starlette path convertor for a parameter with these constraints
    (FieldInfo.metadata), or None when they state no pattern it can match by."""
    pattern = anchored_pattern(metadata)
    return None if pattern is None else pattern_convertor(pattern)


def anchored_pattern(metadata: Sequence[Any]) -> str | None:
    """A parameter's pattern when it is anchored at both ends only (no other ^ or $), so
    that its inside can be matched within a path; None for any other."""
    for item in metadata:
        pattern = getattr(item, "pattern", None)
        if not (isinstance(pattern, str) and pattern.startswith("^") and pattern.endswith("$")):
            continue
        inside = pattern[1:-1]
        if inside.endswith("\\") or re.search(r"\$|(?<!\[)\^", inside):
            return None
        try:
            re.compile(inside)
        except re.error:
            return None
        return pattern
    return None


def pattern_convertor(pattern: str) -> str:
    """The name under which Starlette knows the convertor of `pattern` (registered once):
    a path segment that the pattern matches whole. Its look-ahead admits a segment when
    the pattern matches from its start to its end; a pattern that could also match a "/"
    admits more than it should, never less, and the parameter's validator still judges."""
    name = "cwp_pattern_" + hashlib.sha256(pattern.encode()).hexdigest()[:16]
    if name not in CONVERTOR_TYPES:

        class Segment(StringConvertor):
            regex = f"(?=(?:{pattern[1:-1]})(?:/|$))[^/]+"

        register_url_convertor(name, Segment())
    return name
