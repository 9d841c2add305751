"""Benchmark: the calling-hours engine on 10,000 campaigns of 100 contacts each.

A million realistic US and Canadian numbers (bench/phone_numbers.py, seeded), in 10,000
campaigns of 100 rows that share one schedule, as the manifests of one team do. Each
run is a fresh process, so that its caches start empty as in a `validate` run; it
times, in CPU seconds, ``analyze_recipients`` over every campaign, then
``check_hours`` over every campaign with a schedule that keeps to every rule (only the
holiday warnings remain) and with one that breaks many (9-to-5 New York time reaches
Hawaii at 3 a.m.: about twenty findings a campaign), then all again with the caches
warm. The cyclic garbage collector is off, as `campaigns` turns it off for its batch
commands (reconciler/cli.py); with it on, its passes over the million rows held in
memory add about half as much again. Prints the medians of the runs. Target: well
under 2 s of CPU for the million.

    python bench/hours.py [--campaigns 10000] [--rows 100] [--runs 5]
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from phone_numbers import us_canada_numbers  # bench/, the script's own directory

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SCHEDULE_ZONE = "America/New_York"
SCHEDULES = {
    # Honolulu opens at 14:00 New York time in summer; Rhode Island closes at 18:00.
    "compliant": [(day, "14:00", "17:45") for day in range(5)],
    "breaching": [(day, "09:00", "17:00") for day in range(5)] + [(5, "10:00", "14:00")],
}


def child(path: str, rows: int) -> None:
    """One run, in its own process: prints its timings as JSON."""
    numbers = json.loads(Path(path).read_text())
    gc.disable()
    started = time.process_time()
    from reconciler.hours import HoursPolicy, Slot, analyze_recipients, check_hours

    imported = time.process_time() - started
    campaigns = [
        [(row + 2, phone, None) for row, phone in enumerate(numbers[i : i + rows])]
        for i in range(0, len(numbers), rows)
    ]
    policy = HoursPolicy()
    timings: dict[str, float] = {"import": imported}
    for label in ("cold", "warm"):
        started = time.process_time()
        analysed = [analyze_recipients(campaign) for campaign in campaigns]
        timings[f"analyze_{label}"] = time.process_time() - started
        for name, schedule in SCHEDULES.items():
            slots = [Slot(day, start, end) for day, start, end in schedule]
            started = time.process_time()
            found = sum(len(check_hours(SCHEDULE_ZONE, slots, r, policy)) for r in analysed)
            timings[f"check_{name}_{label}"] = time.process_time() - started
            timings[f"findings_{name}"] = found / len(campaigns)
    timings["prefixes"] = len({phone[:8] for phone in numbers})
    print(json.dumps(timings))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--campaigns", type=int, default=10_000)
    parser.add_argument("--rows", type=int, default=100)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.rows)
        return 0
    total = args.campaigns * args.rows
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "numbers.json"
        path.write_text(json.dumps(us_canada_numbers(total, seed=7)))
        runs: list[dict[str, float]] = []
        for _ in range(args.runs):
            out = subprocess.run(
                [sys.executable, __file__, "--child", str(path), "--rows", str(args.rows)],
                check=True,
                capture_output=True,
                text=True,
            ).stdout
            runs.append({key: float(value) for key, value in json.loads(out).items()})

    def median(key: str) -> float:
        return statistics.median(run[key] for run in runs)

    analyze = median("analyze_cold")
    print(
        f"{args.campaigns:,} campaigns x {args.rows} rows = {total:,} numbers, "
        f"{runs[0]['prefixes']:,.0f} distinct +1 NPA NXX prefixes, one schedule; "
        f"medians of {args.runs} fresh processes, CPU seconds"
    )
    print(f"  import reconciler.hours              {median('import'):7.3f} s")
    for label in ("cold", "warm"):
        spent = median(f"analyze_{label}")
        print(
            f"  analyze_recipients, {label}           {spent:7.3f} s "
            f"{total / spent:12,.0f} numbers/s"
        )
    for name in SCHEDULES:
        for label in ("cold", "warm"):
            spent = median(f"check_{name}_{label}")
            print(
                f"  check_hours, {name}, {label:4}     {spent:7.3f} s "
                f"{spent / args.campaigns * 1e6:9.1f} us per campaign "
                f"({runs[0][f'findings_{name}']:.1f} findings each)"
            )
    for name in SCHEDULES:
        spent = analyze + median(f"check_{name}_cold")
        print(f"  total, cold, {name:9}              {spent:7.3f} s  (target: well under 2 s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
