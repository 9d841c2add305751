"""The contacts CSV of a campaign, checked by Dograh's own rules (docs/dograh-api.md §6).

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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from operator import itemgetter

from reconciler.diagnostics import Diagnostic
from reconciler.errors import UserError
from reconciler.hours.numbers import normalise_e164
from reconciler.manifest.yaml_source import NotRegular, TooBig, decode_text, read_capped

MAX_CSV_BYTES = 10 * 1024 * 1024
"""Dograh's upload limit (``file_size`` at most 10,485,760 bytes)."""

PHONE_COLUMN = "phone_number"
LISTED_ROWS = 5
"""Dograh names the first five offending rows, then "and N more"; so do we."""


@dataclass(frozen=True)
class EmptyCells:
    """The rows of one column whose cell is missing or blank (Dograh's row numbers)."""

    rows: tuple[int, ...]
    """The first few."""
    count: int
    line: int
    """Where the first of them starts in the file."""


@dataclass(frozen=True)
class ContactsFile:
    """A CSV that passed every check, with what plan and apply need to know of it."""

    path: str
    """Real path (a string: cheaper than a Path to send between processes)."""
    display: str
    sha256: str
    """Of the file's bytes: apply refuses to upload a file changed since the plan."""
    content: str
    """The contacts' identity: a hash of the parsed rows (headers as Dograh normalises
    them, cell values), so that line endings, a final newline or quoting change nothing."""
    size: int
    rows: int
    """Rows with a phone number: what Dograh will queue when the campaign starts."""
    columns: tuple[str, ...]
    """Headers as Dograh reads them: stripped and lowercased."""
    empty: Mapping[str, EmptyCells]
    """Per column, the rows without a value (``empty_cells``): for the check of a
    workflow's template variables at create (templates.py), found while the rows are
    read, and kept in the content cache with the rest."""
    raw: bytes = field(repr=False, compare=False)
    """The file's bytes while the manifest is in the process that loaded it (the
    calling-hours check there reads them); empty once it leaves that process, when
    ``bytes_of`` reads them again, if ever (a check whose kept verdict misses)."""
    phones: tuple[str, ...] = field(default=(), repr=False, compare=False)
    """Each row's phone (stripped), rows 2, 3, ... in order, when every row has one: the
    calling-hours check reads them from here rather than parse the file again."""


class ContactsChanged(UserError):
    """A CSV read again is no longer the one checked: nothing is said of other bytes."""


def bytes_of(contacts: ContactsFile) -> bytes:
    """The CSV's bytes: as its loading read them, or read again (a manifest leaves the
    process that loaded it without them: tens of megabytes at 10,000 campaigns), and then
    only if they are still the bytes that were checked (by sha256)."""
    if contacts.raw:
        return contacts.raw
    try:
        raw = read_capped(contacts.path, MAX_CSV_BYTES, follow=False)
    except (OSError, TooBig, NotRegular):
        raw = None
    if raw is None or hashlib.sha256(raw).hexdigest() != contacts.sha256:
        raise ContactsChanged(
            f"{contacts.display} changed or went away while campaigns read it; run again"
        )
    return raw


def column_at(columns: Sequence[str], name: str) -> int:
    """Where the column ``name`` is in headers as Dograh normalises them, -1 if nowhere.

    Dograh's sync builds each call's context with ``dict(zip(headers, row))``: of two
    columns of one name the last wins, and that is the one it dials (docs/dograh-api.md
    §6.3), though its checks at create read the first. A CSV with two is refused
    (``repeated_headers``); every reader of the rows still takes the one that is dialled.
    """
    for at in range(len(columns) - 1, -1, -1):
        if columns[at] == name:
            return at
    return -1


def person_of(phone: str) -> str:
    """Who a phone cell calls: its E.164 form when it has one (``+1 415 555 0101`` and
    ``+14155550101`` are one person), else the stripped text, compared as Dograh does."""
    text = phone.strip()
    if text[1:].isdigit() and text[:1] == "+":
        return text
    return normalise_e164(text) or text


def check_contacts(path: str, display: str) -> tuple[ContactsFile | None, list[Diagnostic]]:
    """Read and check one CSV. Returns the file's facts if it passed, and every finding."""
    raw, problem = _read(path, display)
    if raw is None:
        return None, problem
    return contacts_of_bytes(raw, path, display)


def _read(path: str, display: str) -> tuple[bytes | None, list[Diagnostic]]:
    try:
        return read_capped(path, MAX_CSV_BYTES), []
    except TooBig as big:
        return None, [Diagnostic(display, 1, 1, "", too_big(big.size))]
    except OSError as exc:
        return None, [
            Diagnostic(display, 1, 1, "", f"cannot read the contacts file: {exc.strerror}")
        ]


