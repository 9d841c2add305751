"""Pydantic's validation errors, told as sentences a campaign operator understands.

Pydantic says "Input should be less than or equal to 100"; a reviewer wants
"150 is more than the maximum, 100". Each error is also given the manifest path it
concerns (``spec.schedule.slots[0].end``) and whether it points at a key (an unknown
key is marked at the key itself) so that the loader can find its line and column.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic_core import ErrorDetails

from reconciler.manifest.characters import invisible_message
from reconciler.manifest.model import UNION_TAGS


@dataclass(frozen=True)
class Problem:
    """One model error: where it is (keys and indices), whether at the key, and what."""

    loc: tuple[str | int, ...]
    at_key: bool
    message: str


def format_path(loc: tuple[str | int, ...]) -> str:
    """``('spec', 'schedule', 'slots', 0, 'end')`` as ``spec.schedule.slots[0].end``."""
    out = ""
    for step in loc:
        if isinstance(step, int):
            out += f"[{step}]"
        else:
            out += f".{step}" if out else str(step)
    return out


def describe(value: Any) -> str:
    """A value as the user wrote it in YAML, for quoting back in a message."""
    if value is None:
        return "null (an empty value)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'the string "{value}"' if len(value) <= 60 else "a string"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def _number(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return describe(value)
    return repr(value) if isinstance(value, float) else str(value)


_PATTERN_MEANING = {
    "start": 'a time as "HH:MM" (two-digit hour), from "00:00" to "23:59"',
    "end": 'a time as "HH:MM" (two-digit hour), from "00:00" to "23:59", or "24:00"',
    "name": "one line of text without leading or trailing spaces",
    "csv": "a path ending in .csv",
    "owner": "an owner token: 1 to 32 lowercase letters, digits and dashes, with no dash "
    "at either end",
}

_EXPECTED = {
    "string_type": "text",
    "int_type": "a whole number",
    "float_type": "a number",
    "bool_type": "true or false",
    "list_type": "a list",
    "model_type": "a mapping of keys to values",
    "dict_type": "a mapping of keys to values",
}

_REF_HINT = {
    "workflow": "the workflow's name, or {id: N}",
    "telephony": "the telephony configuration's name, or {id: N}",
}


def _clean_loc(loc: tuple[str | int, ...]) -> tuple[str | int, ...]:
    return tuple(step for step in loc if not (isinstance(step, str) and step in UNION_TAGS))


def _allowed_keys(model_fields: dict[str, list[str]], parent: tuple[str | int, ...]) -> list[str]:
    key = ".".join(str(step) for step in parent if isinstance(step, str))
    return model_fields.get(key, [])


@dataclass(frozen=True)
class _Error:
    """What the sentence of a wrong value is made of."""

    kind: str
    value: Any
    ctx: dict[str, Any]
    field: str
    """The nearest key: whose pattern or reference hint applies."""

    @property
    def number(self) -> str:
        return _number(self.value)


def problem_from_error(error: ErrorDetails, known_keys: dict[str, list[str]]) -> Problem | None:
    """Translate one pydantic error; ``known_keys`` maps a parent path to its keys.

    None when another error of the same input already says all there is to say.
    """
    loc = _clean_loc(tuple(error["loc"]))
    kind, value = error["type"], error.get("input")
    if kind == "missing":
        return _missing(loc, value)
    if kind == "extra_forbidden":
        return _extra(loc, known_keys)
    say = _SAYS.get(kind)
    if say is None:  # our own validators (PydanticCustomError) already speak in sentences
        return Problem(loc, False, str(error["msg"]))
    field = next((step for step in reversed(loc) if isinstance(step, str)), "")
    return Problem(loc, False, say(_Error(kind, value, error.get("ctx") or {}, field)))


def _missing(loc: tuple[str | int, ...], value: Any) -> Problem | None:
    parent, name = loc[:-1], loc[-1]
    if parent and parent[-1] in _REF_HINT and isinstance(value, dict) and value:
        return None  # its unknown keys are reported, with the same advice
    where = format_path(parent) or "the manifest"
    return Problem(parent, True, f"'{name}' is required in {where}")


def _extra(loc: tuple[str | int, ...], known_keys: dict[str, list[str]]) -> Problem:
    parent, name = loc[:-1], str(loc[-1])
    if name == "day_of_week" and loc[-2:-1] and isinstance(loc[-2], int):
        return Problem(loc, True, "use days or day_of_week in a slot, not both")
    if parent and parent[-1] in _REF_HINT:
        return Problem(loc, True, f"unknown key '{name}'; give {_REF_HINT[str(parent[-1])]}")
    allowed = _allowed_keys(known_keys, parent)
    close = difflib.get_close_matches(name, allowed, n=1, cutoff=0.6)
    hint = f"; did you mean '{close[0]}'?" if close else ""
    listing = f" (allowed here: {', '.join(allowed)})" if allowed and not close else ""
    return Problem(loc, True, f"unknown key '{name}'{hint}{listing}")


def _pattern(e: _Error) -> str:
    invisible = invisible_message(e.value) if isinstance(e.value, str) else None
    if invisible is not None:  # the pattern says no more than "not allowed"
        return invisible
    meaning = _PATTERN_MEANING.get(e.field, f"text matching {e.ctx.get('pattern')}")
    return f'"{e.value}" is not {meaning}'


def _expected(e: _Error) -> str:
    """A value of the wrong type (``_EXPECTED``), with the fix when it is plain."""
    value = e.value
    if e.kind in ("int_type", "float_type") and isinstance(value, float):
        return f"{value!r} is not a whole number"
    hint = ""
    if e.kind == "string_type" and isinstance(value, (bool, int, float)):
        hint = "; quote it if you meant text"
    if e.kind == "int_type" and isinstance(value, str) and value.strip().lstrip("-").isdigit():
        hint = "; remove the quotes"
    return f"expected {_REF_HINT.get(e.field, _EXPECTED[e.kind])}, got {describe(value)}{hint}"


def _literal(e: _Error) -> str:
    expected = str(e.ctx.get("expected", "")).replace("'", "")
    return f"{describe(e.value)} is not one of: {expected}"


def _not_whole(e: _Error) -> str:
    return f"{e.number} is not a whole number"


_SAYS: dict[str, Callable[[_Error], str]] = {
    "less_than_equal": lambda e: f"{e.number} is more than the maximum, {e.ctx.get('le')}",
    "less_than": lambda e: f"{e.number} is more than the limit (exclusive), {e.ctx.get('lt')}",
    "greater_than_equal": lambda e: f"{e.number} is less than the minimum, {e.ctx.get('ge')}",
    "greater_than": lambda e: f"{e.number} is less than the limit (exclusive), {e.ctx.get('gt')}",
    "string_too_short": lambda e: "must not be empty",
    "string_too_long": lambda e: (
        f"is {len(e.value)} characters long; the maximum is {e.ctx.get('max_length')}"
    ),
    "too_short": lambda e: (
        f"needs at least {e.ctx.get('min_length')} item(s); it has {len(e.value)}"
    ),
    "too_long": lambda e: (
        f"has {e.ctx.get('actual_length')} items; the maximum is {e.ctx.get('max_length')}"
    ),
    "string_pattern_mismatch": _pattern,
    "literal_error": _literal,
    "int_from_float": _not_whole,
    "int_parsing": _not_whole,
    "finite_number": lambda e: f"{e.number} is not a finite number",
    **dict.fromkeys(_EXPECTED, _expected),
}
"""The sentence for a wrong value, by pydantic's error type (a flat dispatch table); a
type not here keeps pydantic's message."""


def known_keys_of(
    model: Any, prefix: str = "", out: dict[str, list[str]] | None = None
) -> dict[str, list[str]]:
    """Every model path's allowed keys, for "did you mean" hints on unknown keys."""
    from pydantic import BaseModel

    out = {} if out is None else out
    fields = model.model_fields
    keys = out.setdefault(prefix, [])
    keys.extend(k for k in (info.alias or name for name, info in fields.items()) if k not in keys)
    for name, info in fields.items():
        key = info.alias or name
        for candidate in _models_in(info.annotation):
            if isinstance(candidate, type) and issubclass(candidate, BaseModel):
                known_keys_of(candidate, f"{prefix}.{key}" if prefix else key, out)
    return out


def _models_in(annotation: Any) -> list[Any]:
    from typing import get_args

    found = [annotation]
    for arg in get_args(annotation):
        found.extend(_models_in(arg))
    return found
