"""The CSV checks, by Dograh's rules (docs/dograh-api.md §6), with file and row numbers."""

from __future__ import annotations

from pathlib import Path

import pytest

from reconciler.manifest.contacts import check_contacts, content_hash, read_records
from reconciler.manifest.paths import SourcePaths


def _check(tmp_path: Path, content: bytes | str) -> tuple[object, list[str]]:
    path = tmp_path / "c.csv"
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8", newline="")
    else:
        path.write_bytes(content)
    contacts, findings = check_contacts(str(path), "c.csv")
    return contacts, [f"{f.line}:{f.severity}: {f.message}" for f in findings]


def test_a_good_file_gives_its_facts(tmp_path: Path) -> None:
    contacts, findings = _check(
        tmp_path, " Phone_Number ,First_Name\n+15550100,Ada\n+15550101,Ben\n"
    )
    assert findings == []
    assert contacts is not None
    assert contacts.rows == 2  # type: ignore[attr-defined]
    assert contacts.columns == ("phone_number", "first_name")  # type: ignore[attr-defined]
    assert len(contacts.sha256) == 64  # type: ignore[attr-defined]


def test_bom_is_reported_with_the_fix(tmp_path: Path) -> None:
    contacts, findings = _check(tmp_path, b"\xef\xbb\xbfphone_number\n+15550100\n")
    assert contacts is None
    assert len(findings) == 1
    assert "byte order mark" in findings[0]
    assert "sed -i '1s/^\\xEF\\xBB\\xBF//' c.csv" in findings[0]


def test_header_and_a_data_row_are_needed(tmp_path: Path) -> None:
    for content in ("", "phone_number\n"):
        contacts, findings = _check(tmp_path, content)
        assert contacts is None
        assert findings == [
            "1:error: the contacts file needs a header row and at least one data row"
        ]


def test_phone_number_column_is_required(tmp_path: Path) -> None:
    _, findings = _check(tmp_path, "Phone,Name\n+15550100,Ada\n")
    assert findings == [
        "1:error: no 'phone_number' column (the columns are: phone, name); name the column "
        "of phone numbers 'phone_number'"
    ]


def test_phones_without_plus_name_five_rows_and_how_many_more(tmp_path: Path) -> None:
    rows = ["5550100", "+15550101", "5550102", "5550103", "5550104", "5550105", "5550106", "555"]
    _, findings = _check(tmp_path, "phone_number\n" + "\n".join(rows) + "\n")
    assert findings == [
        "2:error: phone numbers must start with '+' and the country code; "
        "rows 2, 4, 5, 6, 7 and 2 more do not"
    ]


def test_duplicates_name_both_rows(tmp_path: Path) -> None:
    _, findings = _check(tmp_path, "phone_number\n+15550100\n+15550101\n +15550100 \n")
    assert findings == [
        "4:error: one person is in more than one row (2 rows in all: rows 2, 4): one number, "
        "however it is written; Dograh compares the text and would call them once per row; "
        "keep one row per number"
    ]


def test_one_number_in_three_spellings_is_one_person(tmp_path: Path) -> None:
    """Dograh compares the text, so its own check lets these by and calls each row."""
    rows = ["+14155550101", "+1 415 555 0101", "+1 (415) 555-0102", "+1-415-555-0101"]
    contacts, findings = _check(tmp_path, "phone_number\n" + "\n".join(rows) + "\n")
    assert contacts is not None  # kept: the campaign's other checks still run
    assert findings == [
        "3:error: one person is in more than one row (3 rows in all: rows 2, 3, 5): one "
        "number, however it is written; Dograh compares the text and would call them once "
        "per row; keep one row per number"
    ]
    assert "415" not in findings[0]


def test_many_people_in_several_rows_are_counted(tmp_path: Path) -> None:
    rows = [f"+1415555{n:04d}" for n in range(7)] * 2
    _, findings = _check(tmp_path, "phone_number\n" + "\n".join(rows) + "\n")
    assert findings == [
        "9:error: 7 people are in more than one row (14 rows in all: rows 2, 9; rows 3, 10; "
        "rows 4, 11; rows 5, 12; rows 6, 13; and 2 more): one number, however it is written; "
        "Dograh compares the text and would call them once per row; keep one row per number"
    ]


