"""The content cache changes nothing but the time: validate and plan print the same from a
cold cache and a warm one, and an entry that is damaged, or whose CSV or verdict inputs
changed, is not used."""

from __future__ import annotations

import errno
import fcntl
import hashlib
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import pytest

from dograh_sandbox.testing import SandboxHandle
from reconciler import calling_hours, content_cache
from reconciler.cli import run
from reconciler.hours import rules
from reconciler.manifest import load, yaml_source
from reconciler.manifest.contacts import ContactsChanged, EmptyCells, bytes_of
from reconciler.manifest.load import Manifest
from reconciler.planner.run import load_manifests
from reconciler.templates import facts_of

MANIFEST = """\
apiVersion: dograh-campaigns/v1
kind: Campaign
metadata:
  name: {name}
spec:
  workflow: Customer survey
  source:
    csv: contacts/{name}.csv
  state: {state}
  schedule:
    timezone: America/New_York
    slots:
      - days: [mon, tue, wed, thu, fri]
        start: "{start}"
        end: "17:00"
"""
NUMBERS = ["+12125550100", "+13125550101", "+14155550102", "+16045550103", "+19075550104"]

Run = Callable[..., tuple[int, str]]


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Three manifests, one starting at 08:00 New York time (too early out west: an
    error), a draft, and a CSV with an invalid number (a warning in the draft)."""
    (tmp_path / ".git").mkdir()
    contacts = tmp_path / "campaigns.d" / "contacts"
    contacts.mkdir(parents=True)
    for index, (name, state, start) in enumerate(
        [("alpha", "running", "13:00"), ("beta", "running", "08:00"), ("gamma", "draft", "13:00")]
    ):
        rows = "".join(f"{number},Ada {row}\n" for row, number in enumerate(NUMBERS[index:]))
        if state == "draft":
            rows += "+1212555010,Bob\n"
        (contacts / f"{name}.csv").write_text(f"phone_number,first_name\n{rows}")
        (tmp_path / "campaigns.d" / f"{name}.yaml").write_text(
            MANIFEST.format(name=name, state=state, start=start)
        )
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def campaigns(capsys: pytest.CaptureFixture[str]) -> Run:
    def invoke(*args: str) -> tuple[int, str]:
        code = run(["--no-color", *args])
        captured = capsys.readouterr()
        return code, captured.out + captured.err

    return invoke


@pytest.fixture
def parsed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The manifest files whose YAML was parsed (not restored from the cache)."""
    seen: list[str] = []
    parse = yaml_source.documents_of_text

    def counting(text: str, display: str, track: frozenset[str] = frozenset()) -> object:
        seen.append(display)
        return parse(text, display, track)

    monkeypatch.setattr(load, "documents_of_text", counting)
    return seen


Record = tuple[str, bytes, bytes]
"""An entry as its shard holds it: key, digest, JSON body."""


def _shards() -> list[Path]:
    """The shard files of manifest files' entries (beside them, the prefix file)."""
    root = Path(os.environ["XDG_CACHE_HOME"]) / "dograh-campaigns" / content_cache.FORMAT
    return sorted(root.glob("*.entries"))


def _records(shard: Path) -> list[Record]:
    """A shard's records, read as the README describes them."""
    data, found = shard.read_bytes(), []
    while data:
        header, data = data.split(b"\n", 1)
        key, digest, length = header.split(b" ")
        found.append((key.decode(), digest, data[: int(length)]))
        assert data[int(length) : int(length) + 1] == b"\n"
        data = data[int(length) + 1 :]
    return found


def _write(shard: Path, records: list[Record]) -> None:
    shard.write_bytes(
        b"".join(b"%s %s %d\n%s\n" % (k.encode(), d, len(b), b) for k, d, b in records)
    )


def _entries() -> dict[str, Record]:
    """Every entry of manifest files, by key."""
    return {record[0]: record for shard in _shards() for record in _records(shard)}


