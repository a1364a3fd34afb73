"""Worked examples of the policy corrections (issue 7 §2) outside grading: a term as
secretary, the 优秀 quota unit, exit by category and the receiving ladder's rule for
movers."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from cwp_career.assessments.rules import (
    cap_breach,
    exit_reason,
    exit_tracks,
    quota_unit,
)
from cwp_career.eligibility.rules import Candidate, evaluate
from cwp_career.ladders.rules import Ladder, after_move, compile_ladder
from cwp_career.ladders.templates import national_fallback

FALLBACK = national_fallback()
PUBLIC = FALLBACK.eligibility["public-institution"]
AS_OF = date(2026, 3, 1)


def secretary(**changes: object) -> Candidate:
    base: dict[str, object] = {
        "position": "party_secretary",
        "position_since": date(2020, 3, 1),
        "community_since": date(2015, 3, 1),
        "education": "bachelor",
        "qualification": None,
        "skill_level": None,
        "counted_years": 11,
    }
    base.update(changes)
    return Candidate(**base)  # type: ignore[arg-type]


def test_a_one_year_secretary_has_no_full_term() -> None:
    # REFERENCE §1, Art. 13: ≥10 consecutive years in the community and ≥1 full term as
    # 书记. Eleven years in the community, secretary since 2025-03-01: one year.
    one_year = secretary(position_since=date(2025, 3, 1))
    assert evaluate(PUBLIC, one_year, AS_OF, {}) == ["1 years in the post < 5"]


def test_a_term_as_concurrent_secretary_counts() -> None:
    # 主任 since 2024, and 书记 (concurrently, 书记兼主任) since 2020: a full term.
    director = secretary(
        position="committee_director",
        position_since=date(2024, 3, 1),
        concurrent=(("party_secretary", date(2020, 3, 1)),),
    )
    assert evaluate(PUBLIC, director, AS_OF, {}) == []
    # Secretary concurrently for three years only.
    short = secretary(
        position="committee_director",
        position_since=date(2015, 3, 1),
        concurrent=(("party_secretary", date(2023, 3, 1)),),
    )
    assert evaluate(PUBLIC, short, AS_OF, {}) == ["3 years in the post < 5"]


def test_the_quota_unit_is_a_prefix_of_the_division_code() -> None:
    code = "440103001002"  # 广州市越秀区 … street 001, community 002
    assert quota_unit(code, "community") == code
    assert quota_unit(code, "street") == "440103001"
    assert quota_unit(code, "district") == "440103"


def test_small_communities_can_give_excellent_when_counted_per_street() -> None:
    # Six workers a community (REFERENCE §4: ≈6 per community): 20% of 6 is 1.2, so one
    # 优秀 a community; with two 优秀 in one community and none in its neighbour the
    # street of 12 allows 2.
    cap = Decimal("0.20")
    first = ["优秀", "优秀", "合格", "合格", "合格", "合格"]
    second = ["合格"] * 6
    assert cap_breach(first, "优秀", cap) is not None  # per community: refused
    assert cap_breach(first + second, "优秀", cap) is None  # per street: allowed
    # And four workers can never give 优秀 per community: floor(0.2 × 4) = 0.
    assert cap_breach(["优秀", "合格", "合格", "合格"], "优秀", cap) is not None


def test_exit_tracks_by_category() -> None:
    assert exit_tracks(["full_time_worker"], "labour_contract") == ["contract"]
    assert exit_tracks(["committee_member"], "labour_contract") == ["contract", "elected"]
    # 书记兼主任 on a labour contract: three procedures.
    assert exit_tracks(["party_secretary", "committee_director"], "labour_contract") == [
        "contract",
        "elected",
        "party",
    ]
    assert exit_tracks(["deputy_secretary"], "public_institution") == ["staff", "party"]


def test_exit_reason_names_each_procedure() -> None:
    text = exit_reason([2024, 2025], 2, ["contract", "elected", "party"])
    lines = text.splitlines()
    assert lines[0].startswith("2 consecutive failing years (2024, 2025)")
    assert "依法解除劳动合同" in lines[1]
    assert "罢免" in lines[2]
    assert "党内" in lines[3]
    assert exit_reason([2025], 1, ["staff"]).splitlines()[1].endswith("有关规定处理")


def ladder_with_movers(**movers: str) -> Ladder:
    body = FALLBACK.body.model_copy(
        update={
            "jurisdiction": "44",
            "movers": FALLBACK.body.movers.model_copy(update=movers),
        }
    )
    return compile_ladder(uuid.uuid4(), body)


MOVED = date(2026, 1, 1)
GZ, SZ, SH = "440103001001", "440304001001", "310101002001"


def test_within_a_province_the_grade_is_kept_unless_the_ladder_regrades() -> None:
    # REFERENCE §1: grades mutually recognised inside a province; years accumulate.
    keep = ladder_with_movers()
    assert after_move(keep, GZ, SZ, 9, None, MOVED) == (9, None)
    regrade = ladder_with_movers(within_province="carry_years")
    assert after_move(regrade, GZ, SZ, 9, None, MOVED) == (None, None)


def test_from_another_province_the_receiving_ladder_decides() -> None:
    reset = ladder_with_movers()  # the fallback's default
    assert after_move(reset, SH, GZ, 9, None, MOVED) == (None, MOVED)
    carry = ladder_with_movers(from_other_province="carry_years")
    assert after_move(carry, SH, GZ, 9, None, MOVED) == (None, None)
    keep = ladder_with_movers(from_other_province="keep_grade")
    earlier = date(2020, 1, 1)  # an earlier reset stays where it was
    assert after_move(keep, SH, GZ, 9, earlier, MOVED) == (9, earlier)
