"""Benchmark: `campaigns plan` at N = 100, 1,000 and 10,000 campaigns.

The sandbox (a separate process, manual clock) holds N live campaigns, and there are N
manifests, each running with its own 100-row CSV of real US and Canadian numbers
(bench/phone_numbers.py: every zone, so the calling-hours check has work to do) and a
schedule legal in all of them: half match their live campaign, a quarter differ from it
(max_concurrency and retry delay), a quarter are new; the last quarter of the live
campaigns has no manifest (unmanaged). With ``--outside``, half of the matched live
campaigns were made outside this tool (in Dograh's UI): their manifests pin their ids,
and plan compares their live contacts with the CSVs, downloading each file once; the
figures are then for a warm cache (one run first fills it).

Each run is a fresh `campaigns plan` process; the figures are its wall time and peak
memory (medians of several runs) and the HTTP requests it made, read from the sandbox's
request log, which must be the same at every N. Targets: 10,000 takes at most 12 times
1,000, and under 5 s.

With ``--cache cold``, the cache of loaded manifests (and of where prefixes ring) is
emptied before each run; ``warm`` (the default) times runs after one that filled it.

    python bench/plan.py [--sizes 100 1000 10000] [--runs 5] [--outside] [--cache cold]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

BIN = Path(sys.executable).parent
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from phone_numbers import us_canada_numbers  # noqa: E402

from dograh_sandbox.testing import SandboxProcess, sandbox_process  # noqa: E402
from reconciler import content_cache  # noqa: E402
from reconciler.manifest.contacts import contacts_of_bytes  # noqa: E402
from reconciler.owner import default_owner, upload_file_name  # noqa: E402

MANIFEST = """\
apiVersion: dograh-campaigns/v1
kind: Campaign
metadata:
  name: {name}{pin}
spec:
  workflow: Renewal reminder
  source:
    csv: contacts/{name}.csv
  telephony: Twilio US
  state: running
  max_concurrency: 5
  retry_config:
    max_retries: 2
    retry_delay_seconds: 300
  schedule:
    timezone: America/New_York
    slots:
      - days: [mon, tue, wed, thu, fri]
        start: "15:00"
        end: "17:45"
  circuit_breaker:
    failure_threshold: 0.4
