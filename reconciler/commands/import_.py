"""`campaigns import`: live campaigns that no manifest manages become manifests.

For each chosen campaign it writes ``DIR/<stem>.yaml`` (``metadata.id`` pinned, only
the settings that differ from what omitting them means: importing.py) and
``DIR/contacts/<stem>.csv``, the contacts file as Dograh holds it, byte for byte, so
that plan finds the live contacts equal to the file.

Refusals are per campaign: a campaign is written whole (manifest and CSV) or not at
all, and the others are still written; the exit status is then 1 and each refusal
names its campaign. An unknown NAME or ID is a mistake in the command itself, and
nothing at all is written. A file is never overwritten: both files are created
exclusively, and an existing one is a refusal that names it.

Before it keeps a manifest, import loads it as ``validate`` does and plans it against
the campaign it came from: anything but "No changes" removes both files and is
reported, as a manifest that planned a change would make apply change a live campaign.
"""

from __future__ import annotations

import difflib
import json
import os
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import click

from reconciler.calling_hours import check_manifest, dials, recipients_of
from reconciler.client import ClientSettings, DograhClient
from reconciler.diagnostics import has_errors
from reconciler.diff import diff
from reconciler.environment import tree_root
from reconciler.errors import EXIT_ERROR, EXIT_OK, UserError
from reconciler.importing import CannotAdopt, Draft, draft_manifest, file_stems, render_manifest
from reconciler.live import TERMINAL_STATES, LiveCampaign, LiveState
from reconciler.managed import Managed, read_managed
from reconciler.manifest.contacts import contacts_of_bytes
from reconciler.manifest.load import MANIFEST_SUFFIXES, Manifest, load_files
from reconciler.manifest.paths import SourcePaths, display_path
from reconciler.owner import mark_of
from reconciler.render.diagnostics import render_text
from reconciler.resolve import resolve

CONTACTS_DIRECTORY = "contacts"
SCHEMA_FILE = Path("schema", "campaign.schema.json")
DOWNLOADS_AT_ONCE = 8
"""Campaigns whose contacts are downloaded side by side; the files wait in memory
(10 MiB at most each) until they are written in order."""
PERSONAL_DATA = (
    "The contacts CSVs hold personal data (phone numbers): keep them in a private repository."
)


@dataclass(frozen=True)
class ImportRequest:
    selectors: Sequence[str]
    """Names or ids of live campaigns; none: every unmanaged one not completed or failed."""
    directory: str
    client: ClientSettings


class Refusal(Exception):
    """This campaign is not imported; the message says why and what to do."""


@dataclass(frozen=True)
class Planned:
    """A campaign to import, before its contacts are downloaded."""

    campaign: LiveCampaign
    manifest: Path
    csv: Path
    draft: Draft


def run_import(request: ImportRequest) -> int:
    directory = Path(request.directory)
    if directory.exists() and not directory.is_dir():
        raise UserError(f"--dir {request.directory} is a file; give a directory of manifests")
    # The environment --dir is in (environment.py): all its manifests tell what is
    # managed already, and its Policy gives the organization, owner and calling hours.
    scope = tree_root(request.directory) or request.directory
    with DograhClient(request.client) as client:
        managed = read_managed([scope] if _has_manifests(Path(scope)) else [], client)
        if not managed.ok:
            for line in render_text([d for d in managed.diagnostics if d.severity == "error"]):
                click.echo(line, err=True)
            raise UserError(
                f"the manifests under {scope} have errors (above), so import cannot "
                f"tell which campaigns they manage; fix them first (campaigns validate "
                f"{scope})"
            )
        chosen, refused = _select(managed, request.selectors)
        stems = file_stems(managed.live.campaigns)
        planned = [_plan(c, directory, stems[c.id], managed.live) for c in chosen]
        written = 0
        if any(isinstance(item, Planned) for item in planned):
            directory.joinpath(CONTACTS_DIRECTORY).mkdir(parents=True, exist_ok=True)
        schema = _schema_reference(directory)
        for campaign, item, raw in _downloaded(client, chosen, planned):
            try:
                if isinstance(item, Refusal):
                    raise item
                _write(item, raw, schema, managed)
                written += 1
            except Refusal as refusal:
                refused += _refuse(campaign, str(refusal))
    if written:
        noun = "campaign" if written == 1 else "campaigns"
        click.echo(f"Imported {written} {noun} into {request.directory}. {PERSONAL_DATA}")
    if refused:
        noun = "campaign was" if refused == 1 else "campaigns were"
        click.secho(f"{refused} {noun} not imported (above).", err=True, fg="red")
        return EXIT_ERROR
    if written:
        click.echo(f"Next: campaigns plan {scope} shows no change for them.")
    return EXIT_OK


