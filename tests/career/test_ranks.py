"""The order of education, qualification and skill levels is career's rule, written out in
ladders/ranks.py; the contracts' Literals only name the values."""

from __future__ import annotations

from typing import Any, get_args

import pytest

from cwp_career.ladders.ranks import (
    DEGREE_ORDER,
    EDUCATION_ORDER,
    QUALIFICATION_ORDER,
    SKILL_LEVEL_ORDER,
)
from cwp_career.workers.rules import highest
from cwp_common.events.contracts import Degree, Education, QualificationLevel, SkillLevel


@pytest.mark.parametrize(
    ("order", "literal"),
    [
        (EDUCATION_ORDER, Education),
        (DEGREE_ORDER, Degree),
        (QUALIFICATION_ORDER, QualificationLevel),
        (SKILL_LEVEL_ORDER, SkillLevel),
    ],
)
def test_every_value_of_the_contract_is_ranked_once(order: tuple[str, ...], literal: Any) -> None:
    assert sorted(order) == sorted(get_args(literal))
    assert len(set(order)) == len(order)


def test_the_ranking_does_not_follow_the_literal_order() -> None:
    # 一级 (level_1) is the highest skill level although the contract may list it anywhere.
    assert highest("skill", ["level_1", "level_3", "level_5"]) == "level_1"
    assert highest("qualification", ["senior", "assistant"]) == "senior"
