"""Reading an organization's state through the client: a constant number of requests.

Four requests, whatever the number of campaigns (the campaign list, the workflows,
the telephony configurations and the campaign defaults), run side by side.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from reconciler.client import DograhClient
from reconciler.live import LiveState


def fetch_live(client: DograhClient) -> LiveState:
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