def test_a_header_dograh_reads_twice_is_an_error(tmp_path: Path) -> None:
    """Dograh's sync builds each row with dict(zip(headers, row)): the last column of a
    name is the one it dials, while its create checks read the first."""
    contacts, findings = _check(
        tmp_path, "phone_number,first_name,Phone_Number\n+14155550101,Ada,+18085550101\n"
    )
    assert contacts is None
    assert findings == [
        "1:error: columns 1 ('phone_number') and 3 ('Phone_Number') are one column to "
        "Dograh, 'phone_number' (it strips and lowercases headers): each call dials column "
        "3's number, while its checks at create read column 1; rename or remove all but one "
        "of them"
    ]
    path = tmp_path / "c.csv"
    path.write_text("name, Name ,phone_number,NAME\na,b,+14155550101,c\n")
    _, diagnostics = check_contacts(str(path), "c.csv")
    assert [(d.line, d.column) for d in diagnostics] == [(1, 6)]
    assert "columns 1 ('name'), 2 (' Name ') and 4 ('NAME')" in diagnostics[0].message
    assert "each call's 'name' is column 4's value" in diagnostics[0].message
    path.write_text('"phone_number","Phone_Number"\n+14155550101,+14155550102\n')
    _, diagnostics = check_contacts(str(path), "c.csv")
    assert [(d.line, d.column) for d in diagnostics] == [(1, 1)]  # quoted: no column


def test_the_checks_read_the_column_dograh_dials(tmp_path: Path) -> None:
    """Its rows are checked in the last phone_number column, the one that is called."""
    _, findings = _check(
        tmp_path,
        "phone_number,PHONE_NUMBER\n+14155550101,+14155550101\n+14155550102,4155550103\n"
        "+14155550103,\n",
    )
    assert findings[1:] == [
        "3:error: phone numbers must start with '+' and the country code; row 3 does not",
        "4:warning: row 4 has no phone number; Dograh will skip it",
    ]


def test_empty_headers_twice_are_no_column_read(tmp_path: Path) -> None:
    contacts, findings = _check(tmp_path, "phone_number,,\n+14155550101,,\n")
    assert contacts is not None
    assert findings == []


def test_rows_without_phone_are_a_warning(tmp_path: Path) -> None:
    """Dograh skips empty phone cells and rows too short to have one (docs/dograh-api.md §6)."""
    contacts, findings = _check(tmp_path, "name,phone_number\na,+15550100\nb,\nshort\n")
    assert contacts is not None
    assert findings == ["3:warning: rows 3, 4 have no phone number; Dograh will skip them"]
    _, findings = _check(tmp_path, "name,phone_number\na,+15550100\nb,\n")
    assert findings == ["3:warning: row 3 has no phone number; Dograh will skip it"]


def test_no_phone_at_all_is_an_error(tmp_path: Path) -> None:
    contacts, findings = _check(tmp_path, "phone_number,name\n,a\n\n")
    assert contacts is None
    assert findings == [
        "2:error: no row has a phone number: Dograh would create the campaign and complete "
        "it at once without calling anyone"
    ]


def test_rows_are_records_and_lines_are_lines(tmp_path: Path) -> None:
    """A quoted field spanning lines: Dograh's row numbers count records; our line is
    where the record starts in the file, for the editor."""
    _, findings = _check(tmp_path, 'name,phone_number\n"two\nlines",+1555\n"x",555\n')
    assert findings == [
        "4:error: phone numbers must start with '+' and the country code; row 3 does not"
    ]


def test_not_utf8_is_located(tmp_path: Path) -> None:
    contacts, findings = _check(tmp_path, b"phone_number,name\n+15550100,Jos\xe9\n")
    assert contacts is None
    assert findings == [
        "2:error: the contacts file is not UTF-8 text: byte 0xe9 at offset 31 is not valid "
        "UTF-8; save the file as UTF-8"
    ]


def test_over_10_mib_is_refused_without_reading(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    with path.open("wb") as handle:
        handle.truncate(10 * 1024 * 1024 + 1)
    contacts, findings = check_contacts(str(path), "c.csv")
    assert contacts is None
    assert "Dograh accepts at most 10 MiB" in findings[0].message


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("/etc/passwd.csv", "is an absolute path"),
        ("../../outside.csv", "points outside the repository"),
        ("sub/../../../outside.csv", "points outside the repository"),
    ],
)
def test_sources_must_stay_inside_the_repository(tmp_path: Path, value: str, reason: str) -> None:
    root = tmp_path / "repo"
    (root / "campaigns").mkdir(parents=True)
    (root / ".git").mkdir()
    target, refusal = SourcePaths().resolve(root / "campaigns" / "m.yaml", value)
    assert target is None
    assert refusal is not None and reason in refusal


def test_a_symlink_out_of_the_repository_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    (tmp_path / "secret.csv").write_text("phone_number\n+1\n", encoding="utf-8")
    (root / "link.csv").symlink_to(tmp_path / "secret.csv")
    target, refusal = SourcePaths().resolve(root / "m.yaml", "link.csv")
    assert target is None
    assert refusal is not None and "outside the repository" in refusal


