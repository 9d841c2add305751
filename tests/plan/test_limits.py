"""The Policy's blast radius of one apply, as the Plan measures it (``Plan.over_limits``)."""

from __future__ import annotations

from reconciler.manifest.located import Place
from reconciler.manifest.policy import Limits
from reconciler.plan import Action, CampaignChange, Plan, RedialOf, Requests, Upload


def _create(name: str, rows: int, *, start: bool = False) -> CampaignChange:
    actions: tuple[Action, ...] = ("create", "start") if start else ("create",)
    return CampaignChange(
        name=name,
        id=None,
        manifest=Place(file=f"{name}.yaml", line=2, column=9),
        actions=actions,
        live_state=None,
        desired_state="running" if start else "draft",
        after={},
        requests=Requests(
            upload=Upload(
                path=f"{name}.csv",
                sha256="0" * 64,
                content="1" * 16,
                size=10,
                rows=rows,
                file_name=f"{name}.dc-repo.{'1' * 16}.csv",
            )
        ),
    )


def _redial(name: str, parent_rows: int) -> CampaignChange:
    return CampaignChange(
        name=name,
        id=None,
        manifest=Place(file="parent.yaml", line=9, column=3),
        actions=("redial",),
        live_state=None,
        desired_state="draft",
        after={},
        redial=RedialOf(
            parent_id=7, parent_name="parent", on=("busy",), contacts_at_most=parent_rows
        ),
    )


def test_a_plan_within_its_limits_says_nothing() -> None:
    plan = Plan(changes=(_create("a", 5, start=True), _create("b", 5)))
    assert plan.over_limits(Limits()) == []
    assert plan.over_limits(Limits(max_starts_per_apply=1, max_new_contacts_per_apply=10)) == []


def test_starts_past_the_limit_are_named() -> None:
    plan = Plan(changes=tuple(_create(f"c{i}", 1, start=True) for i in range(12)))
    [message] = plan.over_limits(Limits(max_starts_per_apply=11))
    assert message.startswith("this plan starts or resumes 12 campaigns (c0, c1,")
    assert "c9 and 2 more); the Policy allows 11 per apply" in message


def test_new_contacts_count_a_redial_at_its_parents_rows() -> None:
    plan = Plan(changes=(_create("a", 600), _redial("parent (Redial)", 500)))
    [message] = plan.over_limits(Limits(max_new_contacts_per_apply=1_000))
    assert message.startswith("this plan puts 1,100 contacts into new campaigns (at most:")
    assert "allows 1,000 per apply (limits.max_new_contacts_per_apply)" in message
    assert plan.over_limits(Limits(max_new_contacts_per_apply=1_100)) == []
