"""The stand-in runner's expressions behave as GitHub's do, for what the workflows use:
otherwise the example's test would run steps a real runner skips, or the reverse."""

from __future__ import annotations

import pytest

from tests.ci.expressions import Scope, UnsupportedExpression, condition, evaluate, interpolate

SCOPE = Scope(
    {
        "inputs": {"command": "plan", "comment": "true", "python-version": ""},
        "github": {"event_name": "pull_request", "event": {"pull_request": {"number": 7}}},
        "steps": {"validate": {"outputs": {"exit-code": "0"}}},
    }
)


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("inputs.command == 'plan'", True),
        ("inputs.command == 'PLAN'", True),  # strings compare case-insensitively
        ("inputs.command != 'plan'", False),
        ("inputs.python-version != ''", False),
        ("inputs.command == 'plan' && inputs.comment == 'true'", True),
        ("inputs.command == 'apply' || github.event_name == 'pull_request'", True),
        ("!(inputs.command == 'plan')", False),
        ("steps.validate.outputs.exit-code == '0'", True),
        ("steps.validate.outputs.exit-code == 0", True),  # a string against a number
        ("steps.apply.outputs.exit-code == ''", True),  # missing is null, and null == ''
        ("github.event.pull_request.number == 7", True),
        ("'it''s' == 'IT''S'", True),
    ],
)
def test_evaluate(expression: str, expected: bool) -> None:
    assert evaluate(expression, SCOPE) is expected


def test_interpolate() -> None:
    text = "pr-${{ github.event.pull_request.number }}-${{ inputs.missing }}-${{ true }}"
    assert interpolate(text, SCOPE) == "pr-7--true"


def test_condition_adds_success_unless_a_status_function_is_there() -> None:
    failed = Scope(SCOPE.contexts, failed=True)
    assert condition(None, SCOPE) and not condition(None, failed)
    assert not condition("inputs.command == 'plan'", failed)
    assert condition("always() && inputs.command == 'plan'", failed)
    assert condition("${{ failure() }}", failed)


@pytest.mark.parametrize("expression", ["format('{0}', 1)", "a < b", "inputs[0]", "toJSON(x)"])
def test_unsupported_syntax_is_refused(expression: str) -> None:
    with pytest.raises(UnsupportedExpression):
        evaluate(expression, SCOPE)
