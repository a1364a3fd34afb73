"""Free text that is safe to store, show and log.

Every free-text field of every service (names, remarks, ladder names, client names) uses
these types. They refuse control characters (a NUL breaks PostgreSQL, a newline forges a
log line), bidirectional overrides (text that reads differently from how it is stored)
and zero-width characters (two names that look alike but differ). Line breaks and tabs
are allowed only in multi-line notes.
"""

from __future__ import annotations

import unicodedata
from typing import Annotated

from pydantic import AfterValidator, Field, StringConstraints

_MULTILINE_OK = frozenset("\n\r\t")


def unsafe_character(value: str, *, multiline: bool = False) -> str | None:
    """The first character that may not appear in free text, or None.

    Unicode categories Cc (controls) and Cf (format: bidi overrides and isolates, zero-width
    spaces and joiners, the BOM) are refused, as are the line and paragraph separators."""
    for ch in value:
        if multiline and ch in _MULTILINE_OK:
            continue
        if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp"):
            return ch
    return None


def _check(multiline: bool) -> AfterValidator:
    def validate(value: str) -> str:
        bad = unsafe_character(value, multiline=multiline)
        if bad is not None:
            raise ValueError(
                f"contains the invisible or control character U+{ord(bad):04X} "
                "/ 含有不可见字符或控制字符"
            )
        return value

    return AfterValidator(validate)


def _character_class(multiline: bool) -> str:
    """The refused characters as a regular-expression class body, in ranges."""
    bad = [
        c
        for c in range(0x110000)
        if not 0xD800 <= c <= 0xDFFF
        and unicodedata.category(chr(c)) in ("Cc", "Cf", "Zl", "Zp")
        and not (multiline and chr(c) in _MULTILINE_OK)
    ]
    parts: list[str] = []
    start = prev = bad[0]
    for c in [*bad[1:], -1]:
        if c == prev + 1:
            prev = c
            continue
        parts.append(_escape(start) if start == prev else f"{_escape(start)}-{_escape(prev)}")
        start = prev = c
    return "".join(parts)


def _escape(c: int) -> str:
    """The character itself: every engine (ECMA, Python, Rust) reads a literal one alike,
    while their escapes for characters beyond U+FFFF differ."""
    return chr(c)


def _documented(multiline: bool, required: bool) -> object:
    """The rule in the JSON schema too, so clients (and Schemathesis) know it: a pattern
    of allowed characters; a required one needs a character that is not white space."""
    bad = _character_class(multiline)
    body = f"[^{bad}]*[^\\s{bad}][^{bad}]*" if required else f"[^{bad}]*"
    return Field(json_schema_extra={"pattern": f"^{body}$"})


# A schema that needs another length adds its own StringConstraints after these.
Name = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=50),
    _check(multiline=False),
    _documented(multiline=False, required=True),
]
Title = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=200),
    _check(multiline=False),
    _documented(multiline=False, required=True),
]
Note = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=500),
    _check(True),
    _documented(multiline=True, required=False),
]
