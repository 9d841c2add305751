"""Files to manifests: what the planner's load stage runs on each chunk of files.

Every problem of every file is collected, never only the first, so that a reviewer sees
all mistakes of a pull request at once. ``load_files`` reads one chunk of the files
(the planner gives chunks to processes, planner/workers.py); the cross-checks between
manifests (identity.py ``duplicates``) run once every chunk is loaded.

What ``find_manifest_files`` takes from the disk is as untrusted as the files' content:
only regular files (a FIFO would hang the run), only inside the repository (a link out
of it is refused unread), every directory it cannot read named, and every name that is
not UTF-8 reported rather than carried into a plan that cannot encode it.
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import stat
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from reconciler.content_cache import CachedDocument, FileCache, plain_json
from reconciler.diagnostics import NOT_A_MANIFEST, Diagnostic, Severity
from reconciler.identity import IDENTITY_PATHS, Identity
from reconciler.manifest.contacts import (
    MAX_CSV_BYTES,
    ContactsFile,
    contacts_of_bytes,
    too_big,
)
from reconciler.manifest.defaults import DEFAULTED, DEFAULTS_KIND, Defaults, DefaultsSpec, effective
from reconciler.manifest.located import Located
from reconciler.manifest.messages import format_path, known_keys_of, problem_from_error
from reconciler.manifest.model import API_VERSION, KIND, Campaign
from reconciler.manifest.paths import (
    SourcePaths,
    display_path,
    files_in,
    inside,
    is_utf8,
    printable,
    repository_of,
)
from reconciler.manifest.policy import POLICY_KIND, Policy
from reconciler.manifest.yaml_source import (
    MAX_FILE_BYTES,
    Document,
    NotRegular,
    Position,
    TooBig,
    diagnostic_at,
    documents_of_text,
    file_kind,
    load_documents,
    read_capped,
    read_text,
)

MANIFEST_SUFFIXES = (".yaml", ".yml")
"""Compared in lower case: ``x.YAML`` is a manifest in a scan, and never a plan file."""

TRACKED_PATHS = frozenset(
    {
        "",
        "metadata",
        "metadata.name",
        "metadata.id",
        "spec",
        "spec.workflow",
        "spec.source.csv",
        "spec.telephony",
        "spec.state",
        "spec.max_concurrency",
        "spec.retry_config",
        "spec.schedule",
        "spec.circuit_breaker",
        "spec.redial",
        "spec.redial.on",
        "spec.redial.state",
        "spec.redial.name",
        "spec.redial.retry_config",
    }
)
"""The places that plan and apply may point at in their messages."""

_KNOWN_KEYS = known_keys_of(Campaign)


@dataclass(frozen=True)
class Manifest(Located):
    """A valid campaign manifest, with where it came from and its checked CSV."""

    campaign: Campaign
    file: str
    contacts: ContactsFile
    positions: dict[str, Position]
    """Where the values of TRACKED_PATHS start in the file."""
    file_sha256: str
    sources: Mapping[str, str] = field(default_factory=dict)
    """The settings a Defaults document gave it: the setting -> ``file:line`` there."""
    defaults_at: str | None = None
    """``file:line`` of the nearest Defaults' spec, which decides a setting that neither
    it nor the manifest sets; None when no Defaults applies."""

    @property
    def name(self) -> str:
        return self.campaign.metadata.name

    def source_of(self, setting: str) -> str | None:
        """Where a setting's value comes from when not from the manifest: the Defaults
        line that sets it, or the nearest Defaults' spec when nothing sets it."""
        if setting in self.sources:
            return self.sources[setting]
        if setting not in DEFAULTED or f"spec.{setting}" in self.positions:
            return None
        return self.defaults_at

    def diagnostic(self, path: str, message: str, severity: Severity = "error") -> Diagnostic:
        """As for any document; a message about a setting a Defaults gave names it."""
        setting = path.split(".")[1] if path.startswith("spec.") else ""
        if setting in self.sources:
            message = f"{message} (spec.{setting} from {self.sources[setting]})"
        return super().diagnostic(path, message, severity)

    @property
    def pinned_id(self) -> int | None:
        """``metadata.id``: the live campaign this manifest manages, if pinned (identity.py)."""
        return self.campaign.metadata.id

    def identity(self) -> Identity:
        positions = {path: at for path, at in self.positions.items() if path in IDENTITY_PATHS}
        return Identity(self.name, self.pinned_id, self.file, positions, self.redial_name)

    @property
    def redial_name(self) -> str | None:
        """The name of the campaign ``spec.redial`` makes: its own, else Dograh's default
        (docs/dograh-api.md §2.9); None without a redial."""
        redial = self.campaign.spec.redial
        if redial is None:
            return None
        return redial.name or f"{self.name} (Redial)"

    def hash_part(self) -> tuple[str, str, str, str]:
        return (self.file, self.name, self.file_sha256, self.contacts.sha256)