"""
RETRY = {
    "enabled": True,
    "max_retries": 2,
    "retry_delay_seconds": 300,
    "retry_on_busy": True,
    "retry_on_no_answer": True,
    "retry_on_voicemail": True,
}
SCHEDULE = {
    "enabled": True,
    "timezone": "America/New_York",
    "slots": [{"day_of_week": d, "start_time": "15:00", "end_time": "17:45"} for d in range(5)],
}
BREAKER = {
    "enabled": True,
    "failure_threshold": 0.4,
    "window_seconds": 120,
    "min_calls_in_window": 5,
}


def generate(directory: Path, count: int, outside: bool) -> list[dict[str, Any]]:
    """N CSVs and N live records: the first 3N/4 manifests' (with ``outside``, every
    other one made outside this tool, with its CSV) and N/4 campaigns no manifest
    manages. The manifests are written by ``write_manifests``, once the ids are known."""
    (directory / ".git").mkdir(parents=True)
    owner = default_owner(directory).token
    contacts = directory / "campaigns.d" / "contacts"
    contacts.mkdir(parents=True)
    numbers = us_canada_numbers(count * 100, seed=count)
    live = []
    for i in range(count):
        name = f"bench-{i:05d}"
        rows = "".join(f"{numbers[i * 100 + row]},Name {row},2027-04-01\n" for row in range(100))
        content = ("phone_number,first_name,renewal_date\n" + rows).encode()
        csv_path = contacts / f"{name}.csv"
        csv_path.write_bytes(content)
        if i >= count * 3 // 4:
            continue  # a quarter are new
        facts, _ = contacts_of_bytes(content, str(csv_path), name)
        assert facts is not None
        changed = i >= count // 2
        record = {
            "name": name,
            "workflow": "Renewal reminder",
            "telephony": "Twilio US",
            "state": "running",
            "source_id": f"campaigns/1/{i:08x}-bench_"
            + upload_file_name(str(csv_path), owner, facts.content),
            "max_concurrency": 3 if changed else 5,
            "retry_config": {**RETRY, "retry_delay_seconds": 600} if changed else RETRY,
            "schedule_config": SCHEDULE,
            "circuit_breaker": BREAKER,
        }
        if outside and i % 2:
            record["source_id"] = f"campaigns/1/{i:08x}_contacts.csv"
            record["csv"] = content.decode()
        live.append(record)
    for i in range(count - len(live)):
        live.append(
            {
                "name": f"unmanaged-{i:05d}",
                "workflow": "Customer survey",
                "state": "completed",
                "source_id": f"campaigns/1/{i:08x}-other_contacts.csv",
                "retry_config": RETRY,
                "circuit_breaker": BREAKER,
            }
        )
    return live


def write_manifests(directory: Path, count: int, pinned: dict[str, int]) -> None:
    for i in range(count):
        name = f"bench-{i:05d}"
        pin = f"\n  id: {pinned[name]}" if name in pinned else ""
        (directory / "campaigns.d" / f"{name}.yaml").write_text(
            MANIFEST.format(name=name, pin=pin), encoding="utf-8"
        )


def run_size(
    sandbox: SandboxProcess, size: int, runs: int, outside: bool, cold: bool = False
) -> dict[str, Any]:
    # The cache lies outside the campaigns' folder, as ~/.cache does: that folder is no
    # git repository, so the scope's walk for manifests outside the paths reads it all.
    with (
        tempfile.TemporaryDirectory(prefix="bench-plan-") as tmp,
        tempfile.TemporaryDirectory(prefix="bench-plan-cache-") as cache,
    ):
        directory = Path(tmp)
        records = generate(directory, size, outside)
        sandbox.admin.reset()
        pinned = {}
        for start in range(0, len(records), 2000):
            chunk = records[start : start + 2000]
            ids = sandbox.admin.insert_campaigns(chunk)
            pinned.update(
                {
                    record["name"]: id_
                    for record, id_ in zip(chunk, ids, strict=True)
                    if "csv" in record
                }
            )
        write_manifests(directory, size, pinned)
        env = {
            **os.environ,
            "DOGRAH_API_URL": sandbox.url,
            "DOGRAH_API_KEY": sandbox.api_key,
            "XDG_CACHE_HOME": cache,
        }
        downloads = 0
        # The first plan fills the caches (and, with ``outside``, reads the live files
        # made outside this tool).
        sandbox.admin.clear_requests()
        _measure(directory, env)
        if outside:
            downloads = sum(
                r.path.endswith("/source-download-url") for r in sandbox.admin.requests()
            )
        times, peaks, requests = [], [], []
        summary = ""
        for _ in range(runs):
            if cold:
                _empty_caches(Path(cache) / "dograh-campaigns")
            sandbox.admin.clear_requests()
            elapsed, peak, summary = _measure(directory, env)
            times.append(elapsed)
            peaks.append(peak)
            requests.append(len(sandbox.admin.requests()))
        return {
            "size": size,
            "median": statistics.median(times),
            "min": min(times),
            "peak_mib": statistics.median(peaks) / 1024,
            "requests": sorted(set(requests)),
            "first_downloads": downloads,
            "summary": summary,
        }


def _empty_caches(cache: Path) -> None:
    """The cache a cold run starts without: loaded manifests and where prefixes ring
    (the hashes of live contacts files stay: ``--outside`` measures them warm)."""
    shutil.rmtree(cache / content_cache.FORMAT, ignore_errors=True)


def _measure(directory: Path, env: dict[str, str]) -> tuple[float, int, str]:
    """Like timed_plan, with the peak RSS of exactly this child (os.wait4)."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [str(BIN / "campaigns"), "--no-color", "plan", "--detailed-exitcode"],
        cwd=directory,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout is not None and process.stderr is not None
    out = process.stdout.read()
    err = process.stderr.read()
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    code = os.waitstatus_to_exitcode(status)
    if code != 2:
        raise SystemExit(f"plan exited {code}: {err.decode()[-800:]}")
    summary = next(line for line in out.decode().splitlines() if line.startswith("Plan:"))
    return elapsed, usage.ru_maxrss, summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 10000])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--outside",
        action="store_true",
        help="half the matched live campaigns were made outside this tool (pinned)",
    )
    parser.add_argument("--cache", choices=["warm", "cold"], default="warm")
    args = parser.parse_args()
    results = []
    with sandbox_process(clock="manual") as sandbox:
        for size in args.sizes:
            result = run_size(sandbox, size, args.runs, args.outside, args.cache == "cold")
            results.append(result)
            print(
                f"N={size:>6} {args.cache}: median {result['median']:.3f} s "
                f"(min {result['min']:.3f}), "
                f"peak {result['peak_mib']:.0f} MiB, requests {result['requests']}, "
                f"{result['summary']}"
                + (f" (first plan: {result['first_downloads']} downloads)" if args.outside else ""),
                flush=True,
            )
    by_size = {r["size"]: r for r in results}
    if 1000 in by_size and 10000 in by_size:
        ratio = by_size[10000]["median"] / by_size[1000]["median"]
        print(f"10,000 / 1,000 time ratio: {ratio:.2f} (target <= 12)")
    if 10000 in by_size:
        verdict = "meets" if by_size[10000]["median"] < 5 else "MISSES"
        print(f"10,000 campaigns: {by_size[10000]['median']:.2f} s ({verdict} the 5 s target)")
    counts = {tuple(r["requests"]) for r in results}
    print(
        f"requests per plan: {sorted(counts)} "
        f"({'constant' if len(counts) == 1 else 'NOT constant'})"
    )


if __name__ == "__main__":
    main()
