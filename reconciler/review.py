"""Whether a paused campaign may be resumed: only when the reviewed change asks for it.

Dograh's circuit breaker pauses a failing campaign, and operators pause campaigns in an
emergency; a manifest that still says ``running`` must not undo either on the next apply
of some unrelated change. So a resume needs one of:

- ``--base REV``: the git revision the change is reviewed against (the pull request's
  base; on merge, the commit before the push). If the manifest's ``state`` there was not
  ``running`` (or the manifest did not exist), the change under review sets it: resume.
- ``--resume NAME``: an operator names the campaign.

Otherwise the campaign is held, and the plan says why. A redial is held and resumed by
the same rules, its state being its parent manifest's ``spec.redial.state``.
"""

from __future__ import annotations

import shlex
import subprocess
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from reconciler.diff import Resume
from reconciler.errors import UserError
from reconciler.manifest.yaml_source import MAX_FILE_BYTES
from reconciler.owner import repository_root
from reconciler.plan import Held


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
            was = states.get(resume.campaign_id)
            if was != "running":
                resumed.add(resume.campaign_id)
                said = f"{field}: {was}" if was else "no such manifest"
                notes[resume.campaign_id] = (
                    f"resumed: the change under review sets {field}: running ({said} at {base})"
                )
                continue
        how = (
            f"{field}: running is not new since {base}"
            if base
            else "no reviewed change asks for it (plan --base REV)"
        )
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


def _states_at(base: str, resumes: Sequence[Resume]) -> dict[int, str | None]:
    """Each resume's manifest state at ``base``, by campaign id: None when the manifest
    did not exist there."""
    found: dict[int, str | None] = {}
    for resume in resumes:
        path = Path(resume.file).resolve()
        root = repository_root(path.parent)
        relative = path.relative_to(root).as_posix()
        text = _show(root, base, relative)
        found[resume.campaign_id] = None if text is None else _state_in(text, resume)
    return found


def _show(root: Path, base: str, relative: str) -> str | None:
    if not _revision_exists(root, base):
        raise UserError(
            f"--base {base}: no such git revision in {root} (fetch it first: the Action "
            "checks out with fetch-depth 0 for this)"
        )
    result = subprocess.run(
        ["git", "-C", str(root), "show", f"{base}:{relative}"],
        capture_output=True,
        text=True,
        check=False,
    )
    return result.stdout if result.returncode == 0 else None


def _revision_exists(root: Path, base: str) -> bool:
    result = subprocess.run(
        ["git", "-C", str(root), "rev-parse", "--verify", "--quiet", f"{base}^{{commit}}"],
        capture_output=True,
        text=True,
        check=False,
    )
    return result.returncode == 0


def _state_in(text: str, resume: Resume) -> str | None:
    """The state (``spec.state``, or ``spec.redial.state`` for a redial) of the manifest
    of this name (or pinned id) in a file's text at the base revision; None when there is
    none. Unreadable YAML there reads as no manifest: the reviewed change is the one that
    made it valid. A manifest without ``spec.redial`` there says draft for its redial:
    it asked for no redial that dials."""
    if len(text) > MAX_FILE_BYTES:
        return None
    try:
        documents = list(yaml.safe_load_all(text))
    except yaml.YAMLError:
        return None
    for document in documents:
        if not isinstance(document, dict) or document.get("kind") != "Campaign":
            continue
        metadata: Any = document.get("metadata") or {}
        spec: Any = document.get("spec") or {}
        if not isinstance(metadata, dict) or not isinstance(spec, dict):
            continue
        same = metadata.get("name") == (resume.manifest_name or resume.name) or (
            resume.pinned_id is not None and metadata.get("id") == resume.pinned_id
        )
        if same:
            for key in resume.state_path.split(".")[1:-1]:
                spec = spec.get(key) or {}
                if not isinstance(spec, dict):
                    return None
            state = spec.get("state", "draft")
            return state if isinstance(state, str) else None
    return None
