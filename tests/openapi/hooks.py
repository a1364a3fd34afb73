"""Schemathesis hooks (SCHEMATHESIS_HOOKS=tests.openapi.hooks), loaded by its CLI."""

from __future__ import annotations

import json

import schemathesis

VALIDATION_ERROR = "urn:cwp:problem:validation-error"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# A raw .xlsx body (training's sheet uploads) is bytes like any binary body: without a
# serializer Schemathesis cannot send one and reports an error for the operation.
schemathesis.serializer.alias(XLSX, "application/octet-stream")


@schemathesis.check
def schema_states_every_input_check(ctx: object, response: object, case: object) -> None:
    """A request the schema allows is never refused by the input validator: whatever the
    validator checks (lengths, characters, formats) the schema must say. Refusals by a
    domain rule carry their own problem type and are accepted (schemathesis.toml)."""
    meta = getattr(case, "meta", None)
    if meta is None or not meta.generation.mode.is_positive:
        return
    if getattr(response, "status_code", 0) != 422:
        return
    try:
        problem = json.loads(response.content)  # type: ignore[attr-defined]
    except ValueError:
        return
    if not isinstance(problem, dict) or problem.get("type") != VALIDATION_ERROR:
        return
    # A rule across fields (an end before its start) is the model's, named "body": no
    # JSON schema states it. A check of one field is the schema's to state.
    fields = [e.get("field") for e in problem.get("errors") or [] if isinstance(e, dict)]
    if any(f not in ("body", "") for f in fields):
        raise AssertionError(
            "A schema-valid request was refused by the input validator: the schema does "
            f"not state this check: {problem.get('detail')}"
        )
