"""Pure rules of terms of office: which posts have terms, how long a term lasts (dated
data, term_lengths.json), and which terms open and close when a worker's posts change."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from cwp_common.events.contracts import (
    ELECTED_COMMITTEE_POSITIONS,
    PARTY_POSITIONS,
    TermBody,
    TermEndReason,
)
from cwp_registry.terms.exceptions import InvalidReelection


def body_of(position: str) -> TermBody | None:
    if position in ELECTED_COMMITTEE_POSITIONS:
        return "residents_committee"
    if position in PARTY_POSITIONS:
        return "party_organisation"
    return None


@dataclass(frozen=True, slots=True)
class TermLength:
    jurisdiction: str  # division-code prefix; "" national
    body: str
    since: date
    years: int


def load_lengths(path: Path) -> tuple[TermLength, ...]:
    raw = json.loads(path.read_text(encoding="utf-8"))
    return tuple(
        TermLength(e["jurisdiction"], e["body"], date.fromisoformat(e["since"]), int(e["years"]))
        for e in raw["lengths"]
    )


LENGTHS = load_lengths(Path(__file__).with_name("term_lengths.json"))


def term_years(
    body: str, community_code: str, start: date, lengths: tuple[TermLength, ...] = LENGTHS
) -> int:
    """The rule of the most specific jurisdiction covering the community, in force on
    the day the term began (before the earliest entry, the earliest applies)."""
    mine = [t for t in lengths if t.body == body and community_code.startswith(t.jurisdiction)]
    if not mine:
        raise LookupError(f"no term length for {body}")
    best = max(len(t.jurisdiction) for t in mine)
    dated = sorted((t for t in mine if len(t.jurisdiction) == best), key=lambda t: t.since)
    in_force = [t for t in dated if t.since <= start]
    return (in_force[-1] if in_force else dated[0]).years


def due_end(start: date, years: int) -> date:
    """The same day `years` later (28 February for a term begun on 29 February)."""
    try:
        return start.replace(year=start.year + years)
    except ValueError:
        return start.replace(year=start.year + years, day=28)


@dataclass(frozen=True, slots=True)
class Held:
    position: str
    since: date


@dataclass(frozen=True, slots=True)
class Open:
    position: str
    community_code: str
    term_start: date


def plan(
    held: list[Held], community_code: str, open_terms: list[Open], exited: bool
) -> tuple[list[tuple[Open, TermEndReason]], list[Held]]:
    """The open terms to close (with why) and the posts whose term starts, so that the
    open terms match the elected posts the worker now holds in this community."""
    positions = {h.position for h in held} if not exited else set()
    closing: list[tuple[Open, TermEndReason]] = []
    kept: set[str] = set()
    for term in open_terms:
        if exited:
            closing.append((term, "exited"))
        elif term.community_code != community_code:
            closing.append((term, "transferred"))
        elif term.position not in positions:
            closing.append((term, "post_changed"))
        else:
            kept.add(term.position)
    starting = [h for h in held if not exited and body_of(h.position) and h.position not in kept]
    return closing, starting


def end_day(term_start: date, day: date) -> date:
    """A term that ends on the day it began still lasted that day."""
    return max(term_start, day)


def full_term(reason: TermEndReason, due: date, ended_on: date) -> bool:
    return reason == "completed" or ended_on >= due - timedelta(days=1)


def check_reelection(open_start: date, new_start: date, today: date) -> None:
    if new_start > today:
        raise InvalidReelection("future")
    if new_start <= open_start:
        raise InvalidReelection("not-after")
