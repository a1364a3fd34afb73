"""cwp_common.formats: the schema's pattern and bounds accept exactly what the validator
does, checked against Decimal arithmetic over every short decimal text."""

from __future__ import annotations

import itertools
import re
from decimal import Decimal
from typing import Annotated, Any

import pytest
from pydantic import BaseModel, ValidationError

from cwp_common.formats import DecimalRange, IsoDate, decimal_pattern

RANGES = [
    # low, high, places, low_open, high_open
    ("0", "100", 2, False, False),
    ("0", "1", 4, True, False),
    ("0", "0.30", 6, False, False),
    ("0.05", "0.12", 6, False, False),
    ("0", "5", 6, True, False),
    ("3.5", "17.25", 3, False, True),
    ("12", "12.5", 1, True, True),
    ("0", "0", 2, False, False),
    ("0", "999999.9999", 4, True, False),
]


def _texts(top: int, places: int) -> set[str]:
    """Decimal texts around the range: whole parts 0..top+2 (with a leading zero too),
    every fraction of up to three digits, longer ones at their edges, and junk."""
    found = {"", ".", "1.", ".5", "-1", "1e2", "+1", " 1", "1 ", "٣", "1,5"}
    edges = ["0", "9", "1", "3", "12", "05"]
    for whole in [*range(min(top, 150) + 3), top - 1, top, top + 1, 10 * top + 10]:
        for start in (str(whole), f"0{whole}"):
            found.add(start)
            for length in range(1, places + 2):
                if length <= 3:
                    fractions = ["".join(d) for d in itertools.product("0123456789", repeat=length)]
                else:
                    fractions = [(e + "0" * length)[:length] for e in edges] + [
                        "0" * (length - 1) + "1"
                    ]
                found |= {f"{start}.{f}" for f in fractions}
    return found


def _within(text: str, low: str, high: str, places: int, low_open: bool, high_open: bool) -> bool:
    if not re.fullmatch(
        rf"(0|[1-9][0-9]*)(\.[0-9]{{1,{places}}})?" if places else "0|[1-9][0-9]*", text
    ):
        return False
    value = Decimal(text)
    above = value > Decimal(low) if low_open else value >= Decimal(low)
    below = value < Decimal(high) if high_open else value <= Decimal(high)
    return above and below


@pytest.mark.parametrize(("low", "high", "places", "low_open", "high_open"), RANGES)
def test_the_pattern_accepts_exactly_the_decimals_of_the_range(
    low: str, high: str, places: int, low_open: bool, high_open: bool
) -> None:
    pattern = re.compile(decimal_pattern(low, high, places, low_open=low_open, high_open=high_open))
    top = int(Decimal(high))
    wrong = [
        t
        for t in _texts(top, places)
        if bool(pattern.fullmatch(t)) != _within(t, low, high, places, low_open, high_open)
    ]
    assert wrong == []


def test_a_range_with_more_decimals_than_places_or_below_zero_is_refused() -> None:
    with pytest.raises(ValueError, match="bounds"):
        decimal_pattern("0", "0.125", 2)
    with pytest.raises(ValueError, match="bounds"):
        decimal_pattern("-1", "1", 2)
    with pytest.raises(ValueError, match="empty"):
        decimal_pattern("1", "1", 2, low_open=True)


class Scored(BaseModel):
    score: Annotated[Decimal, DecimalRange("0", "100", 2, example="90", message="bad score")]
    rate: Annotated[
        Decimal, DecimalRange("0", "0.3", 6, numbers=False, example="0.08", message="bad rate")
    ] = Decimal("0.1")


@pytest.mark.parametrize(
    ("score", "expected"),
    [(80, "80"), (92.5, "92.5"), ("92.50", "92.50"), ("100", "100"), (0.29, "0.29"), (-0.0, "0.0")],
)
def test_a_number_or_a_string_in_range_on_the_grid_is_taken(score: Any, expected: str) -> None:
    assert str(Scored.model_validate({"score": score}).score) == expected


@pytest.mark.parametrize(
    "score",
    [100.01, 101, -1, 0.001, 1e-300, float("inf"), True, "050", "1e2", "100.001", "", "92,5", None],
)
def test_a_score_off_the_range_or_the_grid_is_refused_without_quoting_it(score: Any) -> None:
    with pytest.raises(ValidationError) as caught:
        Scored.model_validate({"score": score})
    assert caught.value.errors()[0]["msg"] == "Value error, bad score"


@pytest.mark.parametrize("rate", [0.08, 0, "0.3000001", "0.31", "00.1", "0.1234567"])
def test_a_rate_is_a_string_in_range_never_a_number(rate: Any) -> None:
    with pytest.raises(ValidationError):
        Scored.model_validate({"score": 1, "rate": rate})
    assert Scored.model_validate({"score": 1, "rate": "0.300000"}).rate == Decimal("0.3")


def test_the_schema_states_the_range_the_grid_and_the_pattern() -> None:
    properties = Scored.model_json_schema()["properties"]
    number, string = properties["score"]["anyOf"]
    assert number == {"type": "number", "minimum": 0, "maximum": 100, "multipleOf": 0.01}
    assert string["type"] == "string"
    assert re.fullmatch(string["pattern"], "99.99")
    assert not re.fullmatch(string["pattern"], "100.01")
    rate = properties["rate"]
    assert rate["type"] == "string"  # no number branch
    assert rate["pattern"] == decimal_pattern("0", "0.3", 6)


class Dated(BaseModel):
    on: IsoDate | None = None


@pytest.mark.parametrize(
    "value", ["0", 0, 1700000000, "1700000000", "2026-1-31", "2026-01-31T00:00"]
)
def test_a_date_is_an_iso_date_string_never_a_number(value: Any) -> None:
    with pytest.raises(ValidationError):
        Dated.model_validate({"on": value})


def test_an_iso_date_is_taken_and_the_calendar_still_checked() -> None:
    assert str(Dated.model_validate({"on": "2024-02-29"}).on) == "2024-02-29"
    with pytest.raises(ValidationError):
        Dated.model_validate({"on": "2026-02-29"})
    assert Dated.model_json_schema()["properties"]["on"]["anyOf"][0] == {
        "format": "date",
        "type": "string",
    }


def test_a_decimal_from_python_is_taken_when_in_range_on_the_grid() -> None:
    """A model re-validated from Python (a template, a default) holds Decimals."""
    assert Scored.model_validate({"score": Decimal("90.50")}).score == Decimal("90.5")
    assert Scored.model_validate({"score": 1, "rate": Decimal("0.08")}).rate == Decimal("0.08")
    for bad in (Decimal("100.01"), Decimal("0.001"), Decimal("NaN")):
        with pytest.raises(ValidationError):
            Scored.model_validate({"score": bad})
