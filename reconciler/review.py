"""Whether a paused campaign may be resumed: only when the reviewed change asks for it.

Dograh's circuit breaker pauses a failing campaign, and operators pause campaigns in an
emergency; a manifest that still says ``running`` must not undo either on the next apply
of some unrelated change. So a resume needs one of:

- ``--base REV``: the git revision the change is reviewed against (the pull request's
  base; on merge, the commit before the push). If the manifest's ``state`` there was not
  ``running`` (or no manifest there named the campaign), the change under review sets
  it: resume. The manifest is looked up by identity anywhere in the base tree
  (revision.py), so renaming or moving its file changes nothing; where the base cannot
  be read, the campaign is held.
- ``--resume NAME``: an operator names the campaign.

Otherwise the campaign is held, and the plan says why. A redial is held and resumed by
the same rules, its state being its parent manifest's ``spec.redial.state``.
"""

from __future__ import annotations

import shlex
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from reconciler.diff import Resume
from reconciler.identity import may_have_named
from reconciler.owner import repository_root
from reconciler.plan import Held
from reconciler.revision import Revision, manifests_at


@dataclass(frozen=True)
class Decision:
    resumed: set[int]
    """Campaign ids whose resume goes ahead."""
    held: list[Held]
    notes: dict[int, str]
    """Why a resume goes ahead, per campaign id."""


def decide(resumes: Sequence[Resume], base: str | None, names: Collection[str]) -> Decision:
    resumed: set[int] = set()
    held: list[Held] = []
    notes: dict[int, str] = {}
    states = _states_at(base, resumes) if base else {}
    for resume in resumes:
        if resume.name in names:
            resumed.add(resume.campaign_id)
            notes[resume.campaign_id] = f"resumed: --resume {resume.name}"
            continue
        field = resume.state_path.removeprefix("spec.")
        if base is not None:
            was = states.get(resume.campaign_id, Was(None))
            if was.unknown is None and was.state != "running":
                resumed.add(resume.campaign_id)
                said = f"{field}: {was.state}" if was.file else "no such manifest"
                notes[resume.campaign_id] = (
                    f"resumed: the change under review sets {field}: running ({said} at "
                    f"{base}{_moved(was)})"
                )
                continue
        if base is None:
            how = "no reviewed change asks for it (plan --base REV)"
        elif was.unknown is not None:
            how = (
                f"what its manifest said at {base} cannot be told: {was.unknown} could not be "
                "read there, and may have named it"
            )
        else:
            how = f"{field}: running is not new since {base}{_moved(was)}"
        command = f"campaigns apply --resume {shlex.quote(resume.name)}"
        held.append(
            Held(
                name=resume.name,
                id=resume.campaign_id,
                manifest=resume.where,
                reason=f"{resume.reason}; held paused: {how}. To resume it: {command}",
                resume=command,
            )
        )
    return Decision(resumed, held, notes)


def _moved(was: Was) -> str:
    return f", in {was.file}" if was.file and was.moved else ""


def _states_at(base: str, resumes: Sequence[Resume]) -> dict[int, Was]:
    """What each resume's manifest said at ``base``, by campaign id."""
    revisions: dict[Path, Revision] = {}
    found: dict[int, Was] = {}
    for resume in resumes:
        path = Path(resume.file).resolve()
        root = repository_root(path.parent)
        if root not in revisions:
            revisions[root] = manifests_at(root, base)
        was = _was(revisions[root], resume)
        here = path.relative_to(root).as_posix() if path.is_relative_to(root) else None
        found[resume.campaign_id] = replace(was, moved=was.file is not None and was.file != here)
    return found


@dataclass(frozen=True)
class Was:
    """A manifest's state at the base revision, and in which file it was said."""

    state: str | None
    """None: no manifest there named the campaign."""
    file: str | None = None
    unknown: str | None = None
    """Why it cannot be told: a file meant as a manifest there could not be read."""
    moved: bool = False
    """Said in another file than the manifest's now (a rename, followed)."""


def _was(revision: Revision, resume: Resume) -> Was:
    """The state (``spec.state``, or ``spec.redial.state`` for a redial) of the manifest
    that named this campaign at the base, found by identity anywhere in the tree: the
    pinned id (a base manifest pinning it, or one of its name that pinned nothing), else
    the name (or, for a campaign, a base manifest pinning its id). Where several did,
    one that said running decides: the reading that calls fewer people. A manifest
    without ``spec.redial`` there says draft for its redial: it asked for no redial."""
    name = resume.manifest_name or resume.name
    redial = resume.state_path != "spec.state"
    campaign_id = None if redial else resume.campaign_id
    candidates = [
        m for m in revision.manifests if may_have_named(m, name, resume.pinned_id, campaign_id)
    ]
    states = [(_state_of(m.spec, resume.state_path), m.file) for m in candidates]
    for state, file in states:
        if state == "running":
            return Was(state, file)
    if states:
        return Was(*states[0])
    if revision.unreadable:
        return Was(None, unknown=", ".join(revision.unreadable))
    return Was(None)


def _state_of(spec: dict[str, Any], state_path: str) -> str | None:
    for key in state_path.split(".")[1:-1]:
        spec = spec.get(key) or {}
        if not isinstance(spec, dict):
            return None
    state = spec.get("state", "draft")
    return state if isinstance(state, str) else None
