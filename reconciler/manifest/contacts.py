"""The contacts CSV of a campaign, checked by Dograh's own rules (contract §5).

Dograh checks the CSV only when the campaign is created, which is in the middle of an
apply, after other campaigns may already have changed. Checking it here, offline and
the same way, means a create never fails on its CSV. Where Dograh is lenient in a way
that hurts (a file whose phone cells are all empty is created, then completes at once
without a call), this check is stricter and says why.
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

from reconciler.diagnostics import Diagnostic
from reconciler.manifest.yaml_source import read_text

MAX_CSV_BYTES = 10 * 1024 * 1024
"""Dograh's upload limit (``file_size`` at most 10,485,760 bytes)."""

PHONE_COLUMN = "phone_number"
LISTED_ROWS = 5
"""Dograh names the first five offending rows, then "and N more"; so do we."""

BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class ContactsFile:
    """A CSV that passed every check, with what plan and apply need to know of it."""

    path: Path
    display: str
    sha256: str
    size: int
    rows: int
    """Rows with a phone number: what Dograh will queue when the campaign starts."""
    columns: tuple[str, ...]
    """Headers as Dograh reads them: stripped and lowercased."""


def check_contacts(path: Path, display: str) -> tuple[ContactsFile | None, list[Diagnostic]]:
    """Check one CSV. Returns the file's facts if it passed, and every finding."""
    findings: list[Diagnostic] = []
    try:
        size = path.stat().st_size
    except OSError as exc:
        return None, [Diagnostic(display, 1, 1, "", f"cannot read the contacts file: {exc}")]
    if size > MAX_CSV_BYTES:
        return None, [
            Diagnostic(
                display,
                1,
                1,
                "",
                f"the contacts file is {size / 1048576:.1f} MiB; Dograh accepts at most 10 MiB "
                "(10,485,760 bytes): split it into several campaigns",
            )
        ]
    text, problem = read_text(path, display, MAX_CSV_BYTES, "the contacts file")
    if problem is not None or text is None:
        return None, [problem] if problem else []
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()  # the bytes, as read
    if text.startswith(BOM.decode("utf-8")):
        findings.append(
            Diagnostic(
                display,
                1,
                1,
                "",
                "the file starts with a UTF-8 byte order mark (BOM), which Dograh reads as "
                "part of the first column's name; save it as UTF-8 without BOM (in Excel: "
                "'CSV (Comma delimited)'), or remove it with: sed -i '1s/^\\xEF\\xBB\\xBF//' "
                f"{display}",
            )
        )
        text = text[1:]
    rows, starts, error = _read_rows(text)
    if error is not None:
        findings.append(Diagnostic(display, error[0], 1, "", f"not a valid CSV: {error[1]}"))
        return None, findings
    if len(rows) < 2:
        findings.append(
            Diagnostic(
                display,
                1,
                1,
                "",
                "the contacts file needs a header row and at least one data row",
            )
        )
        return None, findings
    columns = tuple(header.strip().lower() for header in rows[0])
    if PHONE_COLUMN not in columns:
        shown = ", ".join(c for c in columns if c) or "none"
        findings.append(
            Diagnostic(
                display,
                1,
                1,
                "",
                f"no '{PHONE_COLUMN}' column (the columns are: {shown}); name the column "
                f"of phone numbers '{PHONE_COLUMN}'",
            )
        )
        return None, findings
    phone_at = columns.index(PHONE_COLUMN)
    invalid: list[int] = []
    empty: list[int] = []
    first_row: dict[str, int] = {}
    duplicates: list[tuple[str, int, int]] = []
    for number, row in enumerate(rows[1:], start=2):
        phone = row[phone_at].strip() if len(row) > phone_at else ""
        if not phone:
            empty.append(number)
            continue
        if not phone.startswith("+"):
            invalid.append(number)
        if phone in first_row:
            duplicates.append((phone, first_row[phone], number))
        else:
            first_row[phone] = number
    if invalid:
        findings.append(
            Diagnostic(
                display,
                starts[invalid[0] - 1],
                1,
                "",
                f"phone numbers must start with '+' and the country code; "
                f"{_rows(invalid)} {'does' if len(invalid) == 1 else 'do'} not",
            )
        )
    if duplicates:
        shown = "; ".join(
            f"{phone} in rows {first} and {again}"
            for phone, first, again in duplicates[:LISTED_ROWS]
        )
        more = len(duplicates) - LISTED_ROWS
        tail = f"; and {more} more" if more > 0 else ""
        findings.append(
            Diagnostic(
                display,
                starts[duplicates[0][2] - 1],
                1,
                "",
                f"phone numbers must be unique in a campaign: {shown}{tail}",
            )
        )
    if not first_row:
        findings.append(
            Diagnostic(
                display,
                starts[1],
                1,
                "",
                "no row has a phone number: Dograh would create the campaign and complete "
                "it at once without calling anyone",
            )
        )
    elif empty:
        findings.append(
            Diagnostic(
                display,
                starts[empty[0] - 1],
                1,
                "",
                f"{_rows(empty)} {'has' if len(empty) == 1 else 'have'} no phone number; "
                "Dograh will skip "
                f"{'it' if len(empty) == 1 else 'them'}",
                severity="warning",
            )
        )
    if any(f.severity == "error" for f in findings):
        return None, findings
    return ContactsFile(path, display, digest, size, len(first_row), columns), findings


def _rows(numbers: list[int]) -> str:
    shown = ", ".join(str(n) for n in numbers[:LISTED_ROWS])
    more = len(numbers) - LISTED_ROWS
    word = "row" if len(numbers) == 1 else "rows"
    return f"{word} {shown}" + (f" and {more} more" if more > 0 else "")


def _read_rows(text: str) -> tuple[list[list[str]], list[int], tuple[int, str] | None]:
    """Rows as Dograh's ``csv.reader`` sees them, with the line each row starts on."""
    reader = csv.reader(io.StringIO(text))
    rows: list[list[str]] = []
    starts: list[int] = []
    line = 1
    try:
        for row in reader:
            rows.append(row)
            starts.append(line)
            line = reader.line_num + 1
    except csv.Error as exc:
        return rows, starts, (reader.line_num or 1, str(exc))
    return rows, starts, None
