"""Schemathesis hooks (SCHEMATHESIS_HOOKS=tests.openapi.hooks), loaded by its CLI."""

from __future__ import annotations

import json
from typing import Any

import jsonschema_rs
import schemathesis

VALIDATION_ERROR = "urn:cwp:problem:validation-error"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# A raw .xlsx body (training's sheet uploads) is bytes like any binary body: without a
# serializer Schemathesis cannot send one and reports an error for the operation.
schemathesis.serializer.alias(XLSX, "application/octet-stream")


def _names_an_object(body: object, field: object) -> bool:
    """Whether `field` (a dotted path such as "conditions" or "posts.0.conditions")
    names an object of the request body: a model, whose own validator gave the error."""
    value = body
    for part in str(field).split("."):
        if isinstance(value, dict) and part in value:
            value = value[part]
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return False
    return isinstance(value, dict)


def _body_fits_schema(case: Any) -> bool:
    """Whether the body sent fits its schema: a stateful step fills fields with values of
    earlier answers (a population of 1,263,126,345 where 100,000,000 is the most), and
    such a body is not schema-valid, though generated as if it were."""
    body = getattr(case, "body", None)
    if not isinstance(body, dict | list):
        return True
    alternative = case.operation.get_body_for_media_type(case.media_type)
    if alternative is None:
        return True
    return bool(jsonschema_rs.validator_for(alternative.validation_schema).is_valid(body))


@schemathesis.check
def schema_states_every_input_check(ctx: object, response: object, case: object) -> None:
    """A request the schema allows is never refused by the input validator: whatever the
    validator checks (lengths, characters, formats) the schema must say. Refusals by a
    domain rule carry their own problem type and are accepted (schemathesis.toml)."""
    meta = getattr(case, "meta", None)
    if meta is None or not meta.generation.mode.is_positive or not _body_fits_schema(case):
        return
    if getattr(response, "status_code", 0) != 422:
        return
    try:
        problem = json.loads(response.content)  # type: ignore[attr-defined]
    except ValueError:
        return
    if not isinstance(problem, dict) or problem.get("type") != VALIDATION_ERROR:
        return
    # A rule across fields (an end before its start) is the model's, named by the model
    # ("body", or the path of a nested one, whose value is an object): no JSON schema
    # states it. A check of one field is the schema's to state.
    body = getattr(case, "body", None)
    errors = [e for e in problem.get("errors") or [] if isinstance(e, dict)]
    if any(
        e.get("field") not in ("body", "")
        and not (e.get("code") == "value_error" and _names_an_object(body, e.get("field")))
        for e in errors
    ):
        raise AssertionError(
            "A schema-valid request was refused by the input validator: the schema does "
            f"not state this check: {problem.get('detail')}"
        )
