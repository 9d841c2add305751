"""Pydantic's errors of constraints no manifest field uses today (exclusive limits,
finite numbers) are told as sentences too: a field that takes one says it plainly."""

from __future__ import annotations

from typing import Annotated, Any

import pytest
from pydantic import Field, TypeAdapter, ValidationError

from reconciler.manifest.messages import problem_from_error


def _message(annotation: Any, value: object) -> str:
    with pytest.raises(ValidationError) as raised:
        TypeAdapter(annotation).validate_python(value)
    (error,) = raised.value.errors()
    problem = problem_from_error(error, {})
    assert problem is not None
    return problem.message


def test_exclusive_limits_are_said_as_such() -> None:
    assert _message(Annotated[int, Field(lt=10)], 10) == (
        "10 is more than the limit (exclusive), 10"
    )
    assert _message(Annotated[int, Field(gt=0)], 0) == "0 is less than the limit (exclusive), 0"


def test_a_number_that_must_be_finite() -> None:
    assert _message(Annotated[float, Field(allow_inf_nan=False)], float("inf")) == (
        "inf is not a finite number"
    )


def test_an_error_without_a_sentence_of_ours_keeps_pydantic_s_message() -> None:
    assert _message(Annotated[str, Field(json_schema_extra={})], b"\xff") == (
        "Input should be a valid string, unable to parse raw data as a unicode string"
    )