if TYPE_CHECKING:
    _ConcretePath = Path
else:
    _ConcretePath = type(Path())


class ScannedPath(_ConcretePath):
    """A file a directory scan found, rather than one named on the command line: if it
    holds no manifest at all (a GitHub workflow beside the manifests), it is skipped
    with a word, not refused. The mark travels with the path to the processes that load
    it (a pickled path keeps its class), so the planner passes plain lists of paths."""


def is_manifest_name(name: str) -> bool:
    return name.lower().endswith(MANIFEST_SUFFIXES)


def _not_found(raw: str, cwd: str) -> str:
    """A relative path missing here but found above (``campaigns.d`` run from inside
    ``campaigns.d/``, the default path): where it looked, and the two ways to fix it."""
    message = "no such file or directory"
    if Path(raw).is_absolute():
        return message
    for parent in Path(cwd).parents:
        if (parent / raw).exists():
            there = os.path.relpath(parent / raw, cwd)
            return (
                f"{message} (looked for {printable(str(Path(cwd, raw)))}); it is at "
                f"'{printable(there)}' from here: run from {printable(str(parent))} (the "
                f"repository root), or pass the path: '{printable(there)}'"
            )
    return message


def find_manifest_files(paths: Sequence[str]) -> tuple[list[Path], list[Diagnostic]]:
    """``*.yaml``/``*.yml`` (in any case) under each path, recursively; a named file is
    taken as it is, if it is a regular file inside the repository."""
    found: dict[Path, None] = {}
    problems: list[Diagnostic] = []
    cwd = str(Path.cwd())
    for raw in paths:
        shown = printable(display_path(raw, cwd))
        if not is_utf8(raw):
            problems.append(Diagnostic(shown, 1, 1, "", _NOT_UTF8))
            continue
        try:
            mode = Path(raw).stat().st_mode
        except FileNotFoundError:
            problems.append(Diagnostic(raw, 1, 1, "", _not_found(raw, cwd)))
            continue
        except OSError as exc:
            problems.append(Diagnostic(raw, 1, 1, "", f"cannot read it: {exc.strerror}"))
            continue
        root = repository_of(raw)
        if not (stat.S_ISDIR(mode) or stat.S_ISREG(mode)):
            problems.append(Diagnostic(raw, 1, 1, "", _not_regular(file_kind(mode))))
        elif not inside(os.path.realpath(raw), root):
            outside = _outside(root, directory=stat.S_ISDIR(mode))
            problems.append(Diagnostic(raw, 1, 1, "", outside))
        elif stat.S_ISDIR(mode):
            matches, trouble = _scan(raw, root, cwd)
            if not matches and not trouble:
                problems.append(
                    Diagnostic(raw, 1, 1, "", "no manifest files (*.yaml, *.yml) in this directory")
                )
            problems.extend(trouble)
            # By parts, as paths compare, without a Python comparison per pair.
            found.update(dict.fromkeys(sorted(matches, key=lambda path: path.parts)))
        else:
            found[Path(raw)] = None
    return list(found), problems


_NOT_UTF8 = (
    "the file name is not valid UTF-8 (its other bytes are shown as \\xNN); rename it: "
    "it was not read"
)


def _outside(root: str, *, directory: bool) -> str:
    what = "a directory" if directory else "a file"
    return (
        f"a symbolic link to {what} outside the repository ({root}); keep manifests inside "
        "it: it was not read"
    )


