"""Assessment request and response models.

The three parts the Opinion names (政治素质 political_quality, 工作实绩 work_performance,
居民群众满意度 resident_satisfaction) are scores from 0 to 100 with up to two decimals;
the overall `result` is a name from the ladder's scale (优秀/合格/基本合格/不合格 or
优秀/称职/基本称职/不称职), decided by the assessing body, not computed from the scores.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
)

from cwp_career.assessments.models import Assessment, ExitRecommendation
from cwp_career.grading.rules import parse_years
from cwp_common.formats import DecimalRange, IsoDate, JsonBool
from cwp_common.text import Name, Note

CENT = Decimal("0.01")
# 0 to 100, up to two decimals: a number (80, 92.5) or a string ("92.50"), the range and
# the decimals stated in the schema (cwp_common.formats).
Score = Annotated[
    Decimal,
    DecimalRange(
        "0",
        "100",
        2,
        example="92.50",
        message="a score is 0 to 100 with at most two decimals / 分数为 0-100，最多两位小数",
    ),
    AfterValidator(lambda d: d.quantize(CENT)),  # "90" is stored and shown as "90.00"
]
Year = Annotated[int, Field(ge=2000, le=2100)]
Result = Annotated[Name, StringConstraints(max_length=20)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Scores(Strict):
    political_quality: Score
    work_performance: Score
    resident_satisfaction: Score
    result: Result
    remarks: Note = ""


class AssessmentIn(Scores):
    worker_id: uuid.UUID
    year: Year


def _no_null(schema: dict[str, Any]) -> None:
    """Drop the null branch pydantic documents for `X | None = None`."""
    branches = schema.get("anyOf")
    if isinstance(branches, list):
        kept = [b for b in branches if b != {"type": "null"}]
        if len(kept) == 1:
            schema.pop("anyOf")
            schema.update(kept[0])
        else:
            schema["anyOf"] = kept


class AssessmentPatch(Strict):
    """Only the fields given change; an explicit null is refused."""

    # The schema must not offer null, which is refused: an absent field is the default.
    political_quality: Score | None = Field(default=None, json_schema_extra=_no_null)
    work_performance: Score | None = Field(default=None, json_schema_extra=_no_null)
    resident_satisfaction: Score | None = Field(default=None, json_schema_extra=_no_null)
    result: Result | None = Field(default=None, json_schema_extra=_no_null)
    remarks: Note | None = Field(default=None, json_schema_extra=_no_null)

    @field_validator("*", mode="before")
    @classmethod
    def _not_null(cls, value: object) -> object:
        if value is None:
            raise ValueError("may not be null")
        return value


class BulkRow(Scores):
    worker_id: uuid.UUID


class BulkIn(Strict):
    # A street (9 digits) or a community (12 digits): every row's worker must be in it.
    unit: str = Field(pattern=r"^\d{9}(\d{3})?$")
    year: Year
    rows: list[BulkRow] = Field(min_length=1, max_length=5000)
    # Confirm in the same transaction; the 优秀 cap is then checked over the whole unit.
    confirm: JsonBool = False


class ConfirmIn(Strict):
    community_code: str = Field(pattern=r"^\d{12}$")
    year: Year


class AssessmentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    worker_id: uuid.UUID
    community_code: str
    year: int
    political_quality: Decimal
    work_performance: Decimal
    resident_satisfaction: Decimal
    result: str
    remarks: str
    status: str
    ladder_id: uuid.UUID | None
    rank: int | None  # 1 = the best result of the scale; set at confirmation
    passing: bool | None
    counted: bool | None  # whether the year counts toward service years
    created_by: str
    created_at: datetime
    confirmed_by: str | None
    confirmed_at: datetime | None

    @classmethod
    def from_model(cls, row: Assessment) -> AssessmentOut:
        return cls.model_validate(row)


class ExitRecommendationOut(BaseModel):
    id: uuid.UUID
    worker_id: uuid.UUID
    community_code: str
    failing_years: list[int]
    reason: str
    # The exit procedures that apply: contract, staff, elected, party (分类完善退出机制).
    tracks: list[str]
    status: str
    created_at: datetime
    closed_at: datetime | None

    @classmethod
    def from_model(cls, row: ExitRecommendation) -> ExitRecommendationOut:
        return cls(
            id=row.id,
            worker_id=row.worker_id,
            community_code=row.community_code,
            failing_years=sorted(parse_years(row.failing_years)),
            reason=row.reason,
            tracks=row.tracks.split(",") if row.tracks else [],
            status=row.status,
            created_at=row.created_at,
            closed_at=row.closed_at,
        )


class ConfirmOut(BaseModel):
    confirmed: list[AssessmentOut]
    exit_recommendations: list[ExitRecommendationOut]

    @classmethod
    def from_model(
        cls, confirmed: Sequence[Assessment], recommendations: Sequence[ExitRecommendation]
    ) -> ConfirmOut:
        return cls(
            confirmed=[AssessmentOut.from_model(a) for a in confirmed],
            exit_recommendations=[ExitRecommendationOut.from_model(r) for r in recommendations],
        )


class BulkOut(BaseModel):
    created: int
    confirmed: bool
    items: list[AssessmentOut]
    exit_recommendations: list[ExitRecommendationOut]


class YearSummary(BaseModel):
    year: int
    confirmed: int
    by_result: dict[str, int]


class AssessmentSummary(BaseModel):
    """Confirmed results per year and result, as they stood at the end of `as_of`, of the
    workers who were in `region` then (the dashboard's and the reports' assessment
    figures): a result goes with its worker from the day of a move."""

    region: str
    as_of: IsoDate
    years: list[YearSummary]

    @classmethod
    def from_counts(
        cls, region: str, as_of: date, counts: Sequence[tuple[int, str, int]]
    ) -> AssessmentSummary:
        years: dict[int, dict[str, int]] = {}
        for year, result, n in counts:
            years.setdefault(year, {})[result] = n
        return cls(
            region=region,
            as_of=as_of,
            years=[
                YearSummary(year=y, confirmed=sum(r.values()), by_result=r)
                for y, r in sorted(years.items())
            ],
        )
