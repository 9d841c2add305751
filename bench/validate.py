"""Benchmark: `campaigns validate` against check-jsonschema on the same manifests.

Generates N manifest files (one running campaign each, every field used, each with its
own 100-row CSV of real US and Canadian numbers across every zone, bench/phone_numbers.py),
then times both tools over them, interleaved, several runs each, and prints medians and
the ratio. check-jsonschema checks the schema only; `campaigns validate` also reports
line numbers, checks every CSV, and checks every row's calling hours against the
schedule (legal in every zone, so the check runs to the end). Target: ratio <= 0.15
(warm).

With ``--cache cold``, the cache of loaded manifests (and of where prefixes ring) is
emptied before each run of ours; ``warm`` (the default) times runs after one that filled it.

    python bench/validate.py [--sizes 1000 10000] [--runs 5] [--cache cold]
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

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = ROOT / "schema" / "campaign.schema.json"
BIN = Path(sys.executable).parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

from phone_numbers import us_canada_numbers  # noqa: E402

MANIFEST = """\
# yaml-language-server: $schema={schema}
apiVersion: dograh-campaigns/v1
kind: Campaign
metadata:
  name: bench-{i:05d}
  id: {id}
spec:
  workflow: Renewal reminder
  source:
    csv: contacts/{i:05d}.csv
  telephony: {{id: 7}}
  state: running
  max_concurrency: 10
  retry_config:
    enabled: true
    max_retries: 3
    retry_delay_seconds: 600
    retry_on_busy: true
    retry_on_no_answer: true
    retry_on_voicemail: false
  schedule:
    timezone: America/New_York
    slots:
      - days: [mon, tue, wed, thu, fri]
        start: "15:00"
        end: "16:30"
      - day_of_week: 4
        start: "16:30"
        end: "17:45"
  circuit_breaker:
    enabled: true
    failure_threshold: 0.4
    window_seconds: 180
    min_calls_in_window: 10
"""


def generate(directory: Path, count: int) -> list[str]:
    (directory / ".git").mkdir(parents=True)
    manifests = directory / "campaigns.d"
    contacts = manifests / "contacts"
    contacts.mkdir(parents=True)
    names = []
    numbers = us_canada_numbers(count * 100, seed=count)
    for i in range(count):
        rows = "".join(f"{numbers[i * 100 + row]},Name {row},2027-04-01\n" for row in range(100))
        (contacts / f"{i:05d}.csv").write_text(
            "phone_number,first_name,renewal_date\n" + rows, encoding="utf-8"
        )
        name = f"campaigns.d/m{i:05d}.yaml"
        (directory / name).write_text(
            MANIFEST.format(schema=SCHEMA, i=i, id=i + 1), encoding="utf-8"
        )
        names.append(name)
    return names


def timed(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> tuple[float, int]:
    """Wall time and peak RSS (KiB) of one run of a command, with its exit status checked."""
    # Outputs go to files, not pipes: a pipe nobody reads stops the child when it fills.
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        process = subprocess.Popen(command, cwd=cwd, stdout=out, stderr=err, env=env)
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - start
        if os.waitstatus_to_exitcode(status) != 0:
            out.seek(0)
            err.seek(0)
            said = out.read().decode(errors="replace")[-500:], err.read().decode(errors="replace")
            raise SystemExit(f"{command[0]} failed: {said[0]} {said[1][-500:]}")
    return elapsed, usage.ru_maxrss


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--cache", choices=["warm", "cold"], default="warm")
    args = parser.parse_args()
    campaigns = str(BIN / "campaigns")
    checker = shutil.which("check-jsonschema", path=str(BIN)) or "check-jsonschema"
    print(f"{'files':>6} {'tool':<18} {'median s':>9} {'min s':>7} {'peak MiB':>9}  runs")
    for size in args.sizes:
        with tempfile.TemporaryDirectory(prefix="bench-validate-") as tmp:
            directory = Path(tmp)
            files = generate(directory, size)
            cache = directory / "cache"
            env = {**os.environ, "XDG_CACHE_HOME": str(cache)}
            timed([campaigns, "validate", "campaigns.d"], directory, env)  # fills the cache
            ours: list[float] = []
            theirs: list[float] = []
            our_peak = their_peak = 0
            for _ in range(args.runs):  # interleaved, so both see the same machine load
                if args.cache == "cold":
                    shutil.rmtree(cache / "dograh-campaigns", ignore_errors=True)
                elapsed, peak = timed([campaigns, "validate", "campaigns.d"], directory, env)
                ours.append(elapsed)
                our_peak = max(our_peak, peak)
                elapsed, peak = timed([checker, "--schemafile", str(SCHEMA), *files], directory)
                theirs.append(elapsed)
                their_peak = max(their_peak, peak)
            for tool, times, peak in (
                (f"validate ({args.cache})", ours, our_peak),
                ("check-jsonschema", theirs, their_peak),
            ):
                print(
                    f"{size:>6} {tool:<18} {statistics.median(times):>9.3f} {min(times):>7.3f} "
                    f"{peak / 1024:>9.1f}  {args.runs}"
                )
            ratio = statistics.median(ours) / statistics.median(theirs)
            verdict = "meets" if ratio <= 0.15 else "MISSES"
            print(f"{size:>6} ratio of medians: {ratio:.3f} ({verdict} the 0.15 target)")


if __name__ == "__main__":
    main()