def _not_regular(kind: str) -> str:
    return f"the manifest is {kind}, not a regular file; only files are read"


def _scan(top: str, root: str, cwd: str) -> tuple[list[Path], list[Diagnostic]]:
    """The manifest files under a directory, and what stood in the way: a directory that
    cannot be read, a link out of the repository, a manifest name that is not a regular
    file or not UTF-8. ``os.scandir`` gives each entry's type without a syscall, so the
    common case costs what ``os.walk`` did. A linked directory inside the repository is
    searched once (a link to an ancestor is not a loop)."""
    found: list[Path] = []
    problems: list[Diagnostic] = []
    seen = {os.path.realpath(top)}
    pending = [top]
    while pending:
        directory = pending.pop()
        try:
            with os.scandir(directory) as listing:
                entries = list(listing)
        except OSError as exc:
            shown = printable(display_path(directory, cwd))
            problems.append(
                Diagnostic(
                    shown,
                    1,
                    1,
                    "",
                    f"cannot read this directory ({exc.strerror}): the manifests in it were "
                    "not checked",
                )
            )
            continue
        for entry in entries:
            manifest = is_manifest_name(entry.name)
            try:
                if entry.is_symlink():
                    real = os.path.realpath(entry.path)
                    is_dir = entry.is_dir()
                    if not inside(real, root):
                        if manifest or is_dir:
                            problems.append(_at(entry.path, cwd, _outside(root, directory=is_dir)))
                        continue
                    if is_dir:
                        if real not in seen:
                            seen.add(real)
                            pending.append(entry.path)
                        continue
                    if manifest:
                        found_or_refused = _regular(entry.path, entry.stat().st_mode, cwd)
                elif entry.is_dir(follow_symlinks=False):
                    pending.append(entry.path)
                    continue
                elif manifest:
                    mode = (
                        stat.S_IFREG
                        if entry.is_file(follow_symlinks=False)
                        else entry.stat(follow_symlinks=False).st_mode
                    )
                    found_or_refused = _regular(entry.path, mode, cwd)
                else:
                    continue
            except OSError as exc:  # a link that leads nowhere, a file gone meanwhile
                if manifest:
                    problems.append(_at(entry.path, cwd, f"cannot read it: {exc.strerror}"))
                continue
            if manifest:
                if isinstance(found_or_refused, Diagnostic):
                    problems.append(found_or_refused)
                else:
                    found.append(found_or_refused)
    return found, problems


def _regular(path: str, mode: int, cwd: str) -> Path | Diagnostic:
    if not stat.S_ISREG(mode):
        return _at(path, cwd, _not_regular(file_kind(mode)))
    if not is_utf8(path):
        return _at(path, cwd, _NOT_UTF8)
    return ScannedPath(path)


def _at(path: str, cwd: str, message: str) -> Diagnostic:
    return Diagnostic(printable(display_path(path, cwd)), 1, 1, "", message)


@dataclass(frozen=True)
class PolicyDocument(Located):
    """A valid Policy document, with where it came from."""

    policy: Policy
    file: str
    positions: dict[str, Position]
    file_sha256: str

    def hash_part(self) -> tuple[str, str, str, str]:
        return (self.file, f"Policy {self.policy.metadata.name}", self.file_sha256, "")


@dataclass(frozen=True)
class DefaultsDocument(Located):
    """A valid Defaults document, with where it came from."""

    defaults: Defaults
    file: str
    positions: dict[str, Position]
    file_sha256: str

    @property
    def spec(self) -> DefaultsSpec:
        return self.defaults.spec

    def line_of(self, path: str) -> str:
        """``file:line`` of a value, as plans name where a setting comes from."""
        return f"{self.file}:{self.position(path)[0]}"

    def hash_part(self) -> tuple[str, str, str, str]:
        return (self.file, f"Defaults {self.defaults.metadata.name}", self.file_sha256, "")


