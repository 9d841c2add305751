"""Fault rules: which requests get added latency, an error status, a reset connection, a
committed-then-dropped response, or an answer missing one of its keys; and the seeded
dice that decide.

A rule matches a method (or ``*``) and a path glob (``fnmatch``: ``*`` also crosses
``/``). ``skip`` lets the first N matching requests through, ``count`` stops the rule
after it fired N times, ``rate`` is the chance it fires. The dice come from one
``random.Random(seed)``, so a given sequence of requests meets the same faults every run.
"""

from __future__ import annotations

import random
import shlex
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

FaultKind = Literal["latency", "error", "reset", "drop", "omit"]


class FaultRule(BaseModel):
    """One fault: ``kind`` is latency, error, reset (before the handler), drop (after it)
    or omit (the handler's JSON answer without ``key``, as a proxy or another version of
    Dograh might send it)."""

    model_config = ConfigDict(extra="forbid")

    method: str = Field(default="*", description="HTTP method, or * for any.")
    path: str = Field(description="Path glob, e.g. /api/v1/campaign/*/start.")
    kind: FaultKind
    rate: float = Field(default=1.0, ge=0, le=1, description="Chance that a match fires.")
    seconds: float = Field(default=0.0, ge=0, description="latency: seconds added.")
    status: int = Field(default=503, ge=400, le=599, description="error: the status sent.")
    retry_after: int | None = Field(
        default=None, ge=0, description="error: Retry-After seconds (429 defaults to 1)."
    )
    body: str | None = Field(default=None, description="error: body (default: status phrase).")
    key: str = Field(default="id", description="omit: the key left out of the JSON object.")
    skip: int = Field(default=0, ge=0, description="Let the first N matches through.")
    count: int | None = Field(default=None, ge=1, description="Fire at most N times.")

    @model_validator(mode="after")
    def _upper_method(self) -> FaultRule:
        self.method = self.method.upper()
        return self

    def matches(self, method: str, path: str) -> bool:
        return (self.method in ("*", method)) and fnmatchcase(path, self.path)


@dataclass
class Decision:
    """What the faults decided for one request."""

    latency: float = 0.0
    terminal: FaultRule | None = None
    """The error, reset, drop or omit rule that fired, if any (the first one in rule
    order)."""


@dataclass
class _RuleState:
    rule: FaultRule
    matched: int = 0
    fired: int = 0


@dataclass
class FaultInjector:
    """The active rules, their counters and the seeded dice."""

    seed: int = 0
    _rules: list[_RuleState] = field(default_factory=list)
    _dice: random.Random = field(default_factory=random.Random)

    def __post_init__(self) -> None:
        self._dice.seed(self.seed)

    def configure(self, rules: list[FaultRule], seed: int | None = None) -> None:
        """Replace every rule; counters restart, and the dice restart from the seed."""
        if seed is not None:
            self.seed = seed
        self._dice.seed(self.seed)
        self._rules = [_RuleState(rule) for rule in rules]

    def add(self, rule: FaultRule) -> None:
        self._rules.append(_RuleState(rule))

    def clear(self) -> None:
        self.configure([], None)

    def rules(self) -> list[dict[str, object]]:
        return [
            {**state.rule.model_dump(), "matched": state.matched, "fired": state.fired}
            for state in self._rules
        ]

    def decide(self, method: str, path: str) -> Decision:
        decision = Decision()
        for state in self._rules:
            rule = state.rule
            if not rule.matches(method, path):
                continue
            state.matched += 1
            if state.matched <= rule.skip:
                continue
            if rule.count is not None and state.fired >= rule.count:
                continue
            if rule.rate < 1.0 and self._dice.random() >= rule.rate:
                continue
            if rule.kind == "latency":
                state.fired += 1
                decision.latency += rule.seconds
            elif decision.terminal is None:
                state.fired += 1
                decision.terminal = rule
        return decision


def parse_fault_spec(spec: str) -> FaultRule:
    """``METHOD PATH KIND [key=value]...``, the form of ``campaigns sandbox --fault``.

    Example: ``POST /api/v1/campaign/create error status=503 rate=0.5``.
    """
    words = shlex.split(spec)
    if len(words) < 3:
        raise ValueError(f"fault {spec!r}: expected 'METHOD PATH KIND [key=value]...'")
    method, path, kind, *options = words
    data: dict[str, object] = {"method": method, "path": path, "kind": kind}
    for option in options:
        key, sep, value = option.partition("=")
        if not sep:
            raise ValueError(f"fault {spec!r}: {option!r} is not key=value")
        data[key.replace("-", "_")] = value
    return FaultRule.model_validate(data)
