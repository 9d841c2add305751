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

Import never leaves two manifests of one name that validate would refuse: a campaign
with the name of an existing unpinned manifest is written only if that manifest can be
pinned too (its campaign is the one this repository created, known by the owner token);
then both are pinned, and said so. Otherwise it is refused and nothing is written for
it. After writing, validate runs on the directory, and its errors in the files import
wrote or pinned are reported (exit 1) instead of "plan shows no change".
"""

from __future__ import annotations

import difflib
import json
import os
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click

from reconciler.calling_hours import check_manifest, dials, recipients_of
from reconciler.client import DograhClient
from reconciler.client_settings import ClientSettings
from reconciler.diagnostics import has_errors, sorted_diagnostics
from reconciler.diff import MUTABLE
from reconciler.environment import tree_root
from reconciler.errors import EXIT_ERROR, EXIT_OK, UserError
from reconciler.explain import field_differences
from reconciler.identity import created_by
from reconciler.importing import CannotAdopt, Draft, draft_manifest, file_stems, render_manifest
from reconciler.live import TERMINAL_STATES, LiveCampaign
from reconciler.manifest.contacts import contacts_of_bytes
from reconciler.manifest.defaults import effective, inherited
from reconciler.manifest.load import (
    MANIFEST_SUFFIXES,
    DefaultsDocument,
    DefaultsFinder,
    Manifest,
    load_files,
)
from reconciler.manifest.model import Campaign
from reconciler.manifest.paths import SourcePaths, display_path
from reconciler.pinning import CannotPin, pin
from reconciler.planner.each import Managed, each
from reconciler.planner.run import read_managed, validate_paths
from reconciler.render.diagnostics import render_text

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
    effective: Campaign
    """The draft as loading it will read it, the Defaults that apply to it applied."""
    namesake: tuple[Manifest, int] | None = None
    """An unpinned manifest of this name, and its own campaign's id: pinned on writing."""


def run_import(request: ImportRequest) -> int:
    directory = Path(request.directory)
    if directory.exists() and not directory.is_dir():
        raise UserError(f"--dir {request.directory} is a file; give a directory of manifests")
    # The environment --dir is in (environment.py): all its manifests tell what is
    # managed already, and its Policy gives the organization, owner and calling hours.
    scope = tree_root(request.directory) or request.directory
    with DograhClient(request.client) as client:
        managed = _managed(scope, client)
        chosen, refused = _select(managed, request.selectors)
        imported = _imported(client, directory, chosen, managed)
    refused += imported.refused
    written = imported.written
    if written:
        noun = "campaign" if written == 1 else "campaigns"
        click.echo(f"Imported {written} {noun} into {request.directory}. {PERSONAL_DATA}")
    valid = _validated(scope, imported.touched) if written else True
    if refused:
        noun = "campaign was" if refused == 1 else "campaigns were"
        click.secho(f"{refused} {noun} not imported (above).", err=True, fg="red")
        return EXIT_ERROR
    if not valid:
        return EXIT_ERROR
    if written:
        click.echo(
            f"Checked: campaigns validate {scope} passes for them; campaigns plan {scope} "
            "shows no change for them."
        )
    return EXIT_OK


def _managed(scope: str, client: DograhClient) -> Managed:
    """What the manifests of the environment manage; refused when they have errors."""
    managed = read_managed([scope] if _has_manifests(Path(scope)) else [], client)
    if not managed.ok:
        for line in render_text([d for d in managed.diagnostics if d.severity == "error"]):
            click.echo(line, err=True)
        raise UserError(
            f"the manifests under {scope} have errors (above), so import cannot "
            f"tell which campaigns they manage; fix them first (campaigns validate "
            f"{scope})"
        )
    return managed


@dataclass
class Imported:
    """What the import did: campaigns written and refused."""

    written: int = 0
    refused: int = 0
    touched: list[Path] = field(default_factory=list)
    """The manifests written or edited (a namesake pinned)."""


def _imported(
    client: DograhClient, directory: Path, chosen: Sequence[LiveCampaign], managed: Managed
) -> Imported:
    """Each chosen campaign written (its CSV, then its manifest), or refused, said so."""
    stems = file_stems(managed.live.campaigns)
    chain = _defaults_of(directory)
    planned = [_plan(c, directory, stems[c.id], managed, chain) for c in chosen]
    if any(isinstance(item, Planned) for item in planned):
        directory.joinpath(CONTACTS_DIRECTORY).mkdir(parents=True, exist_ok=True)
    schema = _schema_reference(directory)
    done = Imported()
    pinned: set[tuple[str, str]] = set()
    for campaign, item, raw in _downloaded(client, chosen, planned):
        try:
            if isinstance(item, Refusal):
                raise item
            done.touched += _write(item, raw, schema, managed, pinned)
            done.written += 1
        except Refusal as refusal:
            done.refused += _refuse(campaign, str(refusal))
    return done


