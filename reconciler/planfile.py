"""Saved plans (``plan --out``): what was reviewed, for ``apply PLANFILE``.

The file is a ``SavedPlan``: the plan's own model (request bodies, fingerprints of the
live campaigns read, the manifests' hash) wrapped with how it was made. It is an
expectation, not a program: apply plans again the same way and runs only if it gets the
same plan (``differences``), so an edited file can refuse a plan but never make one.
It holds no API key, and no path outside the repository. Written whole or not at all.
"""

from __future__ import annotations

import os
import tempfile
from datetime import datetime, timezone
from pathlib import Path, PurePath
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from reconciler import __version__
from reconciler.errors import UserError
from reconciler.explain import change_differences
from reconciler.plan import PLAN_FORMAT_VERSION, CampaignChange, Plan

KIND: Literal["dograh-campaigns-plan"] = "dograh-campaigns-plan"


class SavedPlan(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["dograh-campaigns-plan"] = KIND
    format_version: Literal[3] = PLAN_FORMAT_VERSION
    tool_version: str = __version__
    created_at: str = Field(
        default_factory=lambda: datetime.now(timezone.utc).isoformat(timespec="seconds")
    )
    api_url: str = Field(description="The Dograh the plan was made against.")
    paths: tuple[str, ...] = Field(
        description="The manifest paths it was made from, relative, inside the repository."
    )
    base: str | None = Field(default=None, description="`--base`, as the plan was made.")
    resume: tuple[str, ...] = Field(default=(), description="`--resume`, as the plan was made.")
    plan: Plan

    @field_validator("paths")
    @classmethod
    def _inside(cls, paths: tuple[str, ...]) -> tuple[str, ...]:
        for path in paths:
            parts = PurePath(path).parts
            if PurePath(path).is_absolute() or ".." in parts:
                raise ValueError(f"{path!r} is not a path inside the repository")
        return paths


def differences(saved: Plan, now: Plan) -> list[str]:
    """What differs between a reviewed plan and the plan made again: campaigns, actions,
    the desired state and each field of the request bodies; empty when apply may run it."""
    found = []
    if saved.manifests_hash != now.manifests_hash:
        found.append("the manifests or their CSVs changed since")
    if now.blocked:
        found.append("the plan made again is blocked")

    def key(change: CampaignChange) -> str:
        return f"{change.name} (id {change.id})" if change.id is not None else change.name

    before = {key(change): change for change in saved.changes}
    after = {key(change): change for change in now.changes}
    for name in before.keys() - after.keys():
        found.append(
            f"{name} ({', '.join(before[name].actions)}) is in the saved plan, not in the "
            "plan made now"
        )
    for name in after.keys() - before.keys():
        found.append(
            f"{name} ({', '.join(after[name].actions)}) is in the plan made now, not in the "
            "saved plan"
        )
    for name in sorted(before.keys() & after.keys()):
        found.extend(f"{name}: {line}" for line in change_differences(before[name], after[name]))
    return sorted(found)


def saved_paths(paths: tuple[str, ...]) -> tuple[str, ...]:
    """The manifest paths as a plan file holds them, relative to the working directory
    (where apply will run); one outside it is refused before anything is planned."""
    here = Path.cwd()
    inside = []
    for path in paths:
        absolute = Path(os.path.normpath(here / path))
        if absolute != here and here not in absolute.parents:
            raise UserError(
                f"--out: {path} is outside this directory ({here}); a plan file holds "
                "manifest paths inside the directory apply runs from: run plan from a "
                "directory that holds the manifests"
            )
        inside.append(absolute.relative_to(here).as_posix())
    return tuple(inside)


def check_destination(path: str) -> None:
    """Refuse a ``--out`` that cannot be written before anything is planned: the plan
    would be thrown away after Dograh was read, and a path that is a directory would be
    a crash at the end instead of a sentence at the start."""
    target = Path(path)
    if path.endswith(("/", os.sep)) or target.is_dir():
        raise UserError(
            f"--out {path} is a directory; give the plan file's name, such as "
            f"{target / 'campaigns.plan'}"
        )
    for parent in [target.parent, *target.parent.parents]:
        if parent.is_dir():
            if not os.access(parent, os.W_OK | os.X_OK):
                raise UserError(
                    f"cannot write the plan file {path}: the directory {parent} is not writable"
                )
            return
        if parent.exists() or parent.is_symlink():
            raise UserError(f"cannot write the plan file {path}: {parent} is not a directory")


def save_plan(path: str, saved: SavedPlan) -> None:
    """Write whole or not at all: a temporary file beside the target, renamed over it;
    on any failure the temporary file is removed and the reason is a UserError."""
    check_destination(path)
    target = Path(path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    except OSError as exc:
        raise UserError(f"cannot write the plan file {path}: {exc.strerror}") from None
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(saved.model_dump_json(indent=1))
        Path(temporary).replace(target)
    except BaseException as exc:
        Path(temporary).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise UserError(f"cannot write the plan file {path}: {exc.strerror}") from None
        raise


def load_plan(path: str) -> SavedPlan:
    try:
        text = Path(path).read_bytes()
    except OSError as exc:
        raise UserError(f"cannot read the plan file {path}: {exc.strerror}") from exc
    try:
        return SavedPlan.model_validate_json(text)
    except ValidationError as exc:
        raise UserError(_damaged(path, exc)) from None


def _damaged(path: str, exc: ValidationError) -> str:
    errors = exc.errors(include_url=False, include_input=False)
    first = errors[0]
    if first["type"] == "json_invalid":
        return f"{path} is not a plan file: it is not JSON ({first['msg']})"
    where = ".".join(str(step) for step in first["loc"])
    if where == "kind":
        return f"{path} is not a plan file written by `campaigns plan --out`"
    if where == "format_version":
        return (
            f"{path} is a plan of another format; this campaigns reads format "
            f"{PLAN_FORMAT_VERSION}: make the plan again"
        )
    more = f" (and {len(errors) - 1} more problems)" if len(errors) > 1 else ""
    return (
        f"{path} is a damaged plan file: {where or 'the file'}: {first['msg']}{more}; make "
        "the plan again"
    )
