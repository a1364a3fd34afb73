"""Values whose format the OpenAPI document states exactly: what the validator takes
is what the schema says, so a client generated from the document sends nothing refused.

Booleans and whole numbers: a JSON true/false (`JsonBool`), never 0, 1 or "yes", which
pydantic would read as one; a whole number a JSON number (`whole_number`: 30, or 30.0,
which JSON Schema calls an integer too), never true or "30".

Dates: an ISO date string (2026-01-31), never a number (pydantic would read "0" or 0 as
seconds since 1970), as `format: date` says.

Decimals:

A JSON schema cannot bound a string's numeric value, so a decimal sent as a string
("0.08", "92.50") is checked by a regular expression that accepts exactly the decimals
of the range, with at most `places` decimals, written without leading zeros or an
exponent; the validator checks the same expression, so the schema and the validator
cannot drift apart. A JSON number, where allowed, is bounded by `minimum`/`maximum` and
`multipleOf` (one unit of the last place), which the validator checks as well."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import BeforeValidator, GetCoreSchemaHandler, GetJsonSchemaHandler, Strict
from pydantic_core import core_schema

JsonBool = Annotated[bool, Strict()]


def whole_number(value: Any) -> Any:
    """A BeforeValidator of an int: a JSON number only (a fraction is refused by the int
    itself). Bounds go before it in the Annotated (cwp_common.openapi states them)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("a whole number, not text or true/false / 须为整数")
    return value


ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


def _iso_date(value: Any) -> Any:
    if isinstance(value, date) or (isinstance(value, str) and ISO_DATE.fullmatch(value)):
        return value  # the calendar (a 31 February) is pydantic's to check
    raise ValueError("a date is written 2026-01-31 / 日期格式应为 2026-01-31")


# A date parameter or field: `format: date`, a string; a number is refused.
IsoDate = Annotated[date, BeforeValidator(_iso_date)]

ISO_MOMENT = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}.*$")


def _iso_moment(value: Any) -> Any:
    if isinstance(value, datetime) or (isinstance(value, str) and ISO_MOMENT.fullmatch(value)):
        return value  # the calendar and the clock are pydantic's to check
    raise ValueError("a time is written 2026-01-31T08:00:00+08:00 / 时间格式应为 ISO 8601")


# A date-time parameter or field: `format: date-time`, a string; a number is refused.
IsoMoment = Annotated[datetime, BeforeValidator(_iso_moment)]


def _digit_class(low: int, high: int) -> str:
    return str(low) if low == high else f"[{low}-{high}]"


def _fixed(low: str, high: str) -> str:
    """Digit strings as long as `low` and `high` (same length) within [low, high]."""
    n = len(low)
    if n == 0:
        return ""
    if low == "0" * n and high == "9" * n:
        return "[0-9]" if n == 1 else f"[0-9]{{{n}}}"
    first, last = int(low[0]), int(high[0])
    if first == last:
        return low[0] + _fixed(low[1:], high[1:])
    rest = n - 1
    # The first digit's range whose remaining digits are free: the ends join it when
    # their own remainder is free too.
    middle_low = first if low[1:] == "0" * rest else first + 1
    middle_high = last if high[1:] == "9" * rest else last - 1
    branches = []
    if middle_low > first:
        branches.append(low[0] + _fixed(low[1:], "9" * rest))
    if middle_low <= middle_high:
        any_rest = "" if rest == 0 else ("[0-9]" if rest == 1 else f"[0-9]{{{rest}}}")
        branches.append(_digit_class(middle_low, middle_high) + any_rest)
    if middle_high < last:
        branches.append(high[0] + _fixed("0" * rest, high[1:]))
    return branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"


def _whole(low: int, high: int) -> str:
    """Whole numbers in [low, high] written without leading zeros."""
    branches = []
    full: list[int] = []  # lengths whose every number is within: one branch for them all
    for length in range(len(str(low)), len(str(high)) + 1):
        start = max(low, 10 ** (length - 1) if length > 1 else 0)
        end = min(high, 10**length - 1)
        if length > 1 and start == 10 ** (length - 1) and end == 10**length - 1:
            full.append(length)
        elif start <= end:
            branches.append(_fixed(str(start), str(end)))
    if full:
        shortest, longest = full[0] - 1, full[-1] - 1
        count = str(shortest) if shortest == longest else f"{shortest},{longest}"
        branches.append(f"[1-9][0-9]{{{count}}}")
    return branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"


def _fraction(low: str, high: str) -> tuple[str | None, bool]:
    """Decimal digits d (1 to len(low) of them) whose value 0.d lies within
    [0.low, 0.high] (`low`, `high` of equal length): a pattern for the non-empty digit
    strings (None if there is none) and whether no digits at all (0.0) lies within."""
    n = len(low)
    empty = low == "0" * n
    if n == 0:
        return None, True
    if empty and high == "9" * n:
        return ("[0-9]" if n == 1 else f"[0-9]{{1,{n}}}"), True

    def then(rest_low: str, rest_high: str) -> str:
        pattern, may_stop = _fraction(rest_low, rest_high)
        if pattern is None:
            return ""
        return f"(?:{pattern})?" if may_stop else f"(?:{pattern})"

    first, last = int(low[0]), int(high[0])
    rest = n - 1
    if first == last:
        return low[0] + then(low[1:], high[1:]), empty
    middle_low = first if low[1:] == "0" * rest else first + 1
    middle_high = last if high[1:] == "9" * rest else last - 1
    branches = []
    if middle_low > first:
        branches.append(low[0] + then(low[1:], "9" * rest))
    if middle_low <= middle_high:
        tail = "" if rest == 0 else f"[0-9]{{0,{rest}}}"
        branches.append(_digit_class(middle_low, middle_high) + tail)
    if middle_high < last:
        branches.append(high[0] + then("0" * rest, high[1:]))
    return "|".join(branches), empty