class DefaultsFinder:
    """The Defaults that apply to a directory: its own and those of the directories
    above it, up to the repository's root, nearest first.

    A campaign's settings must not depend on which paths a run was given: planning one
    manifest of a tree applies the Defaults beside it even when that file was not named.
    So each directory on the way up is listed once (and remembered), and those of its
    YAML files that may hold one (``kind: Defaults``) are read; a file that cannot be
    read is an error, as the settings it may give are unknown. A directory may hold one
    Defaults document: two are an error at each, naming the other.
    """

    def __init__(self, source_paths: SourcePaths) -> None:
        self._paths = source_paths
        self._own: dict[str, DefaultsDocument | None] = {}
        self._chains: dict[str, tuple[DefaultsDocument, ...]] = {}
        self.diagnostics: list[Diagnostic] = []
        self.seen: set[str] = set()
        """The files (as displayed) in which a Defaults document was found."""
        self.used: dict[str, DefaultsDocument] = {}
        """Every Defaults document found, by its file: what the plan was made from."""
        self.sniffed: dict[str, bool] = {}
        """Whether a file the load read already (by its path through its real directory)
        may hold a Defaults document: not read a second time here."""

    def chain(self, manifest: Path | str) -> list[DefaultsDocument]:
        """The Defaults that apply to a manifest file, nearest first: found once per
        directory (the manifests of one directory share them)."""
        start = self._paths.dir_of(manifest)
        found = self._chains.get(start)
        if found is None:
            above = map(self.of_directory, self._paths.up_to_root(start))
            found = self._chains[start] = tuple(own for own in above if own is not None)
        return list(found)

    def of_directory(self, directory: str) -> DefaultsDocument | None:
        """A (real) directory's own Defaults document, if it holds a valid one."""
        if directory in self._own:
            return self._own[directory]
        documents: list[tuple[Document, Defaults | None]] = []
        for path in files_in(directory):
            if is_manifest_name(path):
                documents.extend(self._defaults_in(path))
        if len(documents) > 1:
            marks = [diagnostic_at(d.file, d.locate(("kind",)), "kind", "") for d, _ in documents]
            for mark in marks:
                others = ", ".join(f"{m.file}:{m.line}:{m.column}" for m in marks if m is not mark)
                message = (
                    f"a second Defaults document in this directory (also at {others}); a "
                    "directory may have one, which applies to every campaign at or below it: "
                    "merge them"
                )
                self.diagnostics.append(replace(mark, message=message))
        valid = [
            DefaultsDocument(model, d.file, _key_positions(d), d.file_sha256)
            for d, model in documents
            if model is not None
        ]
        own = valid[0] if len(documents) == 1 and valid else None
        if own is not None:
            self.used[own.file] = own
        self._own[directory] = own
        return own

    def _defaults_in(self, path: str) -> list[tuple[Document, Defaults | None]]:
        sniffed = self.sniffed.get(path)
        if sniffed is False:
            return []  # read by the load already, and no Defaults in it: no lstat either
        display = display_path(path, self._paths.cwd)
        try:
            real, _ = self._paths.real_file(path)
            if not inside(real, self._paths.root_of(self._paths.dir_of(path))):
                return []  # a link out of the repository: refused where it is scanned
            if sniffed is None:
                sniffed = bool(_MAY_BE_DEFAULTS.search(read_capped(path, MAX_FILE_BYTES)))
        except (TooBig, NotRegular):
            return []  # refused as a manifest where it is scanned or named
        except OSError as exc:
            self.diagnostics.append(
                Diagnostic(
                    display,
                    1,
                    1,
                    "",
                    f"cannot read it ({exc.strerror}): a Defaults document in it would apply "
                    "to the campaigns below this directory",
                )
            )
            return []
        if not sniffed:
            return []  # no Defaults in it, whatever else the file is
        loaded, problems = load_documents(Path(path), display, TRACKED_PATHS)
        self.diagnostics.extend(problems)
        found: list[tuple[Document, Defaults | None]] = []
        for document in loaded:
            if isinstance(document.data, dict) and document.data.get("kind") == DEFAULTS_KIND:
                self.seen.add(document.file)
                model, problems = _document_of(document)
                self.diagnostics.extend(problems)
                found.append((document, model if isinstance(model, Defaults) else None))
        return found


