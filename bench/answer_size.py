"""Benchmark: how much Dograh's campaign list weighs for a large organization.

The client refuses an answer larger than ``DEFAULT_MAX_RESPONSE_BYTES``
(reconciler/client.py); this measures the largest answer a real organization can
produce, the list of every campaign with its full ``logs`` (docs/dograh-api.md §2.4),
so the default can sit far above it. The sandbox (a separate process) holds N
campaigns, each scheduled, with a breaker, and with seven log entries as Dograh writes
them (§3.4, §9): twice two caller-ID pool retries and a breaker trip with its recent
failures, then a failed batch. That is pessimistic: Dograh writes a log entry
only when something goes wrong.

    python bench/answer_size.py [--sizes 1000 10000]
"""

from __future__ import annotations

import argparse
import gzip
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dograh_sandbox.testing import sandbox_process
from reconciler.client_settings import DEFAULT_MAX_RESPONSE_BYTES

LOGS_PER_CAMPAIGN = 7
MIB = 1024 * 1024


def _logs(org: int) -> list[dict[str, Any]]:
    pool = "All phone numbers are in use for org {org}. No available from_number in pool."
    entries: list[dict[str, Any]] = []
    for round_ in range(2):
        for attempt in (1, 2):
            entries.append(
                {
                    "ts": f"2026-05-0{round_ + 1}T14:0{attempt}:12.345678+00:00",
                    "level": "warning",
                    "event": "phone_number_pool_exhausted_retry",
                    "message": f"Phone number pool exhausted for org {org}: no free "
                    "from_number available to dispatch outbound calls; retry attempt "
                    f"{attempt}/3",
                    "details": {
                        "error": pool.format(org=org),
                        "organization_id": org,
                        "attempt": attempt,
                        "max_attempts": 3,
                    },
                }
            )
        entries.append(
            {
                "ts": f"2026-05-0{round_ + 1}T15:12:40.123456+00:00",
                "level": "warning",
                "event": "circuit_breaker_tripped",
                "message": "Paused: failure rate 62.50% (5/8) exceeded threshold 50.00% "
                "in 120s window",
                "details": {
                    "failure_rate": 0.625,
                    "failure_count": 5,
                    "success_count": 3,
                    "threshold": 0.5,
                    "window_seconds": 120,
                    "recent_failures": [
                        {"workflow_run_id": 100000 + i, "reason": "failed", "ts": 1777647160.0 + i}
                        for i in range(5)
                    ],
                },
            }
        )
    entries.append(
        {
            "ts": "2026-05-03T09:00:01.000001+00:00",
            "level": "error",
            "event": "batch_failed",
            "message": "Batch processing failed: 'Twilio US' is not ready for outbound "
            "calls. The account has no active phone numbers",
            "details": {"error": "'Twilio US' is not ready for outbound calls."},
        }
    )
    assert len(entries) == LOGS_PER_CAMPAIGN
    return entries


def _records(count: int) -> list[dict[str, Any]]:
    schedule = {
        "enabled": True,
        "timezone": "America/New_York",
        "slots": [{"day_of_week": d, "start_time": "09:00", "end_time": "17:00"} for d in range(5)],
    }
    return [
        {
            "name": f"spring-renewals-region-{i:05d}",
            "workflow": "Renewal reminder",
            "telephony": "Twilio US",
            "state": "paused",
            "source_id": f"campaigns/1/{i:08x}-6f1c-4a5e-9d2b-3c4d5e6f7a8b_"
            f"spring-renewals-region-{i:05d}.0123456789abcdef.csv",
            "max_concurrency": 5,
            "retry_config": {"max_retries": 2, "retry_delay_seconds": 300},
            "schedule_config": schedule,
            "circuit_breaker": {"failure_threshold": 0.4},
            "logs": _logs(1),
        }
        for i in range(count)
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    args = parser.parse_args()
    with sandbox_process(clock="manual") as sandbox:
        for size in args.sizes:
            sandbox.admin.reset()
            records = _records(size)
            for start in range(0, size, 2000):
                sandbox.admin.insert_campaigns(records[start : start + 2000])
            with sandbox.client() as http:
                answer = http.get("/api/v1/campaign/", headers={"Accept-Encoding": "identity"})
            answer.raise_for_status()
            raw = len(answer.content)
            assert len(answer.json()["campaigns"]) == size
            packed = len(gzip.compress(answer.content))
            limit = DEFAULT_MAX_RESPONSE_BYTES
            print(
                f"N={size:>6}: GET /campaign/ is {raw / MIB:.1f} MiB "
                f"({raw / size:.0f} bytes a campaign, {LOGS_PER_CAMPAIGN} log entries each; "
                f"{packed / MIB:.1f} MiB gzipped); the client's limit, "
                f"{limit / MIB:.0f} MiB, is {limit / raw:.1f} times that",
                flush=True,
            )


if __name__ == "__main__":
    main()
