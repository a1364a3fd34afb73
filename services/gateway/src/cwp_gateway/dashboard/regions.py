"""Division codes as the dashboard walks them: province (2 digits) → city (4) → district
(6) → street (9) → community (12). Pure rules."""

from __future__ import annotations

LEVELS = (2, 4, 6, 9, 12)
LEVEL_NAMES = ("province", "city", "district", "street", "community")


def is_region(code: str) -> bool:
    """ "" (national) or a code of digits at one of the five levels."""
    return code == "" or (code.isascii() and code.isdigit() and len(code) in LEVELS)


def level_of(code: str) -> str:
    """The level's name; a scope between levels (an account's region may be any prefix)
    is named by the deepest level it reaches, or plainly a region."""
    if code == "":
        return "national"
    reached = [name for n, name in zip(LEVELS, LEVEL_NAMES, strict=True) if n <= len(code)]
    return reached[-1] if reached else "region"


def within(code: str, scope: str) -> bool:
    return code.startswith(scope)


def path_from(scope: str, code: str) -> list[str]:
    """The regions a user of `scope` walks through to reach `code`, the scope first and
    `code` last; every one of them lies inside the scope."""
    steps = [code[:n] for n in LEVELS if len(scope) <= n < len(code)]
    if not steps or steps[0] != scope:
        steps.insert(0, scope)
    return [*steps, code] if code != steps[-1] else steps