def test_dotdot_inside_the_repository_is_fine(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    (root / "campaigns").mkdir(parents=True)
    (root / ".git").mkdir()
    target, refusal = SourcePaths().resolve(root / "campaigns" / "m.yaml", "../contacts/x.csv")
    assert refusal is None
    assert target == str(root.resolve() / "contacts" / "x.csv")


def test_a_symlinked_directory_inside_the_repository_is_fine(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    (root / "data").mkdir(parents=True)
    (root / ".git").mkdir()
    (root / "contacts").symlink_to(root / "data")
    target, refusal = SourcePaths().resolve(root / "m.yaml", "contacts/x.csv")
    assert refusal is None
    assert target == str(root.resolve() / "data" / "x.csv")


def test_without_git_the_working_directory_is_the_root(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "work" / "campaigns").mkdir(parents=True)
    monkeypatch.chdir(tmp_path / "work")
    paths = SourcePaths()
    inside, _ = paths.resolve(tmp_path / "work" / "campaigns" / "m.yaml", "../x.csv")
    outside, refusal = paths.resolve(tmp_path / "work" / "campaigns" / "m.yaml", "../../x.csv")
    assert inside == str((tmp_path / "work" / "x.csv").resolve())
    assert outside is None and refusal is not None


@pytest.mark.parametrize(
    "variant",
    [
        b"Phone_Number,first_name\r\n+15550100,Ada\r\n+15550101,Ben\r\n",  # Windows
        b"phone_number,first_name\n+15550100,Ada\n+15550101,Ben",  # no final newline
        b'"phone_number","first_name"\n"+15550100","Ada"\n+15550101,"Ben"\n',  # quoted
        b"phone_number,first_name\n+15550100,Ada\n\n+15550101,Ben\n\n",  # blank lines
        b" PHONE_NUMBER ,First_Name\n+15550100,Ada\n+15550101,Ben\n",  # header spelling
    ],
    ids=["crlf", "no-final-newline", "quoted", "blank-lines", "header-case"],
)
def test_contacts_are_identified_by_what_dograh_reads(tmp_path: Path, variant: bytes) -> None:
    """A file re-saved on Windows (line endings, quoting, blank lines, the header's case)
    is the same contacts."""
    (tmp_path / "a.csv").write_bytes(b"phone_number,first_name\n+15550100,Ada\n+15550101,Ben\n")
    (tmp_path / "b.csv").write_bytes(variant)
    a, _ = check_contacts(str(tmp_path / "a.csv"), "a.csv")
    b, _ = check_contacts(str(tmp_path / "b.csv"), "b.csv")
    assert a is not None and b is not None
    assert a.sha256 != b.sha256
    assert a.content == b.content


def test_other_contacts_are_another_identity(tmp_path: Path) -> None:
    base = "phone_number,first_name\n+15550100,Ada\n"
    contents = {
        base,
        base.replace("Ada", "Ada "),  # a cell's spaces reach the greeting
        base.replace("+15550100", "+15550109"),
        base + "+15550101,Ben\n",
        "phone_number,name\n+15550100,Ada\n",
        'phone_number,first_name\n+15550100,"Ada, Jr"\n',
    }
    found = set()
    for index, text in enumerate(sorted(contents)):
        path = tmp_path / f"{index}.csv"
        path.write_text(text, encoding="utf-8", newline="")
        contacts, _ = check_contacts(str(path), path.name)
        assert contacts is not None
        found.add(contacts.content)
    assert len(found) == len(contents)


@pytest.mark.parametrize(
    "text",
    [
        "phone_number,first_name\n+15550100,Ada\n",
        "phone_number,,x\n+15550100,,\n",
        "phone_number\n+15550100\n",
    ],
)
def test_the_fast_hash_is_the_canonical_hash(text: str) -> None:
    """A file already in canonical form is hashed from its text: the same digest as the
    canonical writing of its records (forced here by a quote-free CR variant)."""
    records = read_records(text)
    columns = tuple(c.strip().lower() for c in records[0])
    slow = content_hash(text.replace("\n", "\r\n"), columns, records[1:])
    assert content_hash(text, columns, records[1:]) == slow


@pytest.mark.parametrize(
    ("separator", "named"), [(";", "';' (semicolon)"), ("\t", "a tab"), ("|", "'|' (pipe)")]
)
def test_another_separator_is_named_with_the_fix(
    tmp_path: Path, separator: str, named: str
) -> None:
    """A spreadsheet in a locale whose decimal mark is a comma saves with ';': the header
    reads as one column, and the fix is the separator, not a column's name."""
    header = separator.join(["phone_number", "first_name"])
    _, findings = _check(tmp_path, f"{header}\n+15550100{separator}Ada\n")
    assert findings == [
        f"1:error: no 'phone_number' column (the columns are: {header.lower()}); the "
        f"separator looks like {named}, and Dograh reads commas only: save the file as "
        "comma-separated (in Excel: 'CSV UTF-8 (Comma delimited)')"
    ]