def decimal_pattern(
    low: str, high: str, places: int, *, low_open: bool = False, high_open: bool = False
) -> str:
    """A regular expression for the non-negative decimals within the range (an open end
    excluded), with at most `places` decimals, no leading zeros, no sign, no exponent."""
    scale = 10**places
    lowest = Decimal(low) * scale
    highest = Decimal(high) * scale
    if lowest < 0 or lowest != lowest.to_integral_value() or highest != highest.to_integral_value():
        raise ValueError("the bounds are non-negative, with at most `places` decimals")
    first = int(lowest) + (1 if low_open else 0)
    last = int(highest) - (1 if high_open else 0)
    if first > last:
        raise ValueError("an empty range")
    whole_low, frac_low = divmod(first, scale)
    whole_high, frac_high = divmod(last, scale)

    def padded(value: int) -> str:
        return str(value).zfill(places) if places else ""

    def number(whole: str, frac_from: str, frac_to: str) -> str:
        pattern, may_stop = _fraction(frac_from, frac_to)
        if pattern is None:
            return whole
        dot = rf"\.(?:{pattern})"
        return whole + (f"(?:{dot})?" if may_stop else dot)

    if whole_low == whole_high:
        branches = [number(str(whole_low), padded(frac_low), padded(frac_high))]
    else:
        # Whole parts whose every fraction is within: one branch; the ends join it when
        # their own fractions are all within too.
        middle_low = whole_low if frac_low == 0 else whole_low + 1
        middle_high = whole_high if frac_high == scale - 1 else whole_high - 1
        branches = []
        if middle_low > whole_low:
            branches.append(number(str(whole_low), padded(frac_low), "9" * places))
        if middle_low <= middle_high:
            any_fraction = "0" * places, "9" * places
            branches.append(number(_whole(middle_low, middle_high), *any_fraction))
        if middle_high < whole_high:
            branches.append(number(str(whole_high), "0" * places, padded(frac_high)))
    return "^(?:" + "|".join(branches) + ")$"


class DecimalRange:
    """A Decimal within [low, high] (an open end excluded), at most `places` decimals:
    a string matching `decimal_pattern`, or (when `numbers`) a JSON number in range on
    the grid of `places`. `message` is the validator's error for anything else (it never
    quotes the value). Money and rates that must not pass through float say
    `numbers=False`. Use: `Annotated[Decimal, DecimalRange("0", "100", 2, ...)]`."""

    def __init__(
        self,
        low: str,
        high: str,
        places: int,
        *,
        low_open: bool = False,
        high_open: bool = False,
        numbers: bool = True,
        example: str,
        message: str,
    ) -> None:
        self.pattern = decimal_pattern(low, high, places, low_open=low_open, high_open=high_open)
        self.text = re.compile(self.pattern)
        self.low, self.high = Decimal(low), Decimal(high)
        self.low_open, self.high_open = low_open, high_open
        self.step = Decimal(1).scaleb(-places)
        self.numbers = numbers
        self.message = message
        string = {"type": "string", "pattern": self.pattern, "examples": [example]}
        if numbers:
            bounds: dict[str, Any] = {
                "exclusiveMinimum" if low_open else "minimum": _json_number(self.low),
                "exclusiveMaximum" if high_open else "maximum": _json_number(self.high),
                "multipleOf": _json_number(self.step),
            }
            self.schema: dict[str, Any] = {"anyOf": [{"type": "number", **bounds}, string]}
        else:
            self.schema = string

    def _in_range(self, value: Decimal) -> bool:
        above = value > self.low if self.low_open else value >= self.low
        below = value < self.high if self.high_open else value <= self.high
        return above and below

    def _on_grid(self, number: Decimal) -> bool:
        return number.is_finite() and self._in_range(number) and number % self.step == 0

    def parse(self, value: Any) -> Decimal:
        if isinstance(value, str) and self.text.fullmatch(value):
            return Decimal(value)
        if isinstance(value, Decimal) and self._on_grid(value):  # from Python, not JSON
            return value.copy_abs()
        if self.numbers and isinstance(value, int | float) and not isinstance(value, bool):
            try:
                # repr: the shortest text of the float, i.e. the JSON number as sent
                number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
            except InvalidOperation:
                raise ValueError(self.message) from None
            if self._on_grid(number):
                return number.copy_abs()  # -0.0 is 0 (the range is never negative)
        raise ValueError(self.message)

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_before_validator_function(self.parse, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> dict[str, Any]:
        return dict(self.schema)


def _json_number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)
