"""Who may create or change which account. Pure functions over plain values."""

from __future__ import annotations

from collections.abc import Iterable


def region_within(region: str, scope: str) -> bool:
    """A region lies within a scope when the scope's code is its prefix ("" is national)."""
    return region.startswith(scope)


def roles_not_held(granted: Iterable[str], held: Iterable[str]) -> list[str]:
    """The roles in `granted` the granter does not hold itself, sorted."""
    return sorted(set(granted) - set(held))
