"""Reading an organization's state through the client: a constant number of requests.

Four requests, whatever the number of campaigns (the campaign list, the workflows,
the telephony configurations and the campaign defaults), run side by side; then, only
when campaigns are to be created, one per workflow they use.
"""

from __future__ import annotations

from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from reconciler.client import DograhClient
from reconciler.live import LiveState


def fetch_live(client: DograhClient) -> LiveState:
    """The campaigns, workflows, telephony configurations and campaign defaults."""
    with ThreadPoolExecutor(max_workers=4, thread_name_prefix="fetch") as pool:
        campaigns = pool.submit(client.list_campaigns)
        workflows = pool.submit(client.list_workflows)
        telephony = pool.submit(client.telephony_configurations)
        defaults = pool.submit(client.campaign_defaults)
        return LiveState(
            campaigns=tuple(campaigns.result()),
            workflows=tuple(workflows.result()),
            telephony=tuple(telephony.result()),
            defaults=defaults.result(),
        )


@dataclass(frozen=True)
class Definitions:
    """A workflow's published and draft definitions (None: that version does not exist)."""

    published: dict[str, Any] | None
    draft: dict[str, Any] | None
    has_published: bool


def fetch_definitions(client: DograhClient, workflow_ids: Iterable[int]) -> dict[int, Definitions]:
    """One request per workflow (its versions), side by side: the plan's check of
    template variables needs each workflow of the campaigns to create once."""
    wanted = sorted(set(workflow_ids))
    if not wanted:
        return {}
    with ThreadPoolExecutor(max_workers=min(8, len(wanted)), thread_name_prefix="fetch") as pool:
        answers = list(pool.map(client.workflow_versions, wanted))
    found = {}
    for workflow_id, versions in zip(wanted, answers, strict=True):
        published = next((v for v in versions if v.status == "published"), None)
        draft = next((v for v in versions if v.status == "draft"), None)
        found[workflow_id] = Definitions(
            published.workflow_json if published else None,
            draft.workflow_json if draft else None,
            published is not None,
        )
    return found