def _has_manifests(directory: Path) -> bool:
    """Whether ``directory`` holds manifests; none (or no directory) manages nothing."""
    if not directory.is_dir():
        return False
    return any(path.name.endswith(MANIFEST_SUFFIXES) for path in directory.rglob("*"))


def _select(managed: Managed, selectors: Sequence[str]) -> tuple[list[LiveCampaign], int]:
    """The campaigns to import, in id order, and how many chosen ones were refused;
    those already managed are skipped, said so."""
    if not selectors:
        unmanaged = managed.unmanaged()
        active = [c for c in unmanaged if c.state not in TERMINAL_STATES]
        left_out = len(unmanaged) - len(active)
        tail = (
            f" ({left_out} completed or failed {'one is' if left_out == 1 else 'ones are'} left "
            "out: name them to import them)"
            if left_out
            else ""
        )
        if not active:
            click.echo(
                "Nothing to import: every live campaign that is not completed or failed is "
                f"managed by these manifests{tail}."
            )
        elif tail:
            click.echo(f"Importing every unmanaged campaign{tail}.")
        return sorted(active, key=lambda c: c.id), 0
    by_id = {c.id: c for c in managed.live.campaigns}
    chosen: dict[int, LiveCampaign] = {}
    unknown: list[str] = []
    refused = 0
    for selector in selectors:
        found = [by_id[int(selector)]] if _is_id(selector) and int(selector) in by_id else []
        found = found or [c for c in managed.live.campaigns if c.name == selector]
        if not found:
            unknown.append(selector)
        for campaign in found:
            if campaign.id not in managed.matched:
                chosen[campaign.id] = campaign
                continue
            manifest = managed.manifest_for(campaign.id)
            where = manifest.where("metadata.name") if manifest else "a manifest"
            mark = mark_of(campaign.source_id)
            if (
                manifest is not None
                and manifest.campaign.metadata.id is None
                and (mark is None or mark.owner != managed.owner)
            ):
                refused += _refuse(
                    campaign,
                    f"{where} has its name but does not take it over, as this repository did "
                    f"not create it; to manage it with that manifest, pin metadata.id: "
                    f"{campaign.id} there (its CSV must hold the campaign's contacts)",
                    written=False,
                )
            else:
                click.echo(f"{_label(campaign)} is already managed by {where}: skipped.")
    if unknown:
        names = [c.name for c in managed.live.campaigns]
        hints = []
        for selector in unknown:
            close = difflib.get_close_matches(selector, names, n=1)
            hint = f" (did you mean {_quoted(close[0])}?)" if close else ""
            hints.append(f"{_quoted(selector)}{hint}")
        raise UserError(
            f"no live campaign has the name or id {', '.join(hints)}; nothing was imported"
        )
    return sorted(chosen.values(), key=lambda c: c.id), refused


def _is_id(selector: str) -> bool:
    return selector.isascii() and selector.isdigit()


def _plan(campaign: LiveCampaign, directory: Path, stem: str, live: LiveState) -> Planned | Refusal:
    """What to write for a campaign, or why nothing can be, before any download."""
    manifest = directory / f"{stem}.yaml"
    csv = directory / CONTACTS_DIRECTORY / f"{stem}.csv"
    for path in (manifest, csv):
        if path.exists() or path.is_symlink():
            return Refusal(
                f"{display_path(path)} exists, and import never overwrites a file; move it, "
                "or rename the campaign in Dograh"
            )
    try:
        draft = draft_manifest(campaign, live, f"{CONTACTS_DIRECTORY}/{stem}.csv")
    except CannotAdopt as reason:
        return Refusal(str(reason))
    return Planned(campaign, manifest, csv, draft)


def _downloaded(
    client: DograhClient, chosen: Sequence[LiveCampaign], planned: Sequence[Planned | Refusal]
) -> Iterator[tuple[LiveCampaign, Planned | Refusal, bytes | Refusal]]:
    """Each campaign's contacts file (or why not), in order, a few downloaded at once."""

    def fetch(item: Planned | Refusal) -> bytes | Refusal:
        if isinstance(item, Refusal):
            return item
        try:
            target = client.source_download_url(item.campaign.id)
            return client.download(target.download_url)
        except UserError as exc:
            return Refusal(f"its contacts could not be downloaded: {exc}")

    with ThreadPoolExecutor(max_workers=DOWNLOADS_AT_ONCE, thread_name_prefix="download") as pool:
        for start in range(0, len(planned), DOWNLOADS_AT_ONCE):
            batch = planned[start : start + DOWNLOADS_AT_ONCE]
            yield from zip(
                chosen[start : start + DOWNLOADS_AT_ONCE],
                batch,
                pool.map(fetch, batch),
                strict=True,
            )


