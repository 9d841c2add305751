"""Reading manifest files as YAML, keeping every node's file, line and column.

A manifest is untrusted input that arrives through a pull request, so reading it must
be safe and bounded whatever the bytes are: only a regular file is read (a FIFO would
block forever, a device never end), the size is checked before reading, the bytes must
be UTF-8 text, the C parser bounds nesting, and the conversion to Python bounds depth
and the number of nodes (an alias bomb is refused, not expanded). Locating errors costs
one walk of the document however many there are (``Locator``).

Scalars follow the YAML 1.2 core schema, as yaml-language-server and check-jsonschema
do, rather than PyYAML's YAML 1.1 default: ``end: 17:00`` is the string ``"17:00"``
(YAML 1.1 would read the number 1020) and ``no`` is a string, not ``false``. What the
editor shows as valid is what this tool accepts.
"""

from __future__ import annotations

import functools
import hashlib
import math
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reconciler.diagnostics import Diagnostic

if TYPE_CHECKING:
    import yaml

MAX_FILE_BYTES = 1024 * 1024
"""A manifest is a few kilobytes; anything near a megabyte is not a manifest."""

MAX_DEPTH = 32
"""A manifest nests six levels deep; the C parser alone would allow a thousand."""

MAX_NODES = 10_000
"""Nodes per document after alias expansion; a manifest has about a hundred."""

STR = "tag:yaml.org,2002:str"
INT = "tag:yaml.org,2002:int"
FLOAT = "tag:yaml.org,2002:float"
BOOL = "tag:yaml.org,2002:bool"
NULL = "tag:yaml.org,2002:null"
MAP = "tag:yaml.org,2002:map"
SEQ = "tag:yaml.org,2002:seq"