def _rewrite(change: Callable[[Record], Record]) -> None:
    for shard in _shards():
        _write(shard, [change(record) for record in _records(shard)])


def _signed(key: str, body: bytes) -> Record:
    return key, hashlib.sha256(key.encode() + b"\0" + body).hexdigest().encode(), body


def test_validate_prints_the_same_from_a_cold_and_a_warm_cache(
    repo: Path, campaigns: Run, parsed: list[str]
) -> None:
    cold = campaigns("validate")
    assert cold[0] == 1
    assert "beta: " in cold[1], cold[1]
    assert len(parsed) == 3
    assert len(_entries()) == 3
    parsed.clear()
    assert campaigns("validate") == cold
    assert parsed == []
    assert campaigns("validate", "--format", "json") == campaigns(
        "--no-cache", "validate", "--format", "json"
    )


def test_plan_prints_the_same_from_a_cold_and_a_warm_cache(
    repo: Path,
    campaigns: Run,
    parsed: list[str],
    sandbox: SandboxHandle,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DOGRAH_API_URL", sandbox.url)
    monkeypatch.setenv("DOGRAH_API_KEY", sandbox.api_key)
    (repo / "campaigns.d" / "beta.yaml").unlink()
    cold = campaigns("plan")
    assert cold[0] == 0, cold[1]
    assert "alpha" in cold[1] and "gamma" in cold[1]
    assert len(parsed) == 2
    parsed.clear()
    assert campaigns("plan") == cold
    assert parsed == []
    assert campaigns("plan", "--format", "json") == campaigns(
        "plan", "--no-cache", "--format", "json"
    )


def test_no_cache_neither_reads_nor_writes(repo: Path, campaigns: Run, parsed: list[str]) -> None:
    cold = campaigns("--no-cache", "validate")
    assert _entries() == {}
    campaigns("validate")
    parsed.clear()
    assert campaigns("validate", "--no-cache") == cold
    assert len(parsed) == 3


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: data.replace(b"America/New_York", b"Europe/London"),
        lambda data: data[: len(data) // 2],
        lambda data: b"\x80\x04garbage",
        lambda data: data.split(b"\n", 1)[0] + b"\n[]",
    ],
    ids=["edited", "truncated", "not JSON", "empty but signed"],
)
def test_a_damaged_entry_is_ignored_and_written_anew(
    repo: Path, campaigns: Run, parsed: list[str], damage: Callable[[bytes], bytes]
) -> None:
    """Each record damaged (its digest and body, as the per-file entries once were)."""
    cold = campaigns("validate")
    entries = _entries()

    def damaged(record: Record) -> Record:
        digest, _, body = damage(record[1] + b"\n" + record[2]).partition(b"\n")
        return record[0], digest, body

    _rewrite(damaged)
    parsed.clear()
    assert campaigns("validate") == cold
    assert len(parsed) == 3
    assert _entries() == entries


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: data[: len(data) // 2],
        lambda data: b"\x80\x04garbage\n" + data,
        lambda data: data.replace(b" ", b"  ", 1),
        lambda data: data.replace(b"\n", b"", 1),
        lambda data: b"x" * 64 + data[64:],
    ],
    ids=["truncated", "garbage first", "bad header", "no newline", "key not hex"],
)
def test_a_damaged_shard_is_a_miss_from_the_damage_on(
    repo: Path, campaigns: Run, parsed: list[str], damage: Callable[[bytes], bytes]
) -> None:
    cold = campaigns("validate")
    entries = _entries()
    for shard in _shards():
        shard.write_bytes(damage(shard.read_bytes()))
    parsed.clear()
    assert campaigns("validate") == cold
    assert len(parsed) == 3
    assert _entries() == entries


