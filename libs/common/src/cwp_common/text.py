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

from pydantic import AfterValidator, StringConstraints

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


# A schema that needs another length adds its own StringConstraints after these.
Name = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=50),
    _check(multiline=False),
]
Title = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=200),
    _check(multiline=False),
]
Note = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500), _check(True)]