_MAY_BE_DEFAULTS = re.compile(rb"""kind["']?\s*:\s*["']?Defaults\b""")
"""A file beside or above the manifests is read as YAML only if it may hold a Defaults
document: another YAML file there (a CI or docs configuration) is none of ours, and its
problems are not reported."""
_MAY_BE_DEFAULTS_TEXT = re.compile(_MAY_BE_DEFAULTS.pattern.decode(), re.ASCII)
"""The same test on text read as UTF-8 (ASCII classes: as on its bytes)."""


def _key_positions(document: Document) -> dict[str, Position]:
    """A Defaults document's positions, each setting's at its key: ``retry_config:`` is
    the line a plan names, not the first line of the object below it."""
    positions = dict(document.positions)
    for path in ("spec", *(f"spec.{setting}" for setting in DEFAULTED)):
        if path in positions:
            mark = document.locate(tuple(path.split(".")), key=True)
            positions[path] = (mark.line + 1, mark.column + 1)
    return positions


@dataclass
class Loaded:
    """One chunk of files, read: its campaign manifests, its policies, the Defaults that
    apply to them, every problem."""

    manifests: list[Manifest]
    policies: list[PolicyDocument]
    diagnostics: list[Diagnostic]
    defaults: list[DefaultsDocument] = field(default_factory=list)


def load_files(files: list[Path], cache: FileCache | None = None) -> Loaded:
    """The files, each loaded, or restored from ``cache`` when an entry of its bytes is
    there and what it points at is unchanged (content_cache.py)."""
    loading = _Loading(SourcePaths(), cache)
    # All read first, so that the Defaults search does not read them again, and the
    # cache reads each shard once for all of them.
    read = [loading.read(file) for file in files]
    keys = [loading.key(file, text) for file, (text, _) in zip(files, read, strict=True)]
    if cache is not None:
        cache.expect(key for key in keys if key is not None)
    for file, (text, problem), key in zip(files, read, keys, strict=True):
        loading.file(file, text, problem, key)
    loading.loaded.diagnostics.extend(loading.finder.diagnostics)
    loading.loaded.defaults.extend(loading.finder.used.values())
    return loading.loaded