def _validated(directory: str, touched: Sequence[Path]) -> bool:
    """Validate, as the command runs it, on the directory import wrote into: its errors in
    the files written or pinned now are said, whatever said before that they were fine."""
    ours = {display_path(path) for path in touched}
    errors = [
        d
        for d in validate_paths([directory]).diagnostics
        if d.severity == "error" and d.file in ours
    ]
    if not errors:
        return True
    for line in render_text(errors):
        click.echo(line, err=True)
    files = len({d.file for d in errors})
    click.secho(
        f"campaigns validate {directory} now fails: {len(errors)} "
        f"{'error' if len(errors) == 1 else 'errors'} in {files} "
        f"{'file' if files == 1 else 'files'} that import wrote (above); plan and apply "
        "refuse the manifests until they are fixed.",
        err=True,
        fg="red",
    )
    return False


def _has_manifests(directory: Path) -> bool:
    """Whether ``directory`` holds manifests; none (or no directory) manages nothing."""
    if not directory.is_dir():
        return False
    return any(path.name.endswith(MANIFEST_SUFFIXES) for path in directory.rglob("*"))


def _select(managed: Managed, selectors: Sequence[str]) -> tuple[list[LiveCampaign], int]:
    """The campaigns to import, in id order, and how many chosen ones were refused;
    those already managed are skipped, said so."""
    if not selectors:
        return _every_unmanaged(managed), 0
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
            else:
                refused += _already_managed(campaign, managed)
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


def _every_unmanaged(managed: Managed) -> list[LiveCampaign]:
    """Without selectors: every unmanaged campaign that may still dial, in id order."""
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
    return sorted(active, key=lambda c: c.id)


def _already_managed(campaign: LiveCampaign, managed: Managed) -> int:
    """A chosen campaign that a manifest matches: skipped, said so; refused (1) when that
    manifest only shares its name, as this repository did not create it."""
    manifest = managed.manifest_for(campaign.id)
    where = manifest.where("metadata.name") if manifest else "a manifest"
    named_only = manifest is not None and manifest.pinned_id is None
    if named_only and not created_by(campaign, managed.owner):
        return _refuse(
            campaign,
            f"{where} has its name but does not take it over, as this repository did "
            f"not create it; to manage it with that manifest, pin metadata.id: "
            f"{campaign.id} there (its CSV must hold the campaign's contacts), or "
            "rename one of the two",
        )
    click.echo(f"{_label(campaign)} is already managed by {where}: skipped.")
    return 0


def _is_id(selector: str) -> bool:
    return selector.isascii() and selector.isdigit()


def _defaults_of(directory: Path) -> list[DefaultsDocument]:
    """The Defaults that will apply to the manifests written into ``directory``, nearest
    first; the import stops when one of them has errors, as what it gives is unknown."""
    finder = DefaultsFinder(SourcePaths())
    chain = finder.chain(directory / "campaign.yaml")
    errors = [d for d in finder.diagnostics if d.severity == "error"]
    if errors:
        for line in render_text(sorted_diagnostics(errors)):
            click.echo(line, err=True)
        raise UserError(
            f"the Defaults that would apply to manifests in {directory} have errors (above): "
            "import cannot tell what to leave out; fix them first"
        )
    return chain


def _plan(
    campaign: LiveCampaign,
    directory: Path,
    stem: str,
    managed: Managed,
    chain: Sequence[DefaultsDocument],
) -> Planned | Refusal:
    """What to write for a campaign, or why nothing can be, before any download: only
    what differs from what the Defaults of the directory give."""
    live = managed.live
    manifest = directory / f"{stem}.yaml"
    csv = directory / CONTACTS_DIRECTORY / f"{stem}.csv"
    for path in (manifest, csv):
        if path.exists() or path.is_symlink():
            return Refusal(
                f"{display_path(path)} exists, and import never overwrites a file; move it, "
                "or rename the campaign in Dograh"
            )
    try:
        draft = draft_manifest(campaign, live, f"{CONTACTS_DIRECTORY}/{stem}.csv", inherited(chain))
    except CannotAdopt as reason:
        return Refusal(str(reason))
    namesake = _namesake(draft, managed)
    if isinstance(namesake, Refusal):
        return namesake
    return Planned(campaign, manifest, csv, draft, effective(draft.model, chain)[0], namesake)


def _namesake(draft: Draft, managed: Managed) -> tuple[Manifest, int] | Refusal | None:
    """An unpinned manifest with the draft's name, and the id of its campaign, which
    this repository created (its owner token says so): both manifests get pinned. A
    namesake without such a campaign cannot be pinned: a refusal that says what to do."""
    name = draft.model.metadata.name
    for manifest in managed.manifests:
        if manifest.name != name or manifest.pinned_id is not None:
            continue
        own = [
            campaign
            for campaign in managed.live.campaigns
            if managed.manifest_for(campaign.id) is manifest
        ]
        ours = [c for c in own if created_by(c, managed.owner)]
        if len(ours) == 1 and len(own) == 1:
            return manifest, ours[0].id
        where = manifest.where("metadata.name")
        return Refusal(
            f"{where} has its name and no metadata.id, and Dograh has no campaign that this "
            "repository created for it, so import cannot pin both manifests (two manifests "
            "of one name must each pin metadata.id). Rename one of the campaigns, or, to "
            f"manage this campaign with that manifest, pin metadata.id: {draft.campaign.id} "
            "there (its CSV must then hold the campaign's contacts)"
        )
    return None


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


