"""Environments: one repository, two directory trees (staging and production), each with
the Policy of its own Dograh organization; the organization guard in front of every
command that talks to Dograh."""

from __future__ import annotations

import copy
import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from dograh_sandbox.seed import DEFAULT_SEED_DATA
from dograh_sandbox.testing import SandboxHandle
from reconciler.cli import run
from tests.commands.conftest import ROOT, Result, git, phone_numbers

Run = Callable[..., Result]
CONTEXT = "/api/v1/organizations/context"


def _seed() -> dict[str, object]:
    staging = copy.deepcopy(DEFAULT_SEED_DATA["organizations"][0])
    production = copy.deepcopy(DEFAULT_SEED_DATA["organizations"][0])
    staging.update(name="Acme staging", api_keys=[{"name": "staging-ci"}])
    production.update(name="Acme production", api_keys=[{"name": "production-ci"}])
    return {"organizations": [staging, production]}


POLICY = """apiVersion: dograh-campaigns/v1
kind: Policy
metadata:
  name: {name}
spec:
  organization: {organization}
  owner: acme-{name}
"""


@pytest.fixture
def orgs(sandbox: SandboxHandle, repo: Path) -> dict[str, tuple[int, str]]:
    """Two organizations in the sandbox, and campaigns.d/ split into two trees: the
    environment's name -> (its organization id, its key)."""
    organizations = sandbox.admin.reset(_seed())
    found = {}
    for env, org in zip(("staging", "production"), organizations, strict=True):
        found[env] = (int(org["id"]), str(org["api_keys"][0]["key"]))
        tree = repo / "campaigns.d" / env
        tree.mkdir()
        for name in ("spring-renewals-east", "winback-survey"):
            text = (ROOT / "campaigns.d" / f"{name}.yaml").read_text(encoding="utf-8")
            (tree / f"{name}.yaml").write_text(text.replace("../schema", "../../schema"))
            (tree / "contacts").mkdir(exist_ok=True)
            shutil.copy(ROOT / "campaigns.d" / "contacts" / f"{name}.csv", tree / "contacts")
        (tree / "policy.yaml").write_text(POLICY.format(name=env, organization=found[env][0]))
    for flat in (repo / "campaigns.d").glob("*.yaml"):
        flat.unlink()
    shutil.rmtree(repo / "campaigns.d" / "contacts")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "two environments")
    return found


