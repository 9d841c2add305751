"""Every value the tool prints, escaped for where it is printed.

Manifest values, YAML keys, file names and what Dograh answers (a live campaign's name
is nobody's validated input) all end up in a terminal, in a CI log or in a pull-request
comment. Each of those media acts on some characters: a terminal on ESC and the
bidirectional overrides, a CI log on a line that starts with ``::`` (a GitHub Actions
workflow command) or holds ``##[`` anywhere (the runner's legacy form), Markdown on
backticks, pipes and newlines. Here each value is made inert for its medium, so that
what a reviewer reads is what the value is.

- ``text``: the characters of reconciler/manifest/characters.py (controls, format
  characters, line and paragraph separators, lone surrogates) as ``\\n``, ``\\r``,
  ``\\t``, ``\\xNN``, ``\\uNNNN`` or ``\\UNNNNNNNN``, and ``##[`` as ``##\\x5b``. A
  backslash is left as it is: the escaped form is for reading (JSON is the exact form).
  With ``line_start``, a value that begins a line does not begin it with ``::``.
- ``markdown``: text, then the characters that are Markdown syntax inside a line
  (backslash, backticks, emphasis, brackets, HTML, entities, pipes, strikethrough,
  math) backslash-escaped; for prose in lists and table cells. GitHub's own filters
  after Markdown (``@mention``, ``#123``, ``:emoji:``) read text, not syntax: no escape
  stops them outside code, which is why names are shown as code.
- ``markdown_code``: text as an inline code span whose fence is longer than any run of
  backticks inside; in a table cell, pipes as ``\\|``, which GitHub's table parser
  takes as part of the cell, even after a backslash.
- ``json_text``: JSON already escapes newlines and the C0 controls; the rest of the
  set, and ``##[`` (which can only occur inside a string), become JSON ``\\u`` escapes,
  so the document decodes to exactly the same values.

A file name whose bytes are not UTF-8 is made printable where it is found
(``reconciler.manifest.paths.printable``), before it becomes a diagnostic.
"""

from __future__ import annotations

import re

from reconciler.manifest.characters import CLASS

_TEXT = re.compile(f"[{CLASS}]|##\\[")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "##[": "##\\x5b"}
_MARKDOWN = re.compile(r"[\\`*\[\]<>&|~$]|(?<![^\W_])_|_(?![^\W_])")
"""Markdown's inline syntax; an underscore between letters or digits (``max_retries``)
cannot start or end emphasis in GFM, and stays as it is."""
_BACKTICKS = re.compile("`+")


def code_escape(char: str) -> str:
    """``\\xNN``, ``\\uNNNN`` or ``\\UNNNNNNNN``: a form Python, YAML and a reader share."""
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def _escaped(match: re.Match[str]) -> str:
    found = match.group()
    return _NAMED.get(found) or code_escape(found)


def plain(value: str) -> bool:
    """Whether ``value`` is ASCII without a character to escape: of the set, ASCII holds
    only the C0 controls and DEL, exactly what ``isprintable`` refuses there. Most values
    are such names, and this test is cheaper than the search for the whole set."""
    return value.isascii() and value.isprintable() and "##[" not in value


def text(value: str, *, line_start: bool = False) -> str:
    """``value`` for a terminal or a CI log: one line, nothing a terminal acts on."""
    if not plain(value) and _TEXT.search(value) is not None:
        value = _TEXT.sub(_escaped, value)
    if line_start and value.lstrip().startswith("::"):
        at = value.index(":")
        value = f"{value[:at]}\\x3a{value[at + 1 :]}"
    return value


def markdown(value: str) -> str:
    """``value`` as Markdown prose that renders as exactly its text."""
    return _MARKDOWN.sub(r"\\\g<0>", text(value))


def markdown_code(value: str, *, table: bool = False) -> str:
    """``value`` as an inline code span (in a table cell with ``table``)."""
    body = text(value)
    if table:
        body = body.replace("|", "\\|")
    longest = max((len(run) for run in _BACKTICKS.findall(body)), default=0)
    fence = "`" * (longest + 1)
    # CommonMark strips one space from each side of a span that has both, and a
    # backtick against the fence would lengthen it: pad with a space each side.
    if not body or body[0] == "`" or body[-1] == "`" or (body[0] == body[-1] == " "):
        body = f" {body} "
    return f"{fence}{body}{fence}"


def json_text(document: str) -> str:
    """A JSON document that a CI log cannot read as a workflow command, and whose
    strings show no character of the set raw; the values it decodes to are unchanged."""
    if _TEXT.search(document) is None:
        return document
    return _TEXT.sub(_json_escaped, document)


def _json_escaped(match: re.Match[str]) -> str:
    found = match.group()
    if found == "##[":
        return "##\\u005b"
    if found in "\n\r\t":  # JSON's own whitespace: inside strings, already escaped
        return found
    code = ord(found)
    if code < 0x10000:
        return f"\\u{code:04x}"
    code -= 0x10000  # beyond the BMP, JSON escapes a UTF-16 surrogate pair
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"
