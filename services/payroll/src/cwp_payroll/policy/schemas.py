"""Pay policy documents as the API takes them, validated before anything is written.

Money and rates are JSON strings ("3400.00", "0.08"): a JSON number would pass through
float, so numbers are refused, as are negative amounts, more than two decimals, rates
outside their legal range and a cap below its floor."""

from __future__ import annotations

import re
import uuid
from decimal import Decimal
from typing import Annotated, Any, Literal

import orjson
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    WithJsonSchema,
    model_validator,
)

from cwp_common.events.contracts import Position
from cwp_common.formats import DecimalRange, IsoDate, JsonBool
from cwp_common.text import Name, Title
from cwp_payroll.money import yuan
from cwp_payroll.policy.models import PayPolicy, ReferenceWage

# [0-9], not \d (which takes any script's digits): the same text as the schema's pattern.
MONEY_TEXT = re.compile(r"^[0-9]{1,12}(\.[0-9]{1,2})?$")
RATE_MESSAGE = 'a rate or share is a decimal string within its range, e.g. "0.08" / 比例须为范围内的十进制字符串'


def _money(value: Any) -> Decimal:
    if not isinstance(value, str) or not MONEY_TEXT.fullmatch(value):
        raise ValueError(
            "an amount is a decimal string with at most two decimals, not negative, "
            'e.g. "3400.00" / 金额须为非负、最多两位小数的十进制字符串'
        )
    return Decimal(value)


def _text(pattern: str, example: str) -> WithJsonSchema:
    """What the validator takes, said in the schema: a decimal string, never a number."""
    return WithJsonSchema({"type": "string", "pattern": pattern, "examples": [example]})


def _rate(low: str, high: str, *, low_open: bool = False, example: str = "0.08") -> DecimalRange:
    """A rate or share: a decimal string (never a number) within [low, high], up to six
    decimals; the schema's pattern states the range (cwp_common.formats)."""
    return DecimalRange(
        low, high, 6, low_open=low_open, numbers=False, example=example, message=RATE_MESSAGE
    )