@pytest.fixture
def as_org(
    orgs: dict[str, tuple[int, str]],
    repo: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> Callable[[str], Run]:
    """``as_org("staging")("plan", ...)``: the CLI with that environment's key; no key
    and no phone number in any output."""
    keys = [key for _, key in orgs.values()]

    def with_key(env: str) -> Run:
        def invoke(*args: str) -> Result:
            monkeypatch.setenv("DOGRAH_API_KEY", orgs[env][1])
            capsys.readouterr()
            code = run(["--no-color", *args])
            captured = capsys.readouterr()
            printed = captured.out + captured.err
            assert not [key for key in keys if key in printed]
            assert not [n for n in phone_numbers(repo) if n in printed]
            return Result(code, captured.out, captured.err)

        return invoke

    return with_key


def test_each_tree_plans_and_applies_in_its_own_organization(
    as_org: Callable[[str], Run], orgs: dict[str, tuple[int, str]], sandbox: SandboxHandle
) -> None:
    for env in ("staging", "production"):
        tree = f"campaigns.d/{env}"
        result = as_org(env)("plan", tree)
        assert result.code == 0, result.err
        org = orgs[env][0]
        assert result.out.startswith(
            f"Dograh organization {org}, as Policy '{env}' at {tree}/policy.yaml:6:3 requires.\n"
        )
        assert as_org(env)("apply", "--auto-approve", tree).code == 0
    # One request for the key's organization per run: apply plans, applies and plans
    # again (three clients) on one answer.
    assert len(sandbox.admin.requests(path=CONTEXT)) == 2 * 2
    creates = sandbox.admin.requests(method="POST", path="/api/v1/campaign/create")
    # Two campaigns in each organization, each made with its own environment's key.
    assert sorted(r.organization_id or 0 for r in creates) == sorted(
        2 * [i for i, _ in orgs.values()]
    )
    assert as_org("production")("plan", "--detailed-exitcode", "campaigns.d/production").code == 0


@pytest.mark.parametrize(
    "command",
    [
        ("plan", "campaigns.d/production"),
        ("apply", "--auto-approve", "campaigns.d/production"),
        ("status", "campaigns.d/production"),
        ("import", "--dir", "campaigns.d/production/imported"),
    ],
)
def test_a_key_of_another_organization_is_refused_before_anything_else(
    as_org: Callable[[str], Run],
    orgs: dict[str, tuple[int, str]],
    sandbox: SandboxHandle,
    command: tuple[str, ...],
) -> None:
    sandbox.admin.clear_requests()
    result = as_org("staging")(*command)
    staging, production = orgs["staging"][0], orgs["production"][0]
    assert result.code == 1
    assert (
        f"the API key belongs to Dograh organization {staging}, and Policy 'production' "
        f"(campaigns.d/production/policy.yaml:6:3) is for organization {production}"
    ) in result.err
    assert [(r.method, r.path) for r in sandbox.admin.requests()] == [("GET", CONTEXT)]
    assert not Path("campaigns.d/production/imported").exists()


def test_a_saved_plan_moved_to_another_organization_is_refused(
    as_org: Callable[[str], Run], orgs: dict[str, tuple[int, str]], sandbox: SandboxHandle
) -> None:
    made = as_org("staging")("plan", "--out", "staging.plan", "campaigns.d/staging")
    assert made.code == 0
    saved = json.loads(Path("staging.plan").read_text())["plan"]["organization"]
    staging, production = orgs["staging"][0], orgs["production"][0]
    assert saved == {"id": staging, "policy": "'staging' at campaigns.d/staging/policy.yaml:6:3"}

    sandbox.admin.clear_requests()
    result = as_org("production")("apply", "staging.plan")
    assert result.code == 1
    assert (
        f"the plan staging.plan was made against Dograh organization {staging} (Policy "
        f"'staging' at campaigns.d/staging/policy.yaml:6:3), and the API key belongs to "
        f"organization {production}"
    ) in result.err
    assert [(r.method, r.path) for r in sandbox.admin.requests()] == [("GET", CONTEXT)]
    assert as_org("staging")("apply", "staging.plan").code == 0


def test_the_policy_above_the_paths_governs_them(as_org: Callable[[str], Run]) -> None:
    result = as_org("production")(
        "plan", "--format", "json", "campaigns.d/production/spring-renewals-east.yaml"
    )
    assert result.code == 0, result.err
    plan = json.loads(result.out)
    assert plan["owner"] == "acme-production"
    assert plan["organization"]["policy"].startswith("'production' at ")
    wrong = as_org("staging")("status", "campaigns.d/production/spring-renewals-east.yaml")
    assert (wrong.code, "Policy 'production'" in wrong.err) == (1, True)


def test_two_environments_in_one_run_are_refused_by_name(
    as_org: Callable[[str], Run], sandbox: SandboxHandle
) -> None:
    named = (
        "two environments in one run: campaigns.d/{} (Policy '{}', organization {}) and "
        "campaigns.d/{} (Policy '{}', organization {})"
    )
    first, second = ("staging", "staging", 1), ("production", "production", 2)
    sandbox.admin.clear_requests()
    result = as_org("staging")("plan", "campaigns.d/staging", "campaigns.d/production")
    assert result.code == 1
    assert named.format(*first, *second) in result.err
    assert [r.path for r in sandbox.admin.requests()] == [CONTEXT]
    checked = as_org("staging")("validate", "campaigns.d")
    assert checked.code == 1
    found = named.format(*second, *first)
    assert f"campaigns.d/staging/policy.yaml:4:9: metadata.name: {found}" in checked.out


def test_without_an_organization_the_plan_names_the_keys(
    as_org: Callable[[str], Run], repo: Path, orgs: dict[str, tuple[int, str]]
) -> None:
    policy = repo / "campaigns.d/staging/policy.yaml"
    policy.write_text(policy.read_text().replace("  organization: 1\n", ""))
    staging = orgs["staging"][0]
    text = as_org("staging")("plan", "campaigns.d/staging")
    assert text.out.startswith(
        f"Dograh organization {staging}: the API key's; no Policy sets spec.organization.\n"
    )
    markdown = as_org("staging")("plan", "--format", "markdown", "campaigns.d/staging")
    assert f"Dograh organization {staging}: the API key's; no Policy sets spec.organization." in (
        markdown.out
    )
    plan = json.loads(as_org("staging")("plan", "--format", "json", "campaigns.d/staging").out)
    assert plan["organization"] == {"id": staging, "policy": None}


def test_import_writes_into_a_tree_under_its_policy(
    as_org: Callable[[str], Run], repo: Path
) -> None:
    production = as_org("production")
    assert production("apply", "--auto-approve", "campaigns.d/production").code == 0
    # The sibling manifests of the tree manage their campaigns: nothing to import.
    nothing = production("import", "--dir", "campaigns.d/production/imported")
    assert nothing.code == 0
    assert "Nothing to import" in nothing.out
    # A campaign whose manifest left the tree is imported into it, and plans clean there.
    (repo / "campaigns.d/production/winback-survey.yaml").unlink()
    (repo / "campaigns.d/production/contacts/winback-survey.csv").unlink()
    result = production("import", "--dir", "campaigns.d/production/imported", "winback-survey")
    assert result.code == 0, result.err
    assert "Wrote campaigns.d/production/imported/winback-survey.yaml" in result.out
    plan = production("plan", "--detailed-exitcode", "campaigns.d/production")
    assert plan.code == 0, plan.out + plan.err
    assert "No changes." in plan.out
