"""Characters that a name must not hold, because they make text mean something else
than it shows: control characters (Cc: a newline, BEL, ESC), format characters (Cf:
the bidirectional overrides, zero-width spaces, the byte order mark), the line and
paragraph separators (Zl, Zp) and lone surrogates (Cs: an undecodable file name).

The set is fixed here, from Unicode 15.0, rather than read from ``unicodedata``: the
JSON Schema carries it as a pattern, and a schema that changed with the Python that
generated it would not be the same file on every machine. tests/manifest/ checks that
it covers every such character the running Python knows.

The renderers escape the same characters in what they print (reconciler/render/escape.py),
so a value from anywhere (a live campaign's name from Dograh, a YAML key) is shown as it
is, never acted upon by a terminal or a CI log.
"""

from __future__ import annotations

import re
import unicodedata

_BMP = (
    r"\x00-\x1f\x7f-\x9f\xad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e"
    r"\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb"
)
"""The set's characters of the Basic Multilingual Plane, as a character class body that
Python's ``re`` and ECMA-262 (JSON Schema's patterns) read alike."""

_ASTRAL = (
    r"\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3"
    r"\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f"
)
"""The rest, beyond U+FFFF (tags, musical and shorthand format controls): ECMA-262
without the ``u`` flag cannot name them, so the schema leaves them to the models."""

_SURROGATES = r"\ud800-\udfff"

SCHEMA_CLASS = _BMP
"""The class body for JSON Schema patterns."""

CLASS = _BMP + _ASTRAL + _SURROGATES
"""The whole set, as a character class body for Python's ``re``."""

INVISIBLE = re.compile(f"[{CLASS}]")
"""Any character of the set."""


def first_invisible(text: str) -> tuple[int, str] | None:
    """The index and character of the first character of the set in ``text``."""
    found = INVISIBLE.search(text)
    return None if found is None else (found.start(), found.group())


def code_point(char: str) -> str:
    """``U+202E RIGHT-TO-LEFT OVERRIDE``: how a reader can look a character up. Control
    characters have no name in Unicode; their usual one is given."""
    name = unicodedata.name(char, "") or _CONTROL_NAMES.get(ord(char), "")
    if not name and 0xD800 <= ord(char) <= 0xDFFF:
        name = "SURROGATE (a byte that is not UTF-8)"
    return f"U+{ord(char):04X} {name}".rstrip()


def invisible_message(text: str) -> str | None:
    """Why ``text`` cannot be a name, or None when it holds no character of the set."""
    found = first_invisible(text)
    if found is None:
        return None
    index, char = found
    if char in _LINE_BREAKS:
        why = "a line break: a name is one line of text"
    else:
        kind = {"Cc": "a control character", "Cs": "an undecodable character"}.get(
            unicodedata.category(char), "an invisible formatting character"
        )
        why = f"{kind}: it is not shown as itself, so the name would not read as what it is"
    return f"contains {code_point(char)} at character {index + 1}, {why}; remove it"


_LINE_BREAKS = frozenset("\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")
"""What ``str.splitlines`` splits on."""


def nfc_message(text: str) -> str | None:
    """Why ``text`` is not in Unicode normalization form C, or None when it is.

    The same visible name can be spelled in several ways (``é`` as one character, or
    ``e`` and a combining accent); names are compared as written, so only the composed
    form (what keyboards and Dograh's web forms produce) is accepted.
    """
    if unicodedata.is_normalized("NFC", text):
        return None
    composed = unicodedata.normalize("NFC", text)
    start = next(
        (i for i, (a, b) in enumerate(zip(text, composed, strict=False)) if a != b),
        min(len(text), len(composed)),
    )
    start = min(start, len(text) - 1)
    while start > 0 and unicodedata.combining(text[start]):
        start -= 1
    end = start + 1
    while end < len(text) and end - start < 8:
        together = unicodedata.normalize("NFC", text[start : end + 1])
        apart = unicodedata.normalize("NFC", text[start:end]) + text[end]
        if together == apart and not unicodedata.combining(text[end]):
            break
        end += 1
    written = " + ".join(code_point(c) for c in text[start:end])
    wanted = " + ".join(code_point(c) for c in unicodedata.normalize("NFC", text[start:end]))
    return (
        f"is not in Unicode normalization form C (NFC): it has {written} where NFC has "
        f"{wanted}; write it in NFC, so that the name in git and in Dograh are the same "
        "characters"
    )


def loose_key(name: str) -> str:
    """What two names that look alike share: case and compatibility forms folded
    (``East`` and ``east``, its full-width form)."""
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", name).casefold())


_CONTROL_NAMES = {
    0x00: "NULL",
    0x01: "START OF HEADING",
    0x02: "START OF TEXT",
    0x03: "END OF TEXT",
    0x04: "END OF TRANSMISSION",
    0x05: "ENQUIRY",
    0x06: "ACKNOWLEDGE",
    0x07: "ALERT",
    0x08: "BACKSPACE",
    0x09: "CHARACTER TABULATION",
    0x0A: "LINE FEED",
    0x0B: "LINE TABULATION",
    0x0C: "FORM FEED",
    0x0D: "CARRIAGE RETURN",
    0x0E: "SHIFT OUT",
    0x0F: "SHIFT IN",
    0x10: "DATA LINK ESCAPE",
    0x11: "DEVICE CONTROL ONE",
    0x12: "DEVICE CONTROL TWO",
    0x13: "DEVICE CONTROL THREE",
    0x14: "DEVICE CONTROL FOUR",
    0x15: "NEGATIVE ACKNOWLEDGE",
    0x16: "SYNCHRONOUS IDLE",
    0x17: "END OF TRANSMISSION BLOCK",
    0x18: "CANCEL",
    0x19: "END OF MEDIUM",
    0x1A: "SUBSTITUTE",
    0x1B: "ESCAPE",
    0x1C: "INFORMATION SEPARATOR FOUR",
    0x1D: "INFORMATION SEPARATOR THREE",
    0x1E: "INFORMATION SEPARATOR TWO",
    0x1F: "INFORMATION SEPARATOR ONE",
    0x7F: "DELETE",
    0x85: "NEXT LINE",
    0x9B: "CONTROL SEQUENCE INTRODUCER",
    0x9D: "OPERATING SYSTEM COMMAND",
}
"""The formal name aliases of the control characters a terminal acts on (Unicode
gives control characters no name, only aliases, which ``unicodedata`` does not expose)."""
