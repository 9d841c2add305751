"""Nobody is dialled unless a manifest says so, as a property over generated manifest
sets: after `apply`, `plan`
says "No changes", and no campaign was ever started or resumed unless its manifest says
`running`. Two applies in a row, the second with other states and settings, so that
updates, pauses, held resumes and new campaigns all occur."""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dograh_sandbox.testing import SandboxHandle
from reconciler.cli import run

NAMES = ("alpha", "bravo", "charlie", "delta")

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
{settings}  schedule:
    timezone: America/Chicago
    slots:
      - days: [{days}]
        start: "{start}"
        end: "16:00"
"""

Spec = dict[str, Any]

spec_of = st.fixed_dictionaries(
    {
        "state": st.sampled_from(["draft", "running", "paused"]),
        "max_concurrency": st.one_of(st.none(), st.integers(1, 10)),
        "max_retries": st.one_of(st.none(), st.integers(0, 10)),
        "threshold": st.one_of(st.none(), st.sampled_from([0.25, 0.5, 0.75])),
        "days": st.sampled_from(["mon, tue", "mon, tue, wed, thu, fri", "wed"]),
        "start": st.sampled_from(["09:00", "10:30", "12:00"]),
    }
)
manifest_sets = st.dictionaries(st.sampled_from(NAMES), spec_of, min_size=1, max_size=4)


def _write(directory: Path, specs: dict[str, Spec]) -> None:
    campaigns = directory / "campaigns.d"
    for old in campaigns.glob("*.yaml"):
        old.unlink()
    for name, spec in sorted(specs.items()):
        lines = []
        if spec["max_concurrency"] is not None:
            lines.append(f"  max_concurrency: {spec['max_concurrency']}\n")
        if spec["max_retries"] is not None:
            lines.append(f"  retry_config:\n    max_retries: {spec['max_retries']}\n")
        if spec["threshold"] is not None:
            lines.append(f"  circuit_breaker:\n    failure_threshold: {spec['threshold']}\n")
        (campaigns / f"{name}.yaml").write_text(
            MANIFEST.format(
                name=name,
                state=spec["state"],
                settings="".join(lines),
                days=spec["days"],
                start=spec["start"],
            )
        )
        own = NAMES.index(name)  # each campaign its own people, whatever the set
        numbers = "".join(f"+1312{200 + own:03d}{row:04d},P{row}\n" for row in range(3))
        (campaigns / "contacts" / f"{name}.csv").write_text("phone_number,first_name\n" + numbers)


def _cli(*args: str) -> int:
    return run(["--no-color", *args])


@pytest.mark.timeout(600)
@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(first=manifest_sets, second=manifest_sets)
def test_apply_then_plan_is_clean_and_only_running_manifests_dial(
    sandbox: SandboxHandle,
    capsys: pytest.CaptureFixture[str],
    first: dict[str, Spec],
    second: dict[str, Spec],
) -> None:
    # A started campaign cannot return to draft (a conflict the plan names): the second
    # set says paused where the first started it.
    second = {
        name: {**spec, "state": "paused"}
        if spec["state"] == "draft" and first.get(name, {}).get("state") in ("running", "paused")
        else spec
        for name, spec in second.items()
    }
    sandbox.admin.reset()
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        (directory / "campaigns.d" / "contacts").mkdir(parents=True)
        subprocess.run(["git", "init", "-q", str(directory)], check=True)
        previous = Path.cwd()
        environment = dict(os.environ)
        os.chdir(directory)
        os.environ.update(DOGRAH_API_URL=sandbox.url, DOGRAH_API_KEY=sandbox.api_key)
        try:
            for specs in (first, second):
                _write(directory, specs)
                sandbox.admin.clear_requests()
                code = _cli("apply", "--auto-approve", "--allow-dirty")  # not committed
                output = capsys.readouterr()
                assert code == 0, output.out + output.err
                assert _cli("plan", "--detailed-exitcode") == 0, capsys.readouterr().out
                capsys.readouterr()
                live = {
                    c["id"]: c["name"]
                    for c in sandbox.request("GET", "/api/v1/campaign/").json()["campaigns"]
                }
                dialed = {
                    live[r.campaign_id]
                    for r in sandbox.admin.requests(method="POST")
                    if r.path.endswith(("/start", "/resume")) and r.campaign_id in live
                }
                running = {name for name, spec in specs.items() if spec["state"] == "running"}
                assert dialed <= running
                sandbox.admin.advance(1)  # syncs end between the two applies
        finally:
            os.chdir(previous)
            os.environ.clear()
            os.environ.update(environment)