def contacts_of_bytes(
    raw: bytes, path: str, display: str
) -> tuple[ContactsFile | None, list[Diagnostic]]:
    """A CSV's facts from its bytes (read by the caller), its rows checked."""
    text, problem = decode_text(raw, display, "the contacts file")
    if problem is not None or text is None:
        return None, [problem] if problem else []
    findings: list[Diagnostic] = []
    if text.startswith("\ufeff"):
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
    scan = _quick_scan(text) or _scan(text)
    shape, readable = _shape_findings(scan, text, display)
    findings.extend(shape)
    if not readable:
        return None, findings
    rows, repeated = _row_findings(scan, display)
    findings.extend(rows)
    if any(f.severity == "error" and f is not repeated for f in findings):
        return None, findings
    # One person in two rows leaves every row readable: the file is kept, so that the
    # campaign's other problems (calling hours, shared contacts) are said in the same run.
    assert scan.columns is not None and scan.records_seen is not None
    return (
        ContactsFile(
            path,
            display,
            hashlib.sha256(raw).hexdigest(),
            content_hash(text, scan.columns, scan.records_seen),
            len(raw),
            scan.phones,
            scan.columns,
            empty_cells(text, scan.columns, scan.records_seen),
            raw,
            scan.phone_cells,
        ),
        findings,
    )


def _shape_findings(scan: _Scan, text: str, display: str) -> tuple[list[Diagnostic], bool]:
    """What is wrong with the file's shape (a CSV, a header and a data row, the headers, a
    phone column), and whether its rows can be read for phones at all."""
    if scan.error is not None:
        return [
            Diagnostic(display, scan.error[0], 1, "", f"not a valid CSV: {scan.error[1]}")
        ], False
    if scan.columns is None or scan.records < 2:
        message = "the contacts file needs a header row and at least one data row"
        return [Diagnostic(display, 1, 1, "", message)], False
    plain_header = '"' not in text.partition("\n")[0]
    found = repeated_headers(scan.headers, scan.columns, display, plain_header)
    if PHONE_COLUMN not in scan.columns:
        shown = ", ".join(c for c in scan.columns if c) or "none"
        message = f"no '{PHONE_COLUMN}' column (the columns are: {shown}); " + _column_fix(
            scan.columns
        )
        return [*found, Diagnostic(display, 1, 1, "", message)], False
    return found, True


def _row_findings(scan: _Scan, display: str) -> tuple[list[Diagnostic], Diagnostic | None]:
    """What is wrong with the rows' phones, and of it the error for one person in two rows
    (which alone leaves the file readable)."""
    found: list[Diagnostic] = []
    if scan.invalid:
        verb = "does" if len(scan.invalid) == 1 else "do"
        message = (
            "phone numbers must start with '+' and the country code; "
            f"{_rows([r for r, _ in scan.invalid])} {verb} not"
        )
        found.append(Diagnostic(display, scan.invalid[0][1], 1, "", message))
    repeated = _duplicates(scan.duplicates, display) if scan.duplicates else None
    if repeated is not None:
        found.append(repeated)
    if not scan.phones:
        message = (
            "no row has a phone number: Dograh would create the campaign and complete it at "
            "once without calling anyone"
        )
        found.append(Diagnostic(display, scan.second_line, 1, "", message))
    elif scan.empty:
        one = len(scan.empty) == 1
        message = (
            f"{_rows([r for r, _ in scan.empty])} {'has' if one else 'have'} no phone "
            f"number; Dograh will skip {'it' if one else 'them'}"
        )
        found.append(Diagnostic(display, scan.empty[0][1], 1, "", message, severity="warning"))
    return found, repeated


def empty_cells(
    text: str, columns: Sequence[str], data: Sequence[Sequence[str]]
) -> dict[str, EmptyCells]:
    """Per column, the rows of ``data`` (the records after the header, blank lines too)
    whose cell is missing or blank, numbered as Dograh numbers rows (the header is row
    1). A column of the name twice is read at the last one (``column_at``). Each column
    is first tested in bulk (C-speed maps): most files have no empty cell at all."""
    found = {}
    short = bool(data) and min(map(len, data)) < len(columns)
    lines: list[int] | None = None
    for column in dict.fromkeys(columns):
        index = column_at(columns, column)  # the value each call is given
        if not short and all(map(str.strip, map(itemgetter(index), data))):
            continue
        missing = [
            at
            for at, record in enumerate(data)
            if index >= len(record) or not record[index].strip()
        ]
        if missing:
            if lines is None:
                lines = _record_lines(text)
            rows = tuple(at + 2 for at in missing[:LISTED_ROWS])
            found[column] = EmptyCells(rows, len(missing), lines[missing[0] + 1])
    return found