def test_a_forged_digest_over_the_wrong_shape_is_a_miss(
    repo: Path, campaigns: Run, parsed: list[str]
) -> None:
    cold = campaigns("validate")
    body = b'[[{"kind": "Campaign"}, {}, "c.csv", "/", "", "", "", 1, 1, [], [], []]]'
    _rewrite(lambda record: _signed(record[0], body))
    parsed.clear()
    assert campaigns("validate") == cold
    assert len(parsed) == 3


def test_a_changed_csv_is_checked_again(repo: Path, campaigns: Run, parsed: list[str]) -> None:
    cold = campaigns("validate")
    csv = repo / "campaigns.d" / "contacts" / "alpha.csv"
    csv.write_text(csv.read_text() + "+1212555010,Short\n")  # one digit short: invalid
    parsed.clear()
    warm = campaigns("validate")
    assert warm != cold
    assert parsed == ["campaigns.d/alpha.yaml"]
    assert warm == campaigns("--no-cache", "validate")


def test_a_changed_rule_file_is_another_cache(
    repo: Path, campaigns: Run, parsed: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    cold = campaigns("validate")
    before = _entries()
    shipped = rules.rules_bytes()
    monkeypatch.setattr(rules, "rules_bytes", lambda: shipped + b"\n")
    parsed.clear()
    assert campaigns("validate") == cold
    assert len(parsed) == 3
    after = _entries()  # each file's new entry replaced its old one, in the same shard
    assert len(after) == 3 and not set(after) & set(before)
    assert {key[: content_cache.SLOT] for key in after} == {
        key[: content_cache.SLOT] for key in before
    }


def test_an_edit_rewrites_one_shard_and_keeps_the_other_files_entries(
    repo: Path, campaigns: Run, parsed: list[str]
) -> None:
    """Files are added until two share a shard (at most 257 files); one of them is edited:
    its entry is replaced, its neighbour's record is kept as it was, and no other shard
    is written."""
    directory = repo / "campaigns.d"
    template = (directory / "alpha.yaml").read_text()
    contacts = (directory / "contacts" / "alpha.csv").read_text()
    count = 0
    while not (shared := [s for s in _shards() if len(_records(s)) > 1]):
        for _ in range(20):  # each with its own CSV: a CSV read once is cached once
            count += 1
            (directory / "contacts" / f"more-{count}.csv").write_text(contacts)
            (directory / f"more-{count}.yaml").write_text(
                template.replace("alpha", f"more-{count}")
            )
        campaigns("validate")
    shard = shared[0]
    edited, neighbour = _records(shard)[:2]
    name = orjson.loads(edited[2])[0][0][0]["metadata"]["name"]
    others = {s: s.read_bytes() for s in _shards() if s != shard}
    manifest = directory / f"{name}.yaml"
    manifest.write_text(manifest.read_text().replace("Customer survey", "Customer survey 2"))
    parsed.clear()
    assert campaigns("validate")[0] == 1  # beta's early start
    assert parsed == [f"campaigns.d/{name}.yaml"]
    kept = {record[0]: record for record in _records(shard)}
    assert kept[neighbour[0]] == neighbour and edited[0] not in kept
    assert [key for key in kept if key[: content_cache.SLOT] == edited[0][: content_cache.SLOT]]
    assert {s: s.read_bytes() for s in _shards() if s != shard} == others
    parsed.clear()
    campaigns("validate")
    assert parsed == []


@pytest.fixture
def checks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The campaigns whose calling hours were checked (not taken from the cache)."""
    seen: list[str] = []
    check = calling_hours.check_manifest

    def counting(manifest: Manifest, *args: Any) -> Any:
        seen.append(manifest.name)
        return check(manifest, *args)

    monkeypatch.setattr(calling_hours, "check_manifest", counting)
    return seen


POLICY = """\
apiVersion: dograh-campaigns/v1
kind: Policy
metadata:
  name: canada-only
spec:
  calling_hours:
    rules: [ca-crtc]
"""


def test_the_calling_hours_verdict_is_kept_and_made_again_under_another_policy(
    repo: Path, campaigns: Run, parsed: list[str], checks: list[str]
) -> None:
    cold = campaigns("validate")
    assert sorted(checks) == ["alpha", "beta", "gamma"]
    checks.clear()
    assert campaigns("validate") == cold
    assert checks == []
    (repo / "campaigns.d" / "policy.yaml").write_text(POLICY)
    parsed.clear()
    canadian = campaigns("validate")
    assert parsed == ["campaigns.d/policy.yaml"]
    assert sorted(checks) == ["alpha", "beta", "gamma"]
    assert "10 errors in 1 file" in cold[1] and "1 error in 1 file" in canadian[1]
    assert canadian == campaigns("--no-cache", "validate")
    _warm_again(campaigns, checks, canadian)


def _warm_again(campaigns: Run, seen: list[str], expected: tuple[int, str]) -> None:
    """One more run prints ``expected`` and parses or checks nothing (``seen``)."""
    seen.clear()
    assert campaigns("validate") == expected
    assert seen == []


def test_a_schedule_from_defaults_is_part_of_the_verdicts_key(
    repo: Path, campaigns: Run, checks: list[str]
) -> None:
    defaults = repo / "campaigns.d" / "defaults.yaml"
    for name in ("alpha", "beta", "gamma"):
        manifest = repo / "campaigns.d" / f"{name}.yaml"
        manifest.write_text(manifest.read_text().split("  schedule:")[0])
    defaults.write_text(DEFAULTS.format(start="13:00"))
    late = campaigns("validate")
    assert late[0] == 0, late[1]
    checks.clear()
    defaults.write_text(DEFAULTS.format(start="08:00"))
    early = campaigns("validate")
    assert early[0] == 1 and "(spec.schedule from campaigns.d/defaults.yaml:" in early[1]
    assert sorted(checks) == ["alpha", "beta", "gamma"]
    assert early == campaigns("--no-cache", "validate")
    checks.clear()
    assert campaigns("validate") == early
    assert checks == []


DEFAULTS = """\
apiVersion: dograh-campaigns/v1
kind: Defaults
metadata:
  name: shared
spec:
  schedule:
    timezone: America/New_York
    slots:
      - days: [mon, tue, wed, thu, fri]
        start: "{start}"
        end: "17:00"
"""


def test_a_verdict_not_of_the_shape_written_is_made_again(
    repo: Path, campaigns: Run, parsed: list[str], checks: list[str]
) -> None:
    cold = campaigns("validate")

    def unknown_kinds(record: Record) -> Record:
        body = orjson.loads(record[2])
        for verdict in body[1]:
            verdict[1] = [[*finding[:5], "fatal"] for finding in verdict[1]] or "none"
        return _signed(record[0], orjson.dumps(body))

    _rewrite(unknown_kinds)
    parsed.clear()
    checks.clear()
    assert campaigns("validate") == cold
    assert parsed == []
    assert sorted(checks) == ["alpha", "beta", "gamma"]
    checks.clear()
    assert campaigns("validate") == cold
    assert checks == []


def test_an_edited_verdict_is_a_damaged_entry(
    repo: Path, campaigns: Run, parsed: list[str], checks: list[str]
) -> None:
    cold = campaigns("validate")  # only beta's verdict has errors
    _rewrite(lambda record: (*record[:2], record[2].replace(b'"error"', b'"warning"')))
    parsed.clear()
    checks.clear()
    assert campaigns("validate") == cold
    assert parsed == ["campaigns.d/beta.yaml"] and checks == ["beta"]


def test_a_csvs_empty_cells_come_back_from_the_cache_as_read(repo: Path, parsed: list[str]) -> None:
    """What the template check needs of a CSV (its rows without a value) is kept with
    the entry: a warm load gives what a cold one found, without reading the YAML."""
    csv = repo / "campaigns.d" / "contacts" / "alpha.csv"
    csv.write_text('phone_number,first_name\n+12125550100,"Ada\nLovelace"\n+13125550101, \n\n')
    content_cache.use(False)
    cold = {m.name: facts_of(m.contacts) for m in load_manifests(["campaigns.d"])[0]}
    content_cache.use(True)
    load_manifests(["campaigns.d"])
    content_cache.write_pending()
    parsed.clear()
    warm = {m.name: facts_of(m.contacts) for m in load_manifests(["campaigns.d"])[0]}
    assert parsed == []
    assert warm == cold
    assert cold["alpha"].empty == {
        "phone_number": EmptyCells((4,), 1, 5),
        "first_name": EmptyCells((3, 4), 2, 4),
    }
    assert cold["beta"].empty == {}


def test_a_fifo_planted_as_a_shard_is_a_miss_not_a_hang(
    repo: Path, campaigns: Run, parsed: list[str]
) -> None:
    cold = campaigns("validate")
    for path in _shards():
        path.unlink()
        os.mkfifo(path)
    parsed.clear()
    assert campaigns("validate") == cold
    assert len(parsed) == 3


def test_a_new_verdict_goes_only_into_an_entry_of_the_same_csv(repo: Path, campaigns: Run) -> None:
    """A verdict made again (another Policy) is written into the entry read again only
    while its document is of the CSV the verdict was made from."""
    campaigns("validate")
    key, _, body = sorted(_entries().values())[0]
    held = content_cache.Held(key, 0)
    verdict: content_cache.Verdict = ([], [])
    assert content_cache.recipients_in(held, "0" * 64) is None
    content_cache.judged(held, "another key", verdict, "0" * 64)
    assert content_cache.take_pending() == {}
    csv_sha256 = orjson.loads(body)[0][0][4]
    assert content_cache.recipients_in(held, csv_sha256) is not None
    content_cache.judged(held, "another key", verdict, csv_sha256)
    content_cache.write_pending()
    stored = orjson.loads(_entries()[key][2])[1][0]
    assert stored == ["another key", [], []]
    read = content_cache.FileCache().read(key)
    assert read is not None and read[0].held is not None
    assert content_cache.verdict(read[0].held, "another key") == verdict


def test_each_document_of_a_file_keeps_its_own_verdict(
    repo: Path, campaigns: Run, checks: list[str]
) -> None:
    directory = repo / "campaigns.d"
    pair = (directory / "alpha.yaml").read_text() + "---\n" + (directory / "beta.yaml").read_text()
    (directory / "pair.yaml").write_text(pair)
    (directory / "alpha.yaml").unlink()
    (directory / "beta.yaml").unlink()
    cold = campaigns("validate")
    assert "beta: " in cold[1] and "alpha: " in cold[1]
    checks.clear()
    assert campaigns("validate") == cold
    assert checks == []
    (directory / "policy.yaml").write_text(POLICY)
    canadian = campaigns("validate")
    assert sorted(checks) == ["alpha", "beta", "gamma"]
    assert canadian == campaigns("--no-cache", "validate")
    checks.clear()
    assert campaigns("validate") == canadian
    assert checks == []


@pytest.mark.parametrize("cached", [False, True], ids=["loaded", "restored"])
def test_a_manifest_leaves_its_loading_without_the_csv_and_reads_it_again_checked(
    repo: Path, cached: bool
) -> None:
    """The CSV's bytes are let go once loaded (their memory at 10,000 campaigns);
    ``bytes_of`` reads them again only while they are the bytes checked."""
    content_cache.use(cached)
    load_manifests(["campaigns.d"])
    content_cache.write_pending()
    manifests = {m.name: m for m in load_manifests(["campaigns.d"])[0]}
    content_cache.use(True)
    contacts = manifests["alpha"].contacts
    assert all(m.contacts.raw == b"" and m.contacts.phones == () for m in manifests.values())
    csv = repo / "campaigns.d" / "contacts" / "alpha.csv"
    assert bytes_of(contacts) == csv.read_bytes()
    csv.write_bytes(csv.read_bytes().replace(b"Ada 0", b"Ada 9"))
    with pytest.raises(ContactsChanged, match=r"^campaigns\.d/contacts/alpha\.csv changed or went"):
        bytes_of(contacts)
    csv.unlink()
    with pytest.raises(ContactsChanged):
        bytes_of(contacts)


def _held_lock() -> int:
    """The shards' write lock, taken as another run would."""
    root = Path(os.environ["XDG_CACHE_HOME"]) / "dograh-campaigns" / content_cache.FORMAT
    handle = os.open(root / "write.lock", os.O_RDONLY | os.O_CREAT, 0o600)
    fcntl.flock(handle, fcntl.LOCK_EX)
    return handle


def _alpha_edited(repo: Path) -> str:
    """alpha.yaml edited and loaded, its new entry pending; the key of its old one."""
    (old,) = [key for key, record in _entries().items() if b'"alpha"' in record[2]]
    manifest = repo / "campaigns.d" / "alpha.yaml"
    manifest.write_text(manifest.read_text().replace("Customer survey", "Customer survey 2"))
    load_manifests(["campaigns.d"])
    return old


def test_a_run_waits_for_anothers_writing_and_keeps_its_entries(repo: Path, campaigns: Run) -> None:
    """Two runs writing one shard at once: the second waits for the first, then merges
    with what the first wrote (a record of another file, here)."""
    campaigns("validate")
    old = _alpha_edited(repo)
    shard = next(s for s in _shards() if old in {r[0] for r in _records(s)})
    handle = _held_lock()
    writer = threading.Thread(target=content_cache.write_pending)
    writer.start()
    writer.join(0.5)
    waited = writer.is_alive()
    other = _signed(old[:2] + "0" * 126, b"[]")  # another file's entry, same shard
    _write(shard, [*_records(shard), other])
    os.close(handle)
    writer.join()
    assert waited
    kept = {record[0]: record for record in _records(shard)}
    assert kept[other[0]] == other and old not in kept
    assert any(key[: content_cache.SLOT] == old[: content_cache.SLOT] for key in kept)


def test_a_run_leaves_its_entries_unwritten_rather_than_wait_long(
    repo: Path, campaigns: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    campaigns("validate")
    old = _alpha_edited(repo)
    before = _entries()
    monkeypatch.setattr(content_cache, "LOCK_WAIT", 0.05)
    handle = _held_lock()
    try:
        content_cache.write_pending()
    finally:
        os.close(handle)
    assert _entries() == before and old in before
    assert content_cache.take_pending() == {}


def test_an_entry_read_without_being_announced_is_still_found(repo: Path, campaigns: Run) -> None:
    """``expect`` narrows what a process keeps of each shard, never what it finds."""
    campaigns("validate")
    keys = sorted(_entries())
    cache = content_cache.FileCache()
    cache.expect(keys[:1])
    assert all(cache.read(key) is not None for key in reversed(keys))
    assert content_cache.FileCache().read(keys[0]) is not None


def test_an_entry_is_not_restored_over_a_csv_changed_and_read_before_it(
    repo: Path, campaigns: Run
) -> None:
    """A CSV read first by another manifest this run (here a new draft, earlier in the
    files' order) is checked against the digest the entry was made from: what the
    entry found, where the numbers ring and the verdict on them, is of those bytes. A
    Los Angeles number added to it must reach zeta's check (09:00 New York is 06:00
    there), as it does without the cache."""
    directory = repo / "campaigns.d"
    shared = directory / "contacts" / "shared.csv"
    shared.write_text("phone_number,first_name\n+12125550199,Ada\n")
    zeta = MANIFEST.format(name="zeta", state="running", start="09:00")
    (directory / "zeta.yaml").write_text(zeta.replace("contacts/zeta.csv", "contacts/shared.csv"))
    before = campaigns("validate")
    assert "zeta" not in before[1], before[1]
    draft = MANIFEST.format(name="aardvark", state="draft", start="09:00")
    (directory / "aardvark.yaml").write_text(
        draft.replace("contacts/aardvark.csv", "contacts/shared.csv")
    )
    shared.write_text(shared.read_text() + "+14155550198,Bob\n")
    warm = campaigns("validate")
    assert "zeta: " in warm[1] and "America/Los_Angeles" in warm[1], warm[1]
    assert warm == campaigns("--no-cache", "validate")


SAID_ONCE = "shared.csv:3:1: one person is in more than one row"


def _sharing(repo: Path, names: list[str]) -> None:
    """Manifests of these names, each in its own file, all of one CSV with a number in
    two rows: a finding of the CSV, said once, when the first manifest reads it."""
    directory = repo / "campaigns.d"
    (directory / "contacts" / "shared.csv").write_text(
        "phone_number,first_name\n+12125550199,Ada\n+12125550199,Bob\n"
    )
    for name in names:
        text = MANIFEST.format(name=name, state="draft", start="13:00")
        (directory / f"{name}.yaml").write_text(
            text.replace(f"contacts/{name}.csv", "contacts/shared.csv")
        )


def test_manifests_of_one_csv_are_all_cached_and_its_findings_said_once(
    repo: Path, campaigns: Run, parsed: list[str]
) -> None:
    _sharing(repo, ["delta", "epsilon", "zeta"])
    cold = campaigns("validate")
    assert cold[1].count(SAID_ONCE) == 1, cold[1]
    parsed.clear()
    assert campaigns("validate") == cold
    assert parsed == []
    assert cold == campaigns("--no-cache", "validate")


def test_an_entry_whose_csv_was_said_by_another_is_a_miss_without_it(
    repo: Path, campaigns: Run, parsed: list[str]
) -> None:
    """delta read the CSV first and said its warning; without delta, epsilon's entry
    (which holds no finding of the CSV) is not taken: epsilon loads, and says it."""
    _sharing(repo, ["delta", "epsilon"])
    campaigns("validate")
    (repo / "campaigns.d" / "delta.yaml").unlink()
    parsed.clear()
    warm = campaigns("validate")
    assert parsed == ["campaigns.d/epsilon.yaml"]
    assert warm[1].count(SAID_ONCE) == 1, warm[1]
    assert warm == campaigns("--no-cache", "validate")
    _warm_again(campaigns, parsed, warm)


def test_two_documents_of_one_file_and_one_csv_are_cached(
    repo: Path, campaigns: Run, parsed: list[str]
) -> None:
    _sharing(repo, ["delta", "epsilon"])
    directory = repo / "campaigns.d"
    pair = (
        (directory / "delta.yaml").read_text() + "---\n" + (directory / "epsilon.yaml").read_text()
    )
    (directory / "pair.yaml").write_text(pair)
    (directory / "delta.yaml").unlink()
    (directory / "epsilon.yaml").unlink()
    cold = campaigns("validate")
    parsed.clear()
    assert campaigns("validate") == cold
    assert parsed == []
    assert cold == campaigns("--no-cache", "validate")


def test_a_file_system_without_locks_still_gets_the_entries(
    repo: Path, campaigns: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    """flock failing with ENOLCK (some network file systems; none can be made here, so
    it is simulated) neither stops the run nor loses its entries."""
    campaigns("validate")
    old = _alpha_edited(repo)

    def no_locks(handle: int, operation: int) -> None:
        raise OSError(errno.ENOLCK, "No locks available")

    monkeypatch.setattr(fcntl, "flock", no_locks)
    content_cache.write_pending()
    entries = _entries()
    assert old not in entries and len(entries) == 3