_CORE_RESOLVERS = [
    (NULL, r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
    (BOOL, r"^(?:true|True|TRUE|false|False|FALSE)$", list("tTfF")),
    (INT, r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$", list("-+0123456789")),
    (
        FLOAT,
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
        list("-+.0123456789"),
    ),
]
_IMPLICIT: dict[str, list[tuple[str, re.Pattern[str]]]] = {}
for _tag, _pattern, _first in _CORE_RESOLVERS:
    for _char in _first:
        _IMPLICIT.setdefault(_char, []).append((_tag, re.compile(_pattern)))


@functools.cache
def _loader() -> type[yaml.SafeLoader]:
    """PyYAML and the loader built on it, on the first document parsed: a warm run
    restores every file from the content cache and parses none, and the import costs
    ~20 ms of its start-up. Binds the module's ``yaml`` for the code below."""
    global yaml
    import yaml

    base: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class _Loader(base):  # type: ignore[valid-type,misc]
        """The safe loader with the YAML 1.2 core schema's implicit types, nothing else.

        ``resolve`` replaces PyYAML's general resolver (path resolvers, YAML 1.1 types):
        the C parser calls it once per node, and this one is several times faster.
        """

        def resolve(
            self, kind: type[yaml.Node], value: str | None, implicit: tuple[bool, bool]
        ) -> str:
            if kind is yaml.ScalarNode:
                if implicit[0] and value is not None:
                    for tag, pattern in _IMPLICIT.get(value[:1], ()):
                        if pattern.match(value):
                            return tag
                return STR
            return SEQ if kind is yaml.SequenceNode else MAP

    return _Loader


Position = tuple[int, int]
"""A 1-based (line, column)."""

EMPTY = "the file is empty: it holds no campaign manifest"


@dataclass
class Document:
    """One YAML document of a file: the node tree (for locations) and its Python value."""

    file: str
    index: int
    root: yaml.Node
    data: Any
    positions: dict[str, Position]
    """Where the values of the tracked paths start (see ``load_documents``)."""
    file_sha256: str
    """Of the whole file's bytes: what a saved plan records of its manifests."""

    @functools.cached_property
    def _locator(self) -> Locator:
        return Locator(self.root)

    def locate(self, path: tuple[Any, ...], *, key: bool = False) -> yaml.Mark:
        """As ``locate``, through one index of the document for all its errors."""
        return self._locator.mark(path, key=key)


class _Refused(Exception):
    """Stops the conversion of a document that is too deep or too large."""

    def __init__(self, node: yaml.Node, message: str) -> None:
        super().__init__(message)
        self.node = node
        self.message = message


def diagnostic_at(file: str, mark: yaml.Mark | None, path: str, message: str) -> Diagnostic:
    if mark is None:
        return Diagnostic(file, 1, 1, path, message)
    return Diagnostic(file, mark.line + 1, mark.column + 1, path, message)


def _position_of_offset(data: bytes, offset: int) -> tuple[int, int]:
    before = data[:offset]
    line = before.count(b"\n") + 1
    column = offset - (before.rfind(b"\n") + 1) + 1
    return line, column


class TooBig(Exception):
    def __init__(self, size: int) -> None:
        super().__init__(size)
        self.size = size


class NotRegular(Exception):
    """The path is a FIFO, a device, a socket or a directory: nothing to read as a file."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


_KINDS = {
    stat.S_IFDIR: "a directory",
    stat.S_IFIFO: "a FIFO",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFSOCK: "a socket",
}


def file_kind(mode: int) -> str:
    """What a file that is not a regular one is, for messages: ``a FIFO``."""
    return _KINDS.get(stat.S_IFMT(mode), "not a regular file")


def read_capped(path: Path | str, limit: int, *, follow: bool = True) -> bytes:
    """The file's bytes, with one open and one fstat: on ten thousand files the
    syscalls of ``stat()`` then ``read_bytes()``, and Python's file objects, cost more
    than the parsing. TooBig (over ``limit``) and NotRegular are raised before a byte is
    read: the open does not wait (O_NONBLOCK) and fstat on the open descriptor decides, so
    a file swapped after a scan is caught too. ``follow=False``: a link raises ELOOP."""
    flags = os.O_RDONLY | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NONBLOCK", 0)
    if not follow:
        flags |= getattr(os, "O_NOFOLLOW", 0)
    descriptor = os.open(path, flags)
    try:
        status = os.fstat(descriptor)
        if not stat.S_ISREG(status.st_mode):
            raise NotRegular(file_kind(status.st_mode))
        size = status.st_size
        if size > limit:
            raise TooBig(size)
        chunks = []
        total = 0
        while chunk := os.read(descriptor, size + 1 if size else 65536):
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:  # it grew while being read
                raise TooBig(total)
        return b"".join(chunks)
    finally:
        os.close(descriptor)


def read_text(
    path: Path | str, display: str, limit: int, what: str
) -> tuple[str | None, Diagnostic | None]:
    """The file's text, or a diagnostic saying why it is not readable text."""
    try:
        raw = read_capped(path, limit)
    except TooBig as big:
        message = f"{what} is {_human_size(big.size)}, larger than the {_human_size(limit)} limit"
        return None, Diagnostic(display, 1, 1, "", message)
    except NotRegular as odd:
        return None, Diagnostic(
            display, 1, 1, "", f"{what} is {odd.kind}, not a regular file; only files are read"
        )
    except OSError as exc:
        return None, Diagnostic(display, 1, 1, "", f"cannot read {what}: {exc.strerror}")
    return decode_text(raw, display, what)


def decode_text(raw: bytes, display: str, what: str) -> tuple[str | None, Diagnostic | None]:
    """The bytes as UTF-8 text, or why they are not: binary, or the first bad byte."""
    nul = raw.find(b"\x00")
    if nul >= 0:
        line, column = _position_of_offset(raw, nul)
        return None, Diagnostic(
            display, line, column, "", f"{what} is binary, not text (a NUL byte)"
        )
    try:
        return raw.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        line, column = _position_of_offset(raw, exc.start)
        byte = raw[exc.start : exc.start + 1].hex()
        return None, Diagnostic(
            display,
            line,
            column,
            "",
            f"{what} is not UTF-8 text: byte 0x{byte} at offset {exc.start} is not valid "
            "UTF-8; save the file as UTF-8",
        )


def _human_size(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MiB".replace(".0 MiB", " MiB")
    if size >= 1024:
        return f"{size / 1024:.1f} KiB".replace(".0 KiB", " KiB")
    return f"{size} bytes"


def load_documents(
    path: Path, display: str, track: frozenset[str] = frozenset()
) -> tuple[list[Document], list[Diagnostic]]:
    """Every non-empty document of one file, or the diagnostics that stop it.

    ``track`` names dotted paths (such as ``spec.workflow``, at most three deep) whose
    positions each document keeps for the messages of later stages, which need a dozen
    places and not the node tree.

    A syntax error stops the whole file (the parser cannot resynchronise); problems
    inside one document (a duplicate key, an unsupported tag) are reported and that
    document is dropped, while the file's other documents are still returned.
    """
    text, problem = read_text(path, display, MAX_FILE_BYTES, "the manifest")
    if problem is not None or text is None:
        return [], [problem] if problem else []
    return documents_of_text(text, display, track)


def documents_of_text(
    text: str, display: str, track: frozenset[str] = frozenset()
) -> tuple[list[Document], list[Diagnostic]]:
    """``load_documents`` of text already read (a file at a git revision, say): the
    same YAML 1.2 reading, so that a manifest means the same wherever it is read from."""
    loader = _loader()  # imports PyYAML, bound to ``yaml`` below
    try:
        roots = list(yaml.compose_all(text, Loader=loader))
    except yaml.MarkedYAMLError as exc:
        message = " ".join(part for part in (exc.context, exc.problem) if part) or "invalid YAML"
        return [], [diagnostic_at(display, exc.problem_mark, "", f"invalid YAML: {message}")]
    except yaml.YAMLError as exc:
        return [], [Diagnostic(display, 1, 1, "", f"invalid YAML: {exc}")]
    except RecursionError:  # the pure-Python composer recurses; libyaml refuses earlier
        return [], [Diagnostic(display, 1, 1, "", "invalid YAML: nested too deeply")]

    documents: list[Document] = []
    diagnostics: list[Diagnostic] = []
    file_sha256 = hashlib.sha256(text.encode("utf-8")).hexdigest()
    for index, root in enumerate(roots):
        if root is None or (root.tag == NULL and isinstance(root, yaml.ScalarNode)):
            continue  # an empty document, such as the one after a trailing '---'
        converter = _Converter(display, track)
        try:
            data = converter.convert(root, 0)
        except _Refused as refusal:
            diagnostics.append(diagnostic_at(display, refusal.node.start_mark, "", refusal.message))
            continue
        if converter.diagnostics:
            diagnostics.extend(converter.diagnostics)
            continue
        documents.append(Document(display, index, root, data, converter.positions, file_sha256))
    if not documents and not diagnostics:
        diagnostics.append(Diagnostic(display, 1, 1, "", EMPTY, kind="empty_file"))
    return documents, diagnostics


class _Converter:
    """Node tree to Python values, bounded, with duplicate keys reported.

    It also notes where the values of the ``track`` paths (dotted, mappings only) start,
    while it passes them anyway. It is on the hot path of loading thousands of files,
    hence the fast paths for plain strings.
    """

    def __init__(self, file: str, track: frozenset[str] = frozenset()) -> None:
        self.file = file
        self.nodes = 0
        # The tracked paths' own string objects are the keys, so that pickling ten
        # thousand documents' positions (sent back from a worker process) shares them.
        self.track = {path: path for path in track}
        self.positions: dict[str, Position] = {}
        self.diagnostics: list[Diagnostic] = []

    def convert(self, node: yaml.Node, depth: int, path: str = "") -> Any:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise _Refused(
                node,
                f"the document has more than {MAX_NODES:,} values once its aliases are "
                "expanded (an alias bomb?); a manifest needs a few dozen",
            )
        if depth > MAX_DEPTH:
            raise _Refused(node, f"the document nests deeper than {MAX_DEPTH} levels")
        canonical = self.track.get(path)
        if canonical is not None:
            self.positions[canonical] = (node.start_mark.line + 1, node.start_mark.column + 1)
        tag = node.tag
        if tag == STR and type(node) is yaml.ScalarNode:
            return node.value
        if isinstance(node, yaml.ScalarNode):
            return self._scalar(node)
        if isinstance(node, yaml.SequenceNode):
            if tag != SEQ:
                raise _Refused(node, f"the YAML tag {tag} is not supported")
            return [self.convert(item, depth + 1, "\0") for item in node.value]
        if isinstance(node, yaml.MappingNode):
            if tag != MAP:
                raise _Refused(node, f"the YAML tag {tag} is not supported")
            return self._mapping(node, depth, path)
        raise _Refused(node, "unsupported YAML node")

    def _mapping(self, node: yaml.MappingNode, depth: int, path: str) -> dict[Any, Any]:
        result: dict[Any, Any] = {}
        first_seen: dict[Any, yaml.Node] = {}
        prefix = f"{path}." if path else ""
        track = self.track
        tracking = bool(track) and depth < 3
        for key_node, value_node in node.value:
            if key_node.tag == STR and type(key_node) is yaml.ScalarNode:
                key = key_node.value
            elif isinstance(key_node, yaml.ScalarNode):
                key = self._scalar(key_node)
            else:
                raise _Refused(key_node, "a key must be a plain value, not a list or mapping")
            if key in first_seen:
                first = first_seen[key].start_mark
                self.diagnostics.append(
                    diagnostic_at(
                        self.file,
                        key_node.start_mark,
                        "",
                        f"duplicate key '{key}': it is already set on line {first.line + 1}; "
                        "YAML would silently keep only the last one",
                    )
                )
                continue
            first_seen[key] = key_node
            child = f"{prefix}{key}" if tracking and isinstance(key, str) else "\0"
            if value_node.tag == STR and type(value_node) is yaml.ScalarNode and child not in track:
                self.nodes += 1  # most values: plain text, converted here without a call
                result[key] = value_node.value
            else:
                result[key] = self.convert(value_node, depth + 1, child)
        return result

    @staticmethod
    def _scalar(node: yaml.ScalarNode) -> Any:
        tag, value = node.tag, node.value
        if tag == STR:
            return value
        if tag == NULL:
            return None
        if tag == BOOL:
            if value.lower() in ("true", "false"):
                return value.lower() == "true"
        elif tag == INT:
            try:
                if value.startswith("0o"):
                    return int(value[2:], 8)
                if value.startswith("0x"):
                    return int(value[2:], 16)
                return int(value, 10)
            except ValueError:
                pass
        elif tag == FLOAT:
            lowered = value.lower()
            if lowered.endswith(".inf"):
                return -math.inf if lowered.startswith("-") else math.inf
            if lowered == ".nan":
                return math.nan
            try:
                return float(value)
            except ValueError:
                pass
        else:
            raise _Refused(node, f"the YAML tag {tag} is not supported")
        raise _Refused(node, f"{value!r} is not a valid {tag.rsplit(':', 1)[-1]}")


def locate(root: yaml.Node, path: tuple[Any, ...], *, key: bool = False) -> yaml.Mark:
    """The mark of the node at ``path`` (of keys and indices), or of its nearest parent.

    With ``key=True`` the mark of the last key itself, which is where an unknown key's
    error belongs. For one lookup; a document's many errors go through its ``Locator``.
    """
    return Locator(root).mark(path, key=key)


class Locator:
    """Every node of a document by its path, indexed in one walk, so that locating N
    errors costs one walk and N lookups: walking from the root per error cost a scan of
    the mapping's keys each, and 9,000 unknown keys took minutes.

    The walk follows aliases as the conversion did, which bounded the document to
    MAX_NODES nodes, so the index is bounded too. Where a key appears twice (reported
    already), the last one is indexed, as the walk per error found it.
    """

    def __init__(self, root: yaml.Node) -> None:
        self.root = root
        self._index: dict[tuple[Any, ...], tuple[yaml.Mark | None, yaml.Mark]] | None = None

    def mark(self, path: tuple[Any, ...], *, key: bool = False) -> yaml.Mark:
        """The mark at ``path``, or at its nearest indexed ancestor (with ``key``, that
        node's key, when it has one)."""
        index = self._index if self._index is not None else self._build()
        for end in range(len(path), -1, -1):
            found = index.get(path[:end])
            if found is not None:
                key_mark, value_mark = found
                return key_mark if key and key_mark is not None else value_mark
        return self.root.start_mark

    def _build(self) -> dict[tuple[Any, ...], tuple[yaml.Mark | None, yaml.Mark]]:
        index: dict[tuple[Any, ...], tuple[yaml.Mark | None, yaml.Mark]] = {}
        pending: list[tuple[tuple[Any, ...], yaml.Node, yaml.Mark | None]] = [((), self.root, None)]
        while pending:
            path, node, key_mark = pending.pop()
            index[path] = (key_mark, node.start_mark)
            if isinstance(node, yaml.MappingNode):
                children = []
                for key_node, value_node in node.value:
                    if not isinstance(key_node, yaml.ScalarNode):
                        continue
                    try:
                        step = _Converter._scalar(key_node)
                    except _Refused:
                        continue
                    children.append(((*path, step), value_node, key_node.start_mark))
                # Reversed onto the stack: the last of two equal keys is indexed last.
                pending.extend(reversed(children))
            elif isinstance(node, yaml.SequenceNode):
                pending.extend(
                    ((*path, i), item, None) for i, item in reversed(list(enumerate(node.value)))
                )
        self._index = index
        return index
