"""Ladder validation (every error names its field) and resolution."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import pytest
from pydantic import ValidationError

from cwp_career.ladders.rules import LadderBook, check_ladder, compile_ladder
from cwp_career.ladders.schemas import LadderBody
from cwp_career.ladders.templates import national_fallback, templates
from tests.career.helpers import ladder


def errors_of(body: dict[str, Any]) -> list[dict[str, str]]:
    return check_ladder(LadderBody.model_validate(body))


def fields_of(body: dict[str, Any]) -> set[str]:
    return {e["field"] for e in errors_of(body)}


def test_shipped_templates_are_valid_ladders() -> None:
    found = templates()
    assert set(found) == {"three-posts-18-grades", "four-posts-24-grades"}
    for t in found.values():
        assert check_ladder(t.body) == []
    sangang = found["three-posts-18-grades"]
    assert sangang.national_fallback
    assert national_fallback() is sangang.ladder
    assert [(c.code, c.band.min, c.band.max) for c in sangang.body.categories] == [
        ("principal", 7, 18),
        ("deputy", 4, 15),
        ("other", 1, 12),
    ]
    assert sangang.body.step_years == 3
    sigang = found["four-posts-24-grades"].body
    assert (sigang.step_years, len(sigang.categories)) == (2, 4)
    assert "EXAMPLE DATA" in sigang.note


def test_a_ladder_stored_before_party_committee_members_ranks_them_as_committee_members() -> None:
    body = ladder()
    for cat in body["categories"]:
        cat["positions"] = [p for p in cat["positions"] if p != "party_committee_member"]
    stored = LadderBody.model_validate(body)
    assert {e["field"] for e in check_ladder(stored)} == {"categories"}, "a new one must place it"
    compiled = compile_ladder(uuid.uuid4(), stored)
    member = compiled.category_of["committee_member"]
    assert compiled.category_of["party_committee_member"] == member
    sigang = templates()["four-posts-24-grades"].ladder
    assert sigang.category_of["party_committee_member"].code == "member"


def test_band_min_above_max() -> None:
    body = ladder()
    body["categories"][2]["band"] = {"min": 9, "max": 3}
    assert "categories.2.band" in fields_of(body)


def test_lower_ranked_band_above_a_higher_one() -> None:
    body = ladder()
    body["categories"][1]["band"] = {"min": 8, "max": 15}  # 副职 starts above 正职's 7
    assert fields_of(body) == {"categories.1.band"}


def test_position_in_two_categories_and_positions_not_covered() -> None:
    body = ladder()
    body["categories"][2]["positions"] = ["committee_member", "deputy_director"]
    assert fields_of(body) == {"categories.2.positions", "categories"}
    message = next(e["message"] for e in errors_of(body) if e["field"] == "categories")
    assert "full_time_worker" in message


def test_unknown_position_is_a_schema_error() -> None:
    body = ladder()
    body["categories"][0]["positions"] = ["party_secretary", "mayor"]
    with pytest.raises(ValidationError) as exc:
        LadderBody.model_validate(body)
    assert exc.value.errors()[0]["loc"] == ("categories", 0, "positions", 1)


def test_pay_coefficients_missing_extra_or_not_increasing() -> None:
    body = ladder()
    del body["pay_coefficients"]["5"]
    body["pay_coefficients"]["19"] = "3.0"
    body["pay_coefficients"]["10"] = body["pay_coefficients"]["9"]
    assert fields_of(body) == {"pay_coefficients.5", "pay_coefficients.19", "pay_coefficients.10"}


@pytest.mark.parametrize(
    ("path", "value", "loc"),
    [
        (("step_years",), 0, ("step_years",)),
        (("assessment", "excellent_cap"), "0", ("assessment", "excellent_cap")),
        (("assessment", "excellent_cap"), "1.5", ("assessment", "excellent_cap")),
        (("jurisdiction",), "440", ("jurisdiction",)),
        (("bonus_rule",), "sum", ("bonus_rule",)),
        (("education_bonus",), {"bachelor": -1}, ("education_bonus", "bachelor")),
    ],
)
def test_shape_errors(path: tuple[str, ...], value: Any, loc: tuple[str, ...]) -> None:
    body = ladder()
    target = body
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    with pytest.raises(ValidationError) as exc:
        LadderBody.model_validate(body)
    assert exc.value.errors()[0]["loc"] == loc


def test_a_cap_of_exactly_one_is_allowed() -> None:
    body = ladder()
    body["assessment"]["excellent_cap"] = "1"
    assert errors_of(body) == []


def test_assessment_scale_rules() -> None:
    body = ladder()
    body["assessment"]["passing"] = ["优秀", "合格", "称职"]
    body["assessment"]["counted"] = ["良好"]
    assert fields_of(body) == {"assessment.passing", "assessment.counted"}
    body = ladder()
    body["assessment"]["passing"] = ["优秀", "不合格"]  # skips 合格
    assert fields_of(body) == {"assessment.passing"}
    body = ladder()
    body["eligibility"]["mentor"]["assessments"]["results"] = ["卓越"]
    assert fields_of(body) == {"eligibility.mentor.assessments.results"}


def test_every_error_is_reported_at_once() -> None:
    body = ladder()
    body["categories"][0]["band"] = {"min": 20, "max": 18}
    body["categories"][1]["code"] = "principal"
    body["assessment"]["passing"] = ["甲"]
    # The broken 正职 band leaves grades 16-18 in no band: their coefficients are extra.
    assert fields_of(body) == {
        "categories.0.band",
        "categories.1.code",
        "assessment.passing",
        "pay_coefficients.16",
        "pay_coefficients.17",
        "pay_coefficients.18",
    }


def version(jurisdiction: str, effective: date) -> Any:
    body = LadderBody.model_validate(
        ladder(jurisdiction=jurisdiction, effective_date=effective.isoformat())
    )
    return compile_ladder(uuid.uuid4(), body)


def test_resolution_order_prefecture_province_national_fallback() -> None:
    national = version("", date(2025, 1, 1))
    guangdong = version("44", date(2025, 1, 1))
    guangzhou = version("4401", date(2025, 6, 1))
    book = LadderBook([national, guangdong, guangzhou], national_fallback())
    assert book.resolve("440103001001", date(2025, 7, 1)) is guangzhou
    assert book.resolve("440304001001", date(2025, 7, 1)) is guangdong  # 深圳: province
    assert book.resolve("310101002001", date(2025, 7, 1)) is national
    # Before the prefecture's version takes effect, the province's governs 广州.
    assert book.resolve("440103001001", date(2025, 5, 31)) is guangdong
    assert book.resolve("440103001001", date(2025, 6, 1)) is guangzhou
    # Before anything was published, the shipped fallback.
    assert book.resolve("440103001001", date(2024, 12, 31)) is national_fallback()


def test_latest_effective_version_wins_and_history_stays() -> None:
    v1 = version("44", date(2024, 1, 1))
    v2 = version("44", date(2026, 1, 1))
    book = LadderBook([v2, v1], national_fallback())
    assert book.resolve("440103001001", date(2025, 12, 31)) is v1
    assert book.resolve("440103001001", date(2026, 1, 1)) is v2
    assert book.resolve("440103001001", date(2030, 1, 1)) is v2
    assert book.by_id(v1.id) is v1


def test_pay_coefficients_are_exact_decimals() -> None:
    pay = national_fallback().pay
    assert all(type(c).__name__ == "Decimal" for c in pay.values())
    assert str(pay[1]) == "1.0000"