def _record_lines(text: str) -> list[int]:
    """The line each record of the text (without its BOM) starts on."""
    if '"' not in text and "\r" not in text:
        return list(range(1, len(read_records(text)) + 1))
    reader = csv.reader(io.StringIO(text))
    lines, line = [], 1
    for _ in reader:
        lines.append(line)
        line = reader.line_num + 1
    return lines


def read_records(text: str) -> list[list[str]]:
    """The CSV's records as Dograh's ``csv.reader`` reads them (a blank line is ``[]``).

    A file without quotes or carriage returns, the common case, is split directly: the
    result is the same, at a fraction of the cost. Raises ``csv.Error``.
    """
    if '"' in text or "\r" in text:
        return list(csv.reader(io.StringIO(text)))
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [line.split(",") if line else [] for line in lines]


def content_hash(text: str, columns: Sequence[str], records: Sequence[Sequence[str]]) -> str:
    """The identity of a CSV's contacts: its headers as Dograh normalises them and every
    record that is not blank, written out in one canonical CSV form (``csv.writer``, LF).
    Any two files Dograh reads alike hash alike, whatever their line endings, final
    newline or quoting.

    A file already in that form (no quotes, no CR, no blank line, a final newline) is
    hashed from its own text, but for its header line: the same bytes, without a pass
    over the rows.
    """
    digest = hashlib.sha256()
    header_end = text.find("\n")
    body = text[header_end + 1 :] if header_end >= 0 else ""
    canonical_already = (
        '"' not in text
        and "\r" not in text
        and text.endswith("\n")
        and "\n\n" not in text
        and not any(_needs_quotes(c) for c in columns)
    )
    if canonical_already:
        digest.update((",".join(columns) + "\n" + body).encode("utf-8"))
    else:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows(record for record in records if record)
        digest.update(out.getvalue().encode("utf-8"))
    return digest.hexdigest()[:16]


def _needs_quotes(cell: str) -> bool:
    return cell == "" or any(c in cell for c in ',"\n\r')


def repeated_headers(
    headers: Sequence[str], columns: Sequence[str], display: str, plain: bool
) -> list[Diagnostic]:
    """An error per header Dograh reads twice: two columns that strip and lowercase to
    one name are one key of each call's context, and the last one's value is the one
    used (the number dialled, a template variable's value), while Dograh's checks at
    create read the first. Empty headers name nothing that is read, and pass. The
    error is at the second of them on line 1 when the header line has no quotes
    (``plain``: its cells are as written), else at line 1, column 1."""
    places: dict[str, list[int]] = {}
    for at, name in enumerate(columns):
        if name:
            places.setdefault(name, []).append(at)
    found = []
    for name, ats in places.items():
        if len(ats) < 2:
            continue
        shown = [f"{at + 1} ('{headers[at]}')" for at in ats]
        listed = ", ".join(shown[:-1]) + f" and {shown[-1]}"
        last = ats[-1] + 1
        used = (
            f"each call dials column {last}'s number"
            if name == PHONE_COLUMN
            else f"each call's '{name}' is column {last}'s value"
        )
        found.append(
            Diagnostic(
                display,
                1,
                sum(len(header) + 1 for header in headers[: ats[1]]) + 1 if plain else 1,
                "",
                f"columns {listed} are one column to Dograh, '{name}' (it strips and "
                f"lowercases headers): {used}, while its checks at create read column "
                f"{ats[0] + 1}; rename or remove all but one of them",
            )
        )
    return found


def _duplicates(duplicates: Sequence[tuple[int, int, int]], display: str) -> Diagnostic:
    """One error for the rows that call one person again: by E.164, so that two
    spellings of one number (which Dograh's own check, comparing the text, lets by and
    then calls once each) are one person. Row numbers only, never the number."""
    groups: dict[int, list[int]] = {}
    for first, again, _ in duplicates:
        groups.setdefault(first, [first]).append(again)
    people = len(groups)
    shown = "; ".join(_rows(rows) for rows in list(groups.values())[:LISTED_ROWS])
    more = people - LISTED_ROWS
    tail = f"; and {more} more" if more > 0 else ""
    rows = sum(len(rows) for rows in groups.values())
    who = "one person is" if people == 1 else f"{people} people are"
    return Diagnostic(
        display,
        duplicates[0][2],
        1,
        "",
        f"{who} in more than one row ({rows} rows in all: {shown}{tail}): one number, "
        "however it is written; Dograh compares the text and would call them once per "
        "row; keep one row per number",
    )