Money = Annotated[Decimal, BeforeValidator(_money), _text(MONEY_TEXT.pattern, "3400.00")]
# More than zero (a bonus line), two decimals, at most twelve digits before the point.
PositiveMoney = Annotated[
    Decimal,
    DecimalRange(
        "0",
        "999999999999.99",
        2,
        low_open=True,
        numbers=False,
        example="3400.00",
        message="an amount is a decimal string more than zero, with at most two decimals, "
        'e.g. "3400.00" / 金额须为大于零、最多两位小数的十进制字符串',
    ),
]
# A share of a whole (performance split, a benchmark floor's share): 0..1.
Share = Annotated[Decimal, _rate("0", "1")]
Multiple = Annotated[Decimal, _rate("0", "5", low_open=True, example="1.5")]
Division = Annotated[str, StringConstraints(pattern=r"^\d{0,12}$")]
Jurisdiction = Annotated[str, StringConstraints(pattern=r"^\d{0,12}$")]
WageKind = Literal["non_private", "private", "all_urban"]
Year = Annotated[int, Field(ge=2000, le=2100)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --- pay standard ---------------------------------------------------------------------


class FixedBase(Strict):
    """A fixed monthly base (本溪: 3,400 元 × coefficient)."""

    method: Literal["fixed"]
    amount: Money


class ReferenceShareBase(Strict):
    """A share of a division's reference wage of the previous year, a month (1/12)."""

    method: Literal["reference_share"]
    share: Multiple
    wage_kind: WageKind = "non_private"
    division: Division  # whose series; usually the jurisdiction itself or a parent


class InstitutionStartBase(Strict):
    """The starting pay of newly graded street-level public-institution staff after
    probation (山东: × 1.0), entered as the monthly amount it currently is."""

    method: Literal["institution_start"]
    amount: Money
    factor: Multiple = Decimal("1.0")


BaseRule = Annotated[
    FixedBase | ReferenceShareBase | InstitutionStartBase, Field(discriminator="method")
]


class QualificationAllowance(Strict):
    """职业水平津贴 by level, monthly (山东, 甘肃, 苏州) or once (上海长宁, 横琴)."""

    schedule: Literal["monthly", "one_off"]
    assistant: Money
    intermediate: Money
    senior: Money


class SeniorityAllowance(Strict):
    """Per full year of community service, a month; optionally capped."""

    per_year: Money
    cap: Money | None = None


class NamedAllowance(Strict):
    name: Name
    amount: Money


class Allowances(Strict):
    qualification: QualificationAllowance | None = None
    seniority: SeniorityAllowance | None = None
    post: dict[Position, Money] = {}  # 岗位津贴, follows the post (随岗不随人)
    # Their names are unique (rules.check_allowance_names: no schema states it).
    other: Annotated[list[NamedAllowance], Field(max_length=20)] = []


class PayStandard(Strict):
    base: BaseRule
    # The share of standard pay that is performance pay (70/30 → "0.30").
    performance_share: Share
    # Paid every month, or held to the year's end and paid as the annual one-off bonus.
    performance_schedule: Literal["monthly", "year_end"] = "monthly"
    allowances: Allowances = Allowances()


# --- social insurance and housing fund ------------------------------------------------


class Contribution(Strict):
    employer: Annotated[Decimal, _rate("0", "0.30")]
    employee: Annotated[Decimal, _rate("0", "0.30")]


class Pension(Strict):
    employer: Annotated[Decimal, _rate("0", "0.20")]  # 16% since 2019-05 (§3.4)
    employee: Annotated[Decimal, _rate("0", "0.10")]  # 8%


class WorkInjury(Strict):
    employer: Annotated[Decimal, _rate("0", "0.03")]  # class rates 0.2–1.9%, floating


class HousingFund(Strict):
    # 5%–12% each (住房公积金管理条例 Art. 18, 建金〔2005〕5号).
    employer: Annotated[Decimal, _rate("0.05", "0.12")]
    employee: Annotated[Decimal, _rate("0.05", "0.12")]
    base_floor: Money  # the local minimum wage, a month
    base_cap_share: Multiple = Decimal("3")  # × the reference monthly wage


class ReferenceSeries(Strict):
    division: Division
    kind: WageKind = "all_urban"


# What a worker's contribution base (social insurance and housing fund) is set from,
# before the floor and cap: "previous_year_average", the worker's own average monthly
# pay of the previous year (REFERENCE §3.4; a new hire's first month's pay, kept for the
# year), or "month_pay", each month's own regular pay (where a locality does so).
BaseFrom = Literal["previous_year_average", "month_pay"]


class Insurance(Strict):
    """Rates, and the contribution base's floor and cap as shares of the previous
    year's reference monthly wage (60% and 300%, 国办发〔2019〕13号)."""

    reference: ReferenceSeries
    base_from: BaseFrom = "previous_year_average"
    base_floor_share: Annotated[Decimal, _rate("0", "1", low_open=True)] = Decimal("0.6")
    base_cap_share: Multiple = Decimal("3")
    pension: Pension
    medical: Contribution
    unemployment: Contribution
    work_injury: WorkInjury
    housing_fund: HousingFund

    @model_validator(mode="after")
    def _cap_not_below_floor(self) -> Insurance:
        if self.base_cap_share < self.base_floor_share:
            raise ValueError("the base cap is below its floor / 缴费基数上限低于下限")
        return self


# --- benchmark floors -----------------------------------------------------------------


class FloorRule(Strict):
    """Workers of these posts (any when absent) in these districts (anywhere when absent)
    must earn at least `share` × last year's reference wage. The first rule that
    matches a worker applies."""

    positions: Annotated[list[Position], Field(min_length=1)] | None = None
    districts: Annotated[list[Division], Field(min_length=1, max_length=200)] | None = None
    share: Multiple


class Benchmark(Strict):
    """南京 2018: heads ≥ 100%, others ≥ 80% in the core districts and 70% outside, of
    last year's 城镇非私营单位 average wage, counting employer 五险一金 (REFERENCE §3.2)."""

    reference: ReferenceSeries
    includes_employer_contributions: JsonBool
    rules: Annotated[list[FloorRule], Field(min_length=1, max_length=50)]


# --- requests and answers -------------------------------------------------------------

PolicyKind = Literal["standard", "insurance", "benchmark"]
BODIES: dict[str, type[Strict]] = {
    "standard": PayStandard,
    "insurance": Insurance,
    "benchmark": Benchmark,
}


class PolicyIn(Strict):
    jurisdiction: Jurisdiction
    effective_date: IsoDate
    # True for a national example or a demo set: never paid outside the demo region.
    example: JsonBool = False


class PayStandardIn(PolicyIn):
    body: PayStandard


class InsuranceIn(PolicyIn):
    body: Insurance


class BenchmarkIn(PolicyIn):
    body: Benchmark


class PolicyOut(BaseModel):
    id: uuid.UUID
    kind: str
    jurisdiction: str
    effective_date: IsoDate
    example: JsonBool
    body: dict[str, Any]

    @classmethod
    def from_model(cls, p: PayPolicy) -> PolicyOut:
        return cls(
            id=p.id,
            kind=p.kind,
            jurisdiction=p.jurisdiction,
            effective_date=p.effective_date,
            example=p.example,
            body=orjson.loads(p.body),
        )


class ReferenceWageIn(Strict):
    division: Division
    year: Year
    kind: WageKind
    annual: Money
    source: Title


class ReferenceWageOut(BaseModel):
    id: uuid.UUID
    division: str
    year: int
    kind: str
    annual: str
    source: str

    @classmethod
    def from_model(cls, w: ReferenceWage) -> ReferenceWageOut:
        return cls(
            id=w.id,
            division=w.division,
            year=w.year,
            kind=w.kind,
            annual=yuan(w.annual),
            source=w.source,
        )