class _Loading:
    """One run of ``load_files``: what its files share (the CSVs read, the Defaults found,
    the cache) and what they gave."""

    def __init__(self, source_paths: SourcePaths, cache: FileCache | None) -> None:
        self.paths = source_paths
        self.cache = cache
        self.contacts: dict[str, ContactsFile | None] = {}
        self.finder = DefaultsFinder(source_paths)
        self.loaded = Loaded([], [], [])

    def read(self, file: Path) -> tuple[str | None, Diagnostic | None]:
        """A file's text, or why it is not readable; the Defaults search is told whether
        the text may hold one."""
        read = read_text(file, display_path(file, self.paths.cwd), MAX_FILE_BYTES, "the manifest")
        if read[0] is not None:
            may_be = bool(_MAY_BE_DEFAULTS_TEXT.search(read[0]))
            self.finder.sniffed[self.paths.in_real_dir(file)] = may_be
        return read

    def key(self, file: Path, text: str | None) -> str | None:
        """The file's key in the cache (None: no cache, or a file not read)."""
        if self.cache is None or text is None:
            return None
        display = display_path(file, self.paths.cwd)
        return self.cache.key(
            self.paths.cwd, str(file), display, isinstance(file, ScannedPath), text
        )

    def file(
        self, file: Path, text: str | None, problem: Diagnostic | None, key: str | None
    ) -> None:
        """One file (its text as read, its key), restored from the cache or loaded; a file
        that loads without a problem, whose documents are all campaigns, is added to the
        cache."""
        display = display_path(file, self.paths.cwd)
        cache, entry = self.cache, None
        if cache is not None and text is not None and key is not None:
            if self._restored(file, display, text, cache.read(key)):
                return
            entry = cache.start(key)
        documents: list[Document] = []
        if text is None:
            problems = [problem] if problem else []
        else:
            documents, problems = documents_of_text(text, display, TRACKED_PATHS)
        if isinstance(file, ScannedPath) and _not_a_manifest(documents, problems):
            skipped = Diagnostic(display, 1, 1, "", NOT_A_MANIFEST, "warning", "not_a_manifest")
            self.loaded.diagnostics.append(skipped)
            return
        self.loaded.diagnostics.extend(problems)
        clean = entry is not None and not problems and bool(documents)
        for document in documents:
            clean, kept = self._document(file, document, clean)
            if kept is not None and cache is not None and entry is not None:
                cache.add(entry, id(kept[0]), kept[1])
        if clean and cache is not None and entry is not None:
            cache.keep(entry)

    def _restored(
        self, file: Path, display: str, text: str, cached: list[CachedDocument] | None
    ) -> bool:
        if cached is None or self.cache is None:
            return False
        file_sha256 = hashlib.sha256(text.encode("utf-8")).hexdigest()
        where = (file, display, file_sha256)
        return _restore(
            where, cached, self.paths, self.contacts, self.finder, self.cache, self.loaded
        )

    def _document(
        self, file: Path, document: Document, clean: bool
    ) -> tuple[bool, tuple[Manifest, CachedDocument] | None]:
        """One document of a file, given whether the file is clean so far: whether it
        still is, and the manifest to cache with its entry when so."""
        model, problems = _document_of(document)
        self.loaded.diagnostics.extend(problems)
        clean = clean and isinstance(model, Campaign) and not problems
        if isinstance(model, Policy):
            self.loaded.policies.append(
                PolicyDocument(model, document.file, document.positions, document.file_sha256)
            )
            return clean, None
        if isinstance(model, Defaults):
            self._defaults(file, document)
            return clean, None
        # The CSV is checked even when the manifest has other errors: all at once.
        source = _source_of(document.data)
        if source is None:
            return False, None
        known = len(self.contacts)
        contacts, problems = _contacts_of(file, document, source, self.paths, self.contacts)
        self.loaded.diagnostics.extend(problems)
        # A CSV said once for two manifests has its findings with the first only: the
        # second's entry says so (``said``), and is taken only once the CSV is read.
        said = len(self.contacts) > known
        clean = clean and plain_json(document.data)
        if model is None or contacts is None:
            return False, None
        campaign, sources, defaults_at = effective(model, self.finder.chain(file))
        manifest = Manifest(
            campaign,
            document.file,
            contacts,
            document.positions,
            document.file_sha256,
            sources,
            defaults_at,
        )
        self.loaded.manifests.append(manifest)
        if not clean:
            return False, None
        return True, (manifest, _cached(document, source, contacts, problems, said))

    def _defaults(self, file: Path, document: Document) -> None:
        """A Defaults document met among the manifests: it must be one the finder finds
        from the campaigns it applies to."""
        self.finder.of_directory(self.paths.dir_of(file))
        if document.file not in self.finder.seen:
            message = (
                "this Defaults document is not found from the campaigns it would "
                "apply to: write its kind plainly, `kind: Defaults`"
            )
            self.loaded.diagnostics.append(
                diagnostic_at(document.file, document.locate(("kind",)), "kind", message)
            )


def _cached(
    document: Document,
    source: str,
    contacts: ContactsFile,
    findings: list[Diagnostic],
    said: bool,
) -> CachedDocument:
    return CachedDocument(
        document.data,
        document.positions,
        source,
        contacts.path,
        contacts.sha256,
        contacts.display,
        contacts.content,
        contacts.size,
        contacts.rows,
        contacts.columns,
        contacts.empty,
        findings,
        said,
    )