def _write(item: Planned, raw: bytes | Refusal, schema: str, managed: Managed) -> None:
    """Both files, or neither: the CSV as downloaded, then the manifest, each created
    exclusively; then the check that they plan clean."""
    if isinstance(raw, Refusal):
        raise raw
    contacts, findings = contacts_of_bytes(raw, str(item.csv), display_path(item.csv))
    if contacts is None:
        problems = "; ".join(f.message for f in findings if f.severity == "error")
        raise Refusal(f"its contacts file would not pass validate: {problems}")
    text = render_manifest(item.draft, schema)
    created: list[Path] = []
    try:
        for path, content in ((item.csv, raw), (item.manifest, text.encode("utf-8"))):
            with path.open("xb") as handle:
                created.append(path)
                handle.write(content)
        manifest = _check(item, managed)
    except FileExistsError as exc:
        _remove(created)
        raise Refusal(
            f"{display_path(exc.filename)} appeared meanwhile, and import never overwrites a file"
        ) from None
    except BaseException:
        _remove(created)
        raise
    campaign = item.campaign
    state = item.draft.state
    if campaign.state in TERMINAL_STATES:
        state += f" (it is {campaign.state}: paused plans no action for it and never dials)"
    rows = "contact" if contacts.rows == 1 else "contacts"
    click.echo(
        f"Wrote {display_path(item.manifest)} and {display_path(item.csv)}: "
        f"{_label(campaign)}, {contacts.rows} {rows}, state {state}"
    )
    for finding in findings:
        click.echo(f"  warning: {display_path(item.csv)}: {finding.message}")
    if dials(manifest):
        _calling_hours(manifest, managed)


def _calling_hours(manifest: Manifest, managed: Managed) -> None:
    """A campaign that dials outside the calling-hours rules is written as it is: its
    manifest says what Dograh does now, and validate and plan then refuse it until its
    schedule is fixed and applied. Hiding it would leave it dialing, unmanaged."""
    errors = [
        d
        for d in check_manifest(manifest, recipients_of(manifest)[0], managed.hours)[0]
        if d.severity == "error"
    ]
    if errors:
        click.secho(
            f"  warning: {manifest.file}: Dograh dials this campaign outside the calling-hours "
            f"rules ({errors[0].message}); validate and plan refuse the manifest until "
            f"{errors[0].path} is fixed, and apply then changes the campaign to match",
            fg="yellow",
        )


def _check(item: Planned, managed: Managed) -> Manifest:
    """The written manifest, read back as validate reads it, plans as "No changes"."""
    live = managed.live
    loaded = load_files([item.manifest])
    manifests, problems = loaded.manifests, loaded.diagnostics
    if has_errors(problems) or len(manifests) != 1 or manifests[0].campaign != item.draft.model:
        shown = "; ".join(p.message for p in problems if p.severity == "error")
        raise Refusal(
            f"this is a bug in campaigns import: its manifest does not read back ({shown})"
        )
    desired, findings = resolve(manifests, live)
    part = diff(desired, live, owner=managed.owner, claimed=frozenset({item.campaign.id}))
    if part.unchanged != [manifests[0].name] or has_errors([*findings, *part.diagnostics]):
        said = [c.path for change in part.changes for c in change.changes]
        said += [c.message for c in part.conflicts]
        said += [d.message for d in [*findings, *part.diagnostics] if d.severity == "error"]
        raise Refusal(
            "this is a bug in campaigns import: its manifest would not plan as "
            f"'No changes' ({'; '.join(said) or 'a lifecycle action'}); nothing was kept"
        )
    return manifests[0]


def _remove(paths: Sequence[Path]) -> None:
    for path in paths:
        path.unlink(missing_ok=True)


def _schema_reference(directory: Path) -> str:
    """The schema comment's path: ``schema/campaign.schema.json`` of the repository,
    relative to the manifests, as campaigns.d/ has it (``../schema/...``)."""
    real = directory.resolve()
    root = Path(SourcePaths().root_of(str(real)))
    return Path(os.path.relpath(root / SCHEMA_FILE, real)).as_posix()


def _refuse(campaign: LiveCampaign, reason: str, *, written: bool = True) -> int:
    tail = "; nothing written for it." if written else "."
    click.secho(f"Error: {_label(campaign)}: {reason}{tail}", err=True, fg="red")
    return 1


def _label(campaign: LiveCampaign) -> str:
    return f"{_quoted(campaign.name)} (id {campaign.id})"


def _quoted(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)
