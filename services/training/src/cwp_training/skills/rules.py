"""Two-way recognition between community-worker ability levels and vocational skill
levels (pure): the jurisdiction's table read either way."""

from __future__ import annotations

from collections.abc import Sequence

from cwp_training.policy.schemas import RecognitionPair


def ability_for(pairs: Sequence[RecognitionPair], skill_level: str) -> str | None:
    return next((p.ability_level for p in pairs if p.skill_level == skill_level), None)


def skill_for(pairs: Sequence[RecognitionPair], ability_level: str) -> str | None:
    return next((p.skill_level for p in pairs if p.ability_level == ability_level), None)