def _write(
    item: Planned,
    raw: bytes | Refusal,
    schema: str,
    managed: Managed,
    pinned: set[tuple[str, str]],
) -> list[Path]:
    """Both files, or neither: the CSV as downloaded, then the manifest, each created
    exclusively; then the check that they plan clean; then the namesake manifest pinned
    (``pinned``: those pinned in this run). Returns the manifests written or edited."""
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
        edited = _pin_namesake(item, pinned)
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
    if edited is not None:
        namesake, own = edited
        click.echo(
            f"Pinned {namesake.file} to its campaign (id {own}, created from this repository): "
            f"metadata.id: {own}, so that the two manifests of the name "
            f"{_quoted(namesake.name)} are told apart by id"
        )
    for finding in findings:
        click.echo(f"  warning: {display_path(item.csv)}: {finding.message}")
    if dials(manifest):
        _calling_hours(manifest, managed)
    return [item.manifest] + ([Path(edited[0].file)] if edited is not None else [])


def _pin_namesake(item: Planned, pinned: set[tuple[str, str]]) -> tuple[Manifest, int] | None:
    """The namesake manifest pinned to its own campaign, once per run."""
    if item.namesake is None:
        return None
    manifest, own = item.namesake
    key = (manifest.file, manifest.name)
    if key in pinned:
        return None
    try:
        pin(manifest, own)
    except CannotPin as reason:
        raise Refusal(
            f"{manifest.where('metadata.name')} has its name, and pinning it to its own "
            f"campaign (id {own}) failed: {reason}; pin metadata.id: {own} there by hand, "
            "then import again"
        ) from None
    pinned.add(key)
    return item.namesake


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
        # The error stands at the state that dials when there is no schedule; the fix is
        # the schedule either way, as the error's own message says.
        click.secho(
            f"  warning: {manifest.file}: Dograh dials this campaign outside the calling-hours "
            f"rules ({errors[0].message}); validate and plan refuse the manifest until "
            "spec.schedule is fixed, and apply then changes the campaign to match",
            fg="yellow",
        )


def _check(item: Planned, managed: Managed) -> Manifest:
    """The written manifest, read back as validate reads it, plans as "No changes"."""
    live = managed.live
    loaded = load_files([item.manifest])
    manifests, problems = loaded.manifests, loaded.diagnostics
    if has_errors(problems) or len(manifests) != 1 or manifests[0].campaign != item.effective:
        shown = "; ".join(p.message for p in problems if p.severity == "error")
        raise Refusal(
            f"this is a bug in campaigns import: its manifest does not read back ({shown})"
        )
    part = each(manifests, live, owner=managed.owner, claimed=frozenset({item.campaign.id}))
    if part.unchanged != [manifests[0].name] or has_errors(part.diagnostics):
        said = [
            line
            for change in part.changes
            for line in field_differences(_settings(change.before), _settings(change.after))
        ]
        said += [f"{action} the campaign" for c in part.changes if (action := c.lifecycle)]
        said += [c.message for c in part.conflicts]
        said += [d.message for d in part.diagnostics if d.severity == "error"]
        raise Refusal(
            "this is a bug in campaigns import: its manifest would not plan as "
            f"'No changes' ({'; '.join(said) or 'a change it did not name'}); nothing was kept"
        )
    return manifests[0]


def _settings(view: Mapping[str, Any] | None) -> dict[str, Any]:
    """The settings a plan changes: what import's draft must leave as Dograh has them."""
    return {key: (view or {}).get(key) for key in MUTABLE}


def _remove(paths: Sequence[Path]) -> None:
    for path in paths:
        path.unlink(missing_ok=True)


def _schema_reference(directory: Path) -> str:
    """The schema comment's path: ``schema/campaign.schema.json`` of the repository,
    relative to the manifests, as campaigns.d/ has it (``../schema/...``)."""
    real = directory.resolve()
    root = Path(SourcePaths().root_of(str(real)))
    return Path(os.path.relpath(root / SCHEMA_FILE, real)).as_posix()


def _refuse(campaign: LiveCampaign, reason: str) -> int:
    click.secho(f"Error: {_label(campaign)}: {reason}; nothing written for it.", err=True, fg="red")
    return 1


def _label(campaign: LiveCampaign) -> str:
    return f"{_quoted(campaign.name)} (id {campaign.id})"


def _quoted(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)
