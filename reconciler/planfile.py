"""Saved plans (``plan --out``): what was reviewed, so that apply runs exactly that.

The file holds the plan's JSON document (its request bodies included), a fingerprint of
every live campaign read and a hash of the manifests. Apply re-reads the campaigns the
plan covers and refuses if any fingerprint changed: a plan reviewed against yesterday's
Dograh must not run against today's. It holds no API key.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from reconciler import __version__
from reconciler.errors import UserError
from reconciler.plan import PLAN_FORMAT_VERSION, CampaignChange, FieldChange, Upload

KIND = "dograh-campaigns-plan"


@dataclass(frozen=True)
class SavedPlan:
    path: str
    api_url: str
    paths: tuple[str, ...]
    targets: tuple[str, ...]
    created_at: str
    changes: tuple[CampaignChange, ...]
    fingerprints: dict[str, str]
    manifests_hash: str
    document: dict[str, Any]


def save_plan(path: str, document: dict[str, Any], *, api_url: str, paths: tuple[str, ...]) -> None:
    record = {
        "kind": KIND,
        "format_version": PLAN_FORMAT_VERSION,
        "tool_version": __version__,
        "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "api_url": api_url,
        "paths": list(paths),
        "plan": document,
    }
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    # Written whole or not at all: a half-written plan must not be applied.
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        json.dump(record, out, indent=1, ensure_ascii=False)
    Path(temporary).replace(target)


def load_plan(path: str) -> SavedPlan:
    try:
        record = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise UserError(f"cannot read the plan file {path}: {exc.strerror}") from exc
    except ValueError as exc:
        raise UserError(f"{path} is not a plan file (not JSON): {exc}") from exc
    if not isinstance(record, dict) or record.get("kind") != KIND:
        raise UserError(f"{path} is not a plan file written by `campaigns plan --out`")
    if record.get("format_version") != PLAN_FORMAT_VERSION:
        raise UserError(
            f"{path} has plan format {record.get('format_version')}; this campaigns reads "
            f"format {PLAN_FORMAT_VERSION}: make the plan again"
        )
    try:
        document = record["plan"]
        return SavedPlan(
            path=path,
            api_url=str(record["api_url"]),
            paths=tuple(record["paths"]),
            targets=tuple(document.get("targets", [])),
            created_at=str(record.get("created_at", "")),
            changes=tuple(_change(item) for item in document["changes"]),
            fingerprints=dict(document["fingerprints"]),
            manifests_hash=str(document["manifests_hash"]),
            document=document,
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise UserError(f"{path} is a damaged plan file ({exc!r}): make the plan again") from exc


def _change(item: dict[str, Any]) -> CampaignChange:
    requests = item.get("requests") or {}
    upload = requests.get("upload")
    return CampaignChange(
        name=item["name"],
        campaign_id=item["id"],
        manifest=item["manifest"],
        actions=tuple(item["actions"]),
        changes=tuple(FieldChange(c["path"], c["before"], c["after"]) for c in item["changes"]),
        before=item["before"],
        after=item["after"],
        live_state=item["live_state"],
        desired_state=item["desired_state"],
        rename_from=item.get("rename_from"),
        create_body=requests.get("create"),
        patch_body=requests.get("update"),
        upload=Upload(**upload) if upload else None,
        notes=tuple(item.get("notes", [])),
    )
