"""Benchmark: `campaigns apply` of 500 new campaigns through a slow Dograh.

The sandbox (a separate process) adds 50 ms to every request. Each campaign costs four
requests (upload URL, upload, create, start), so the bound at parallelism P is
500 x 4 x 50 ms / P; apply also plans before and after (four reads each), which the bound
leaves out. Each run is a fresh `campaigns apply --auto-approve` process against a reset
sandbox. Target: within 1.3 times the bound at parallelism 10 and 20.

    python bench/apply.py [--campaigns 500] [--parallelism 1 10 20] [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dograh_sandbox.testing import SandboxProcess, sandbox_process  # noqa: E402

LATENCY = 0.05
REQUESTS_PER_CAMPAIGN = 4
MANIFEST = """\
apiVersion: dograh-campaigns/v1
kind: Campaign
metadata:
  name: apply-{i:04d}
spec:
  workflow: Customer survey
  source:
    csv: contacts/apply-{i:04d}.csv
  state: running
  max_concurrency: 2
"""


def generate(directory: Path, count: int) -> None:
    (directory / ".git").mkdir(parents=True)
    contacts = directory / "campaigns.d" / "contacts"
    contacts.mkdir(parents=True)
    for i in range(count):
        rows = "".join(f"+1{i:04d}55{row:04d},Name {row}\n" for row in range(20))
        (contacts / f"apply-{i:04d}.csv").write_text("phone_number,first_name\n" + rows)
        (directory / "campaigns.d" / f"apply-{i:04d}.yaml").write_text(MANIFEST.format(i=i))


def one_apply(sandbox: SandboxProcess, directory: Path, parallelism: int) -> tuple[float, int]:
    sandbox.admin.reset()
    sandbox.admin.set_faults({"path": "*", "kind": "latency", "seconds": LATENCY})
    env = {**os.environ, "DOGRAH_API_URL": sandbox.url, "DOGRAH_API_KEY": sandbox.api_key}
    started = time.perf_counter()
    result = subprocess.run(
        [
            str(BIN / "campaigns"),
            "--no-color",
            "apply",
            "--auto-approve",
            "--parallelism",
            str(parallelism),
        ],
        cwd=directory,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - started
    if result.returncode != 0 or "Apply complete!" not in result.stdout:
        raise SystemExit(f"apply failed ({result.returncode}): {result.stderr[-1000:]}")
    return elapsed, len(sandbox.admin.requests())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--campaigns", type=int, default=500)
    parser.add_argument("--parallelism", type=int, nargs="+", default=[1, 10, 20])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory(prefix="bench-apply-") as tmp,
        sandbox_process(clock="manual", db=":memory:") as sandbox,
    ):
        directory = Path(tmp)
        generate(directory, args.campaigns)
        print(
            f"{args.campaigns} campaigns, {REQUESTS_PER_CAMPAIGN} requests each, "
            f"{LATENCY * 1000:.0f} ms added to every request"
        )
        for parallelism in args.parallelism:
            runs = 1 if parallelism == 1 else args.runs
            measured = [one_apply(sandbox, directory, parallelism) for _ in range(runs)]
            times = [elapsed for elapsed, _ in measured]
            bound = args.campaigns * REQUESTS_PER_CAMPAIGN * LATENCY / parallelism
            median = statistics.median(times)
            print(
                f"parallelism {parallelism:>2}: median {median:7.2f} s over {runs} run(s), "
                f"bound {bound:7.2f} s, ratio {median / bound:.2f}, "
                f"requests {sorted({n for _, n in measured})}",
                flush=True,
            )


if __name__ == "__main__":
    main()