def _restore(
    where: tuple[Path, str, str],
    cached: list[CachedDocument],
    source_paths: SourcePaths,
    contacts_cache: dict[str, ContactsFile | None],
    finder: DefaultsFinder,
    cache: FileCache,
    loaded: Loaded,
) -> bool:
    """A cached file's manifests, as loading it would give them, if its CSVs are the
    bytes the entry was made from; False (and nothing done) otherwise. The campaign is
    validated again from its YAML, and its Defaults applied as they are now."""
    file, display, file_sha256 = where
    checked: list[tuple[CachedDocument, Campaign, ContactsFile | None, list[Diagnostic]]] = []
    for item in cached:
        target, _ = source_paths.resolve(str(file), item.csv, links=False)
        if target != item.target or item.data.get("kind") != KIND:
            return False
        if item.data.get("apiVersion") != API_VERSION:
            return False
        try:
            campaign = Campaign.model_validate(item.data)
        except ValidationError:
            return False
        earlier = next((c[0] for c in checked if c[0].target == target), None)
        if earlier is not None:  # another document of this file, before: its bytes
            if earlier.csv_sha256 != item.csv_sha256:
                return False
            checked.append((item, campaign, None, []))
            continue
        if target in contacts_cache:  # read by a manifest before: its bytes, now
            known = contacts_cache[target]
            if known is None or known.sha256 != item.csv_sha256:
                return False  # what the entry found (places, verdict) is of other bytes
            checked.append((item, campaign, None, []))
            continue
        if not item.said:
            return False  # its CSV's findings are with the manifest that read it first
        try:
            raw = read_capped(target, MAX_CSV_BYTES, follow=False)
        except (OSError, TooBig, NotRegular):
            return False
        sha256 = hashlib.sha256(raw).hexdigest()
        if sha256 != item.csv_sha256:
            return False
        read = ContactsFile(
            target,
            item.display,
            sha256,
            item.content,
            item.size,
            item.rows,
            item.columns,
            item.empty,
            b"",  # not kept: read again if ever needed (contacts.py ``bytes_of``)
        )
        checked.append((item, campaign, read, item.findings))
    for item, campaign, fresh, findings in checked:
        if fresh is not None:
            contacts_cache[item.target] = fresh
            loaded.diagnostics.extend(findings)
        contacts = contacts_cache[item.target]  # a CSV used twice is reported once
        if contacts is None:
            continue
        campaign, sources, defaults_at = effective(campaign, finder.chain(file))
        manifest = Manifest(
            campaign,
            display,
            contacts,
            item.positions,
            file_sha256,
            sources,
            defaults_at,
        )
        loaded.manifests.append(manifest)
        cache.restored(id(manifest), item.held)
    return True


def _not_a_manifest(documents: list[Document], problems: list[Diagnostic]) -> bool:
    """Whether a file read whole holds no document that looks like a manifest (one that
    has any of its top-level keys). A file with YAML errors might: it is not skipped."""
    if problems and not (len(problems) == 1 and problems[0].kind == "empty_file"):
        return False
    return not any(
        isinstance(d.data, dict) and any(key in d.data for key in _MANIFEST_KEYS) for d in documents
    )


_MANIFEST_KEYS = ("apiVersion", "kind", "metadata", "spec")


def manifests_hash(manifests: Sequence[Manifest]) -> str:
    """What a plan was made from: every manifest file's bytes and its CSV's. Apply
    compares it to refuse a saved plan whose manifests have changed since (an edited
    comment counts: the reviewed files are the ones that must be applied)."""
    return hash_of_parts([manifest.hash_part() for manifest in manifests])


def hash_of_parts(parts: Iterable[tuple[str, str, str, str]]) -> str:
    digest = hashlib.sha256()
    for part in sorted(set(parts)):  # a Defaults file above two chunks is one part
        digest.update(("\0".join(part) + "\n").encode("utf-8"))
    return digest.hexdigest()


KINDS: dict[str, type[Campaign] | type[Policy] | type[Defaults]] = {
    KIND: Campaign,
    POLICY_KIND: Policy,
    DEFAULTS_KIND: Defaults,
}
_KNOWN_KEYS_OF = {
    KIND: _KNOWN_KEYS,
    POLICY_KIND: known_keys_of(Policy),
    DEFAULTS_KIND: known_keys_of(Defaults),
}


_NOT_DEFAULTED = (
    "state is never defaulted: only a manifest's own `state: running` starts a campaign; "
    "remove it here"
)


