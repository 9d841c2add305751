"""Benchmark of the Dograh sandbox: requests per second, measured by httpx from this
process against ``campaigns sandbox`` running as a child process.

    python bench/sandbox.py [--runs 5]

Scenarios: ``GET /api/v1/campaign/`` with 1,000 and with 10,000 campaigns (seeded through
the admin bulk insert, every item a full CampaignResponse), and ``POST
/api/v1/campaign/create``. Each scenario runs several times; the figures are medians.
The sandbox runs on the manual clock, so that the dialing simulation stays out of the
measurement.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from dograh_sandbox.testing import SandboxProcess, sandbox_process

CSV = "phone_number,first_name\n" + "".join(f"+1312555{n:04d},Name{n}\n" for n in range(40))
STATES = ("created", "running", "paused", "completed", "failed")
SCHEDULE = {
    "timezone": "America/New_York",
    "slots": [{"day_of_week": day, "start_time": "09:00", "end_time": "17:00"} for day in range(5)],
}


@dataclass(frozen=True)
class Figure:
    scenario: str
    requests_per_second: float
    median_latency_ms: float
    runs: int

    def line(self) -> str:
        return (
            f"{self.scenario:<40} {self.requests_per_second:>10.1f} req/s"
            f"   median {self.median_latency_ms:>8.1f} ms   ({self.runs} runs)"
        )


def campaigns(count: int) -> list[dict[str, Any]]:
    return [
        {
            "name": f"bench-{n:05d}",
            "workflow": "Customer survey",
            "csv": CSV,
            "state": STATES[n % len(STATES)],
            "max_concurrency": 5,
            "retry_config": {"max_retries": 2, "retry_delay_seconds": 300},
            "schedule_config": SCHEDULE,
            "circuit_breaker": {"failure_threshold": 0.4},
        }
        for n in range(count)
    ]


def measure(scenario: str, runs: int, requests: int, send: Callable[[], httpx.Response]) -> Figure:
    """``runs`` runs of ``requests`` sequential requests: the medians of the runs."""
    rates: list[float] = []
    latencies: list[float] = []
    send()  # warm up the connection and the server's caches
    for _ in range(runs):
        began = time.perf_counter()
        for _ in range(requests):
            start = time.perf_counter()
            answer = send()
            latencies.append(time.perf_counter() - start)
            answer.raise_for_status()
        rates.append(requests / (time.perf_counter() - began))
    return Figure(scenario, statistics.median(rates), statistics.median(latencies) * 1000, runs)


def listing(sandbox: SandboxProcess, client: httpx.Client, count: int, runs: int) -> Figure:
    sandbox.admin.reset()
    began = time.perf_counter()
    sandbox.admin.insert_campaigns(campaigns(count))
    print(f"  bulk insert of {count:,} campaigns: {time.perf_counter() - began:.1f} s")
    listed = client.get("/api/v1/campaign/").json()["campaigns"]
    assert len(listed) == count, len(listed)
    requests = max(3, 20_000 // count)
    return measure(
        f"GET /api/v1/campaign/ ({count:,} campaigns)",
        runs,
        requests,
        lambda: client.get("/api/v1/campaign/"),
    )


def creating(sandbox: SandboxProcess, client: httpx.Client, runs: int) -> Figure:
    sandbox.admin.reset()
    file_key = sandbox.upload_csv(CSV)
    body = {
        "name": "bench-create",
        "workflow_id": 3,
        "source_type": "csv",
        "source_id": file_key,
        "max_concurrency": 5,
        "retry_config": {"max_retries": 2},
        "schedule_config": SCHEDULE,
        "circuit_breaker": {"failure_threshold": 0.4},
    }
    return measure(
        "POST /api/v1/campaign/create",
        runs,
        200,
        lambda: client.post("/api/v1/campaign/create", json=body),
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=5, help="runs per scenario (default 5)")
    options = parser.parse_args()
    figures: list[Figure] = []
    with sandbox_process(clock="manual") as sandbox:
        print(f"sandbox pid {sandbox.pid} at {sandbox.url}")
        with httpx.Client(
            base_url=sandbox.url, headers={"X-API-Key": sandbox.api_key}, timeout=120
        ) as client:
            figures.append(listing(sandbox, client, 1_000, options.runs))
            figures.append(listing(sandbox, client, 10_000, options.runs))
            figures.append(creating(sandbox, client, options.runs))
    print()
    for figure in figures:
        print(figure.line())
    slowest = figures[1].median_latency_ms
    verdict = "ok" if slowest < 1000 else "TOO SLOW"
    print(f"\nlisting 10,000 campaigns: median {slowest:.0f} ms (target < 1000 ms): {verdict}")
    return 0 if slowest < 1000 else 1


if __name__ == "__main__":
    sys.exit(main())
