"""CSV sources as Dograh reads them (docs/dograh-api.md §6, §7): decoding, parsing,
create-time checks with Dograh's exact messages, and the rows that the sync turns into queued runs.

Dograh fetches the object over HTTP and takes httpx's ``.text``: the charset of the
stored Content-Type, else UTF-8 with replacement characters, and no BOM stripping (a BOM
before ``phone_number`` makes the "must contain" error). It parses with ``csv.reader``,
lowercases and strips the headers, and checks phones only for a leading ``+``.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
from collections.abc import Collection
from dataclasses import dataclass
from email.message import Message


def decode(content: bytes, content_type: str | None) -> str:
    encoding = "utf-8"
    if content_type:
        message = Message()
        message["content-type"] = content_type
        charset = message.get_param("charset")
        if isinstance(charset, str):
            try:
                codecs.lookup(charset)
                encoding = charset
            except LookupError:
                pass
    return content.decode(encoding, errors="replace")


def parse(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def normalize_headers(headers: list[str]) -> list[str]:
    return [header.strip().lower() for header in headers]


def _format_rows(rows: list[int]) -> str:
    if len(rows) > 5:
        return f"{', '.join(map(str, rows[:5]))} and {len(rows) - 5} more"
    return ", ".join(map(str, rows))


@dataclass(frozen=True)
class CheckedSource:
    """A CSV that passed create's checks, or the 400 detail that refused it."""

    error: str | None
    headers: list[str]
    rows: list[list[str]]


def check(table: list[list[str]]) -> CheckedSource:
    """Create's checks, in Dograh's order: row count, phone column, phone format, duplicates."""
    if len(table) < 2:
        return CheckedSource("CSV file must have a header row and at least one data row", [], [])
    headers = normalize_headers(table[0])
    rows = table[1:]
    if "phone_number" not in headers:
        return CheckedSource("Source must contain a 'phone_number' column", headers, rows)
    index = headers.index("phone_number")
    invalid: list[int] = []
    for number, row in enumerate(rows, start=2):
        if len(row) <= index:
            continue
        phone = row[index].strip()
        if phone and not phone.startswith("+"):
            invalid.append(number)
    if invalid:
        return CheckedSource(
            f"Invalid phone numbers in rows: {_format_rows(invalid)}. "
            "All phone numbers must include country code (start with '+')",
            headers,
            rows,
        )
    seen: set[str] = set()
    duplicates: list[int] = []
    for number, row in enumerate(rows, start=2):
        if len(row) <= index:
            continue
        phone = row[index].strip()
        if not phone:
            continue
        if phone in seen:
            duplicates.append(number)
        seen.add(phone)
    if duplicates:
        return CheckedSource(
            f"Duplicate phone numbers found in rows: {_format_rows(duplicates)}. "
            "Phone numbers in a campaign must be unique.",
            headers,
            rows,
        )
    return CheckedSource(None, headers, rows)


def check_template_variables(
    headers: list[str], rows: list[list[str]], required: Collection[str]
) -> str | None:
    """Every workflow variable needs a column, non-empty in every row (blank lines too).

    Variable names are compared as they are: headers are lowercased, so an uppercase
    variable never matches, as in Dograh. Dograh walks a set; the sandbox sorts, so the
    column it names first is deterministic.
    """
    missing = sorted(set(required) - set(headers))
    if missing:
        names = ", ".join(f"'{name}'" for name in missing)
        return (
            f"Workflow uses template variables that are missing from the source data: {names}. "
            "Add the missing columns or remove them from the workflow."
        )
    for name in sorted(set(required)):
        index = headers.index(name)
        empty = [
            number
            for number, row in enumerate(rows, start=2)
            if len(row) <= index or not row[index].strip()
        ]
        if empty:
            return (
                f"Template variable '{name}' is empty in rows: {_format_rows(empty)}. "
                "All template variables used in the workflow must have values in every row."
            )
    return None


@dataclass(frozen=True)
class Contact:
    """One queued run made by the sync."""

    row_number: int
    source_uuid: str
    phone_number: str
    context: dict[str, str]


def contacts(file_key: str, table: list[list[str]]) -> list[Contact]:
    """The sync: one contact per data row whose ``phone_number`` cell is not empty.

    Like Dograh it re-reads without re-validating, numbers rows from 1 in
    ``csv_{md5(file_key)[:8]}_row_{n}`` and skips a row on an empty cell as it is (a
    cell of spaces is not empty here, though create's checks strip it).
    """
    if len(table) < 2:
        return []
    headers = normalize_headers(table[0])
    prefix = hashlib.md5(file_key.encode()).hexdigest()[:8]
    found: list[Contact] = []
    for number, values in enumerate(table[1:], start=1):
        padded = values + [""] * (len(headers) - len(values))
        context = dict(zip(headers, padded, strict=False))
        phone = context.get("phone_number")
        if not phone:
            continue
        found.append(Contact(number, f"csv_{prefix}_row_{number}", phone, context))
    return found