def _document_of(
    document: Document,
) -> tuple[Campaign | Policy | Defaults | None, list[Diagnostic]]:
    data, file, root = document.data, document.file, document.root
    if not isinstance(data, dict):
        return None, [
            diagnostic_at(
                file,
                root.start_mark,
                "",
                "a manifest must be a mapping with apiVersion, kind, metadata and spec; "
                f"this document is {_what(data)}",
            )
        ]
    envelope = []
    *first, last = KINDS
    kinds = f"{', '.join(first)} or {last}"
    if data.get("apiVersion") != API_VERSION:
        if "apiVersion" not in data:
            message = f"'apiVersion' is required; this tool supports apiVersion: {API_VERSION}"
            envelope.append(diagnostic_at(file, root.start_mark, "apiVersion", message))
        else:
            message = (
                f"unsupported apiVersion {data['apiVersion']!r}; this tool supports "
                f"apiVersion: {API_VERSION}"
            )
            envelope.append(
                diagnostic_at(file, document.locate(("apiVersion",)), "apiVersion", message)
            )
    if data.get("kind") not in KINDS:
        if "kind" not in data:
            message = f"'kind' is required; this tool supports kind: {kinds}"
            envelope.append(diagnostic_at(file, root.start_mark, "kind", message))
        else:
            message = f"unsupported kind {data['kind']!r}; this tool supports kind: {kinds}"
            envelope.append(diagnostic_at(file, document.locate(("kind",)), "kind", message))
    if envelope:
        return None, envelope
    kind = KINDS[data["kind"]]
    try:
        return kind.model_validate(data), []
    except ValidationError as exc:
        found = []
        for error in exc.errors(include_url=False):
            problem = problem_from_error(error, _KNOWN_KEYS_OF[data["kind"]])
            if problem is None:
                continue
            if data["kind"] == DEFAULTS_KIND and problem.loc == ("spec", "state"):
                problem = replace(problem, message=_NOT_DEFAULTED)
            mark = document.locate(problem.loc, key=problem.at_key)
            found.append(diagnostic_at(file, mark, format_path(problem.loc), problem.message))
        return None, found


def _source_of(data: Any) -> str | None:
    """``spec.source.csv`` if it is usable as a path, whatever else is wrong."""
    try:
        value = data["spec"]["source"]["csv"]
    except (KeyError, TypeError):
        return None
    if isinstance(value, str) and value.lower().endswith(".csv"):
        return value
    return None


def _contacts_of(
    file: Path,
    document: Document,
    value: str,
    source_paths: SourcePaths,
    cache: dict[str, ContactsFile | None],
) -> tuple[ContactsFile | None, list[Diagnostic]]:
    target, refusal = source_paths.resolve(str(file), value, links=False)
    if target is not None and target in cache:  # a CSV used twice is reported once
        return cache[target], []
    raw: bytes | None = None
    while target is not None and raw is None:
        display = display_path(target, source_paths.cwd)
        try:
            raw = read_capped(target, MAX_CSV_BYTES, follow=False)
        except TooBig as big:
            return None, [Diagnostic(display, 1, 1, "", too_big(big.size))]
        except FileNotFoundError:
            refusal = _missing(value, target, "does not exist")
            target = None
        except NotRegular as odd:
            reason = "a file" if odd.kind == "a directory" else "a regular file"
            refusal = _missing(value, target, f"is {odd.kind}, not {reason}")
            target = None
        except OSError as exc:
            if exc.errno != errno.ELOOP or os.path.realpath(target) == target:
                return None, [
                    Diagnostic(display, 1, 1, "", f"cannot read the contacts file: {exc.strerror}")
                ]
            target, refusal = source_paths.through_link(target, value)  # a symbolic link
    if target is None or raw is None:
        # Fixed in the manifest, so reported at the line that names the file.
        mark = document.locate(("spec", "source", "csv"))
        return None, [diagnostic_at(document.file, mark, "spec.source.csv", str(refusal))]
    contacts, findings = contacts_of_bytes(raw, target, display_path(target, source_paths.cwd))
    cache[target] = contacts
    return contacts, findings


def _missing(value: str, target: str, reason: str) -> str:
    resolved = display_path(target)
    shown = f" ({resolved})" if resolved != value else ""
    return f"the contacts file '{value}' {reason}{shown}"


def _what(data: Any) -> str:
    if isinstance(data, list):
        return "a list"
    if isinstance(data, str):
        return "a plain string (is the file YAML?)"
    return f"a single value ({data!r})"
