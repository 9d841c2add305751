"""The part of GitHub Actions' expression language that our workflows use, evaluated as
the runner evaluates it, so that the tests run the example's steps under the same `if:`
conditions and with the same `${{ }}` values a runner would give them.

Supported: literals (`'text'`, numbers, `true`, `false`, `null`), context paths
(`steps.plan.outputs.exit-code`), `==`, `!=`, `!`, `&&`, `||`, parentheses, and the status
functions `success()`, `failure()`, `always()`, `cancelled()`. Anything else raises
`UnsupportedExpression`: a workflow that needs more must grow this module first, rather
than be tested under semantics it does not have.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

Value = Any
"""str, bool, float, None, or a mapping (a context object)."""

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<string>'(?:[^']|'')*')
      | (?P<number>-?\d+(?:\.\d+)?)
      | (?P<op>==|!=|&&|\|\||!|\(|\))
      | (?P<name>[A-Za-z_][A-Za-z0-9_\-]*(?:\.[A-Za-z_][A-Za-z0-9_\-]*)*)
    )""",
    re.VERBOSE,
)
_INTERPOLATION = re.compile(r"\$\{\{(.*?)\}\}", re.DOTALL)
_STATUS_FUNCTIONS = frozenset({"success", "failure", "always", "cancelled"})


class UnsupportedExpression(ValueError):
    """The expression uses syntax this evaluator does not implement."""


@dataclass(frozen=True)
class Scope:
    """What an expression can see: the contexts, and the job's status so far."""

    contexts: Mapping[str, Value]
    failed: bool = False


def _tokens(text: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    at = 0
    while at < len(text):
        if text[at:].strip() == "":
            break
        match = _TOKEN.match(text, at)
        if not match or match.end() == at:
            raise UnsupportedExpression(f"cannot read {text[at:]!r} in {text!r}")
        kind = match.lastgroup
        assert kind is not None
        tokens.append((kind, match.group(kind)))
        at = match.end()
    return tokens


class _Parser:
    """Recursive descent over `||` < `&&` < `!` < comparison < primary."""

    def __init__(self, text: str, scope: Scope) -> None:
        self.text = text
        self.tokens = _tokens(text)
        self.at = 0
        self.scope = scope

    def parse(self) -> Value:
        value = self._or()
        if self.at != len(self.tokens):
            raise UnsupportedExpression(f"unexpected {self.tokens[self.at][1]!r} in {self.text!r}")
        return value

    def _peek(self) -> str | None:
        return self.tokens[self.at][1] if self.at < len(self.tokens) else None

    def _take(self) -> tuple[str, str]:
        if self.at >= len(self.tokens):
            raise UnsupportedExpression(f"{self.text!r} ends too early")
        token = self.tokens[self.at]
        self.at += 1
        return token

    def _or(self) -> Value:
        value = self._and()
        while self._peek() == "||":
            self._take()
            right = self._and()
            value = value if truthy(value) else right
        return value

    def _and(self) -> Value:
        value = self._not()
        while self._peek() == "&&":
            self._take()
            right = self._not()
            value = right if truthy(value) else value
        return value

    def _not(self) -> Value:
        if self._peek() == "!":
            self._take()
            return not truthy(self._not())
        return self._comparison()

    def _comparison(self) -> Value:
        left = self._primary()
        if self._peek() in ("==", "!="):
            op = self._take()[1]
            same = equal(left, self._primary())
            return same if op == "==" else not same
        return left

    def _primary(self) -> Value:
        kind, text = self._take()
        if kind == "string":
            return text[1:-1].replace("''", "'")
        if kind == "number":
            return float(text)
        if text == "(":
            value = self._or()
            if self._take()[1] != ")":
                raise UnsupportedExpression(f"missing ')' in {self.text!r}")
            return value
        if kind != "name":
            raise UnsupportedExpression(f"unexpected {text!r} in {self.text!r}")
        if text in ("true", "false"):
            return text == "true"
        if text == "null":
            return None
        if self._peek() == "(":
            return self._call(text)
        return lookup(self.scope.contexts, text)

    def _call(self, name: str) -> Value:
        self._take()
        if self._take()[1] != ")" or name not in _STATUS_FUNCTIONS:
            raise UnsupportedExpression(f"function {name}(...) is not supported: {self.text!r}")
        return {
            "success": not self.scope.failed,
            "failure": self.scope.failed,
            "always": True,
            "cancelled": False,
        }[name]


def lookup(contexts: Mapping[str, Value], path: str) -> Value:
    """`github.event.pull_request.number`: a missing property is null, as on a runner."""
    value: Value = contexts
    for part in path.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


def truthy(value: Value) -> bool:
    if isinstance(value, float):
        return value != 0 and not math.isnan(value)
    return bool(value)


def _number(value: Value) -> float:
    if value is None:
        return 0.0
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        text = value.strip()
        if text == "":
            return 0.0
        try:
            return float(text)
        except ValueError:
            return math.nan
    return math.nan


def equal(left: Value, right: Value) -> bool:
    """`==` as GitHub defines it: strings case-insensitively, other mixes as numbers."""
    if isinstance(left, str) and isinstance(right, str):
        return left.casefold() == right.casefold()
    if isinstance(left, Mapping) or isinstance(right, Mapping):
        return left is right
    if type(left) is type(right) and not isinstance(left, float):
        return bool(left == right)
    return _number(left) == _number(right)


def to_text(value: Value) -> str:
    """A value as `${{ }}` puts it into a string."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else str(value)
    if isinstance(value, Mapping):
        raise UnsupportedExpression("an object in a string (toJSON is not supported)")
    return str(value)


def evaluate(expression: str, scope: Scope) -> Value:
    """The value of a bare expression, such as an `if:` without `${{ }}`."""
    return _Parser(expression, scope).parse()


def interpolate(text: str, scope: Scope) -> str:
    """`text` with each `${{ expression }}` replaced by its value."""
    return _INTERPOLATION.sub(lambda match: to_text(evaluate(match.group(1), scope)), text)


def condition(expression: object, scope: Scope) -> bool:
    """Whether a step or job with this `if:` runs. Without a status function the runner
    adds `success() &&`, so a step after a failure is skipped."""
    if expression is None:
        return not scope.failed
    if isinstance(expression, bool):
        return expression and not scope.failed
    text = str(expression).strip()
    match = re.fullmatch(r"\$\{\{(.*)\}\}", text, re.DOTALL)
    if match:
        text = match.group(1)
    if not any(re.search(rf"\b{name}\s*\(", text) for name in _STATUS_FUNCTIONS):
        text = f"success() && ({text})"
    return truthy(evaluate(text, scope))
