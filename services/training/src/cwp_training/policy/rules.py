"""Resolving the policy in force (pure): for each section, the document of the most
specific jurisdiction containing the place, latest effective date not after the day."""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from datetime import date
from importlib import resources

from cwp_training.policy.schemas import SECTIONS, PolicyDocument, PolicyFile, PolicyOut


class BrokenPolicy(RuntimeError):
    pass


@functools.cache
def shipped() -> tuple[PolicyDocument, ...]:
    raw = json.loads(resources.files(__package__).joinpath("policy.json").read_text("utf-8"))
    docs = PolicyFile.model_validate(raw).policies
    if not any(d.jurisdiction == "" for d in docs):
        raise BrokenPolicy("policy.json has no national document")
    national = min((d for d in docs if d.jurisdiction == ""), key=lambda d: d.effective_from)
    missing = [s for s in SECTIONS if getattr(national, s) is None]
    if missing:
        raise BrokenPolicy(f"the national policy lacks {', '.join(missing)}")
    return docs


def resolve(place: str, on: date, docs: Sequence[PolicyDocument] | None = None) -> PolicyOut:
    """The policy for a division code (or prefix) on a day."""
    docs = shipped() if docs is None else docs
    applicable = [
        d for d in docs if place.startswith(d.jurisdiction) and d.effective_from <= on
    ] or [d for d in docs if d.jurisdiction == ""]
    # Most specific first, then the latest effective date.
    applicable.sort(key=lambda d: (len(d.jurisdiction), d.effective_from), reverse=True)
    values: dict[str, object] = {}
    sources: dict[str, str] = {}
    examples: list[str] = []
    for section in SECTIONS:
        doc = next(d for d in applicable if getattr(d, section) is not None)
        values[section] = getattr(doc, section)
        sources[section] = doc.jurisdiction
        if section in doc.examples:
            examples.append(section)
    return PolicyOut(jurisdiction=place, on=on, examples=examples, sources=sources, **values)  # type: ignore[arg-type]


def pass_mark(policy: PolicyOut, community_code: str) -> int:
    """The regional pass line where one applies to the community, else the national mark."""
    lines = [ln for ln in policy.regional_lines.lines if community_code.startswith(ln.prefix)]
    if not lines:
        return policy.exam.pass_mark
    return max(lines, key=lambda ln: len(ln.prefix)).pass_mark
