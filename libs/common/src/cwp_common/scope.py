"""Region scope in the query layer.

A principal's region is a prefix of the 12-digit statistical division code. Every
repository builds its statements through `within_region`, so a read, list, export or
bulk job outside the caller's region finds nothing (404) and a write there is refused
(403) by `ensure_writable`. The range form (code BETWEEN prefix000.. AND prefix999..)
uses the ordinary b-tree index on both SQLite and PostgreSQL, unlike LIKE 'prefix%'.
"""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import ColumnElement, and_, or_, true

from cwp_common.auth import Principal
from cwp_common.db import AnySelect
from cwp_common.problems import Forbidden

CODE_LENGTH = 12
S = TypeVar("S", bound=AnySelect)


def region_clause(column: Any, region: str) -> ColumnElement[bool]:
    if not region:
        return true()
    pad = CODE_LENGTH - len(region)
    return and_(column >= region + "0" * pad, column <= region + "9" * pad)


def within_region(stmt: S, column: Any, principal: Principal) -> S:
    return stmt.where(region_clause(column, principal.region))


def ensure_writable(principal: Principal, code: str) -> None:
    if not principal.covers(code):
        raise Forbidden(
            f"Region {code} is outside your scope "
            f"'{principal.region or 'national'}' / 超出授权区域",
            slug="out-of-scope",
        )


def enclosing(region: str) -> list[str]:
    """The jurisdictions containing a region: national "", its province, prefecture,
    county, street, and the region itself (the levels of the 12-digit code)."""
    return [region[:n] for n in (0, 2, 4, 6, 9, 12) if n <= len(region)]


def jurisdiction_clause(column: Any, region: str) -> ColumnElement[bool]:
    """Rows owned by a jurisdiction (`column` holds a division-code prefix, "" national)
    that concern a caller of `region`: a jurisdiction containing the region (national
    and provincial rules and catalogues apply to a district) or lying inside it."""
    if not region:
        return true()
    return or_(column.in_(enclosing(region)), column.startswith(region, autoescape=True))