def too_big(size: int) -> str:
    return (
        f"the contacts file is {size:,} bytes; Dograh accepts at most 10 MiB "
        f"({MAX_CSV_BYTES:,} bytes): split it into several campaigns"
    )


def _rows(numbers: list[int]) -> str:
    shown = ", ".join(str(n) for n in numbers[:LISTED_ROWS])
    more = len(numbers) - LISTED_ROWS
    word = "row" if len(numbers) == 1 else "rows"
    return f"{word} {shown}" + (f" and {more} more" if more > 0 else "")


@dataclass
class _Scan:
    """What one pass over the rows found; rows are numbered as Dograh numbers them."""

    columns: tuple[str, ...] | None = None
    headers: tuple[str, ...] = ()
    """The header row as written (its names are not personal data: messages show them)."""
    records: int = 0
    second_line: int = 1
    phones: int = 0
    invalid: list[tuple[int, int]] = field(default_factory=list)
    """(row, line) of phones without '+'."""
    empty: list[tuple[int, int]] = field(default_factory=list)
    duplicates: list[tuple[int, int, int]] = field(default_factory=list)
    """(first row, repeated row, line of the repeat) of one person (``person_of``)."""
    error: tuple[int, str] | None = None
    records_seen: list[list[str]] | None = None
    """The data records as read (the header's excluded), for the content hash."""
    phone_cells: tuple[str, ...] = ()
    """The phone of every row, stripped, when each row has one (the quick scan's case)."""


def _quick_scan(text: str) -> _Scan | None:
    """The common case, a clean file, in bulk operations; None if anything needs a look.

    ``_scan`` finds the same things row by row with line numbers, at three times the cost;
    it runs only when this finds something to report.
    """
    try:
        records = read_records(text)
    except csv.Error:
        return None
    if len(records) < 2:
        return None
    columns = tuple(header.strip().lower() for header in records[0])
    at = column_at(columns, PHONE_COLUMN)
    if at < 0 or len(set(columns)) != len(columns):
        return None
    phones = [row[at].strip() if len(row) > at else "" for row in records[1:]]
    if not all(phones) or any(phone[0] != "+" for phone in phones):
        return None
    joined = "".join(phones)  # each starts with "+": all "+digits" if these hold, in C
    plain = joined.count("+") == len(phones) and joined.replace("+", "").isdigit()
    people = set(phones) if plain else {person_of(phone) for phone in phones}
    if len(people) != len(phones):
        return None
    return _Scan(
        columns=columns,
        headers=tuple(records[0]),
        records=len(records),
        phones=len(phones),
        records_seen=records[1:],
        phone_cells=tuple(phones),
    )


def _scan(text: str) -> _Scan:
    """One pass of Dograh's ``csv.reader`` over the text, checking phones as it goes.

    Row numbers count CSV records (row 1 is the header), as Dograh's messages do; lines
    are where each record starts in the file, which is what an editor needs.
    """
    scan = _Scan()
    reader = csv.reader(io.StringIO(text))
    first_row: dict[str, int] = {}
    line = 1
    phone_at = -1
    seen: list[list[str]] = []
    scan.records_seen = seen
    try:
        for record in reader:
            scan.records += 1
            if scan.records > 1:
                seen.append(record)
            number = scan.records
            if number == 1:
                scan.headers = tuple(record)
                scan.columns = tuple(header.strip().lower() for header in record)
                phone_at = column_at(scan.columns, PHONE_COLUMN)
            elif phone_at >= 0:
                if number == 2:
                    scan.second_line = line
                phone = record[phone_at].strip() if len(record) > phone_at else ""
                if not phone:
                    scan.empty.append((number, line))
                else:
                    if phone[0] != "+":
                        scan.invalid.append((number, line))
                    person = person_of(phone)
                    first = first_row.get(person)
                    if first is None:
                        first_row[person] = number
                    else:
                        scan.duplicates.append((first, number, line))
            line = reader.line_num + 1
    except csv.Error as exc:
        scan.error = (reader.line_num or 1, str(exc))
    scan.phones = len(first_row)
    return scan


_SEPARATORS = {";": "';' (semicolon)", "\t": "a tab", "|": "'|' (pipe)"}


def _column_fix(columns: Sequence[str]) -> str:
    """A header that holds another separator is a file saved with it (a spreadsheet in a
    locale whose decimal mark is a comma writes ';'): the fix is the separator, not a
    column's name."""
    for separator, name in _SEPARATORS.items():
        if any(separator in column for column in columns):
            return (
                f"the separator looks like {name}, and Dograh reads commas only: save the "
                "file as comma-separated (in Excel: 'CSV UTF-8 (Comma delimited)')"
            )
    return f"name the column of phone numbers '{PHONE_COLUMN}'"
