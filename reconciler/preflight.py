"""What Dograh would refuse, or fail once it dials, told at plan time: the preflight.

Dograh checks a campaign's telephony configuration when it is created or started, and
its ``max_concurrency`` against the organization's limit and the configuration's phone
numbers (docs/dograh-api.md §5, §8); a configuration that cannot dial fails the
campaign at its first batch. Each check here says the same, in Dograh's wording where
it has one, at the manifest line that decides it, so that a plan never promises a
change that apply would see refused. A problem is ``(path, message)``: the manifest's
dotted path, and why.
"""

from __future__ import annotations

from typing import Any

from reconciler.live import LiveCampaign, LiveState, TelephonyConfig
from reconciler.resolve import Desired

Problem = tuple[str, str]
"""Where in the manifest (a dotted path), and what Dograh would refuse."""


def create_problems(
    item: Desired, config: TelephonyConfig | None, live: LiveState
) -> list[Problem]:
    """Why Dograh would refuse to create (or start) the campaign on ``config``: with a
    telephony name that resolved to nothing (resolve said so), the organization's limit
    still holds."""
    limit = live.concurrency_limit
    value = item.manifest.campaign.spec.max_concurrency
    if item.telephony_unresolved:
        return concurrency_problems(value, 0, limit)
    problems = telephony_problems(item, config, item.state == "running", live)
    numbers = config.phone_number_count if config else 0
    return problems + concurrency_problems(value, numbers, limit)


def update_problems(
    item: Desired,
    campaign: LiveCampaign,
    live: LiveState,
    *,
    max_concurrency: int | None,
    starts: bool,
) -> list[Problem]:
    """Why Dograh would refuse a change of a live campaign: a new ``max_concurrency``
    (None: unchanged) against its configuration's numbers, and a start or resume on its
    configuration (else the organization's default)."""
    problems: list[Problem] = []
    config = live.telephony_by_id(campaign.telephony_configuration_id)
    if max_concurrency is not None:
        numbers = config.phone_number_count if config and not config.inactive else 0
        problems += concurrency_problems(max_concurrency, numbers, live.concurrency_limit)
    if starts and not item.telephony_unresolved:
        problems += telephony_problems(item, config or live.default_telephony(), True, live)
    return problems


def redial_problems(
    item: Desired,
    config: TelephonyConfig | None,
    schedule: dict[str, Any] | None,
    source: LiveCampaign,
    live: LiveState,
) -> list[Problem]:
    """Why a redial must not be started (or resumed): its telephony configuration, as for
    any start; and a schedule other than the manifest's, since the calling-hours check
    reads the manifest's (calling_hours.py) and Dograh accepts no change to a completed
    parent whose schedule the redial copies."""
    problems = [
        ("spec.redial", message)
        for _, message in telephony_problems(item, config, True, live, who="the redial")
    ]
    if schedule != item.view["schedule"]:
        problems.append(
            (
                "spec.redial",
                f"the redial would call in the schedule Dograh holds for '{source.name}' (id "
                f"{source.id}), which is not spec.schedule, and the calling hours are checked "
                "on spec.schedule; set spec.schedule to the schedule Dograh holds, or keep "
                "spec.redial.state: draft",
            )
        )
    return problems


def telephony_problems(
    item: Desired,
    config: TelephonyConfig | None,
    dials: bool,
    live: LiveState,
    *,
    who: str = "the campaign",
) -> list[Problem]:
    """Why Dograh would refuse the campaign on this configuration, or fail it once it
    dials (only asked when the campaign is or will be running)."""
    path = "spec.telephony" if item.telephony is not None else "metadata.name"
    if config is None:
        if not any(not c.inactive for c in live.telephony):
            return [
                (
                    path,
                    "the organization has no active telephony configuration, so Dograh would "
                    f"refuse {who} (telephony_configuration_not_found); add one in Dograh",
                )
            ]
        return []
    # A manifest that names no configuration gets the organization's default: say so,
    # or the message names a configuration the manifest never mentions.
    whose = "" if item.telephony is not None else " (the organization's default: no spec.telephony)"
    reason = config.unusable_reason()
    if reason:
        return [(path, f"{reason}{whose}; Dograh would refuse {who}")]
    problem = config.dialing_problem() if dials else None
    return [(path, f"{problem}{whose}")] if problem else []


def concurrency_problems(value: int | None, numbers: int, limit: int | None) -> list[Problem]:
    """Dograh's own check of max_concurrency (§5), with its wording."""
    if value is None or limit is None:
        return []
    effective = min(limit, numbers) if numbers > 0 else limit
    if value <= effective:
        return []
    path = "spec.max_concurrency"
    if 0 < numbers < limit:
        return [
            (
                path,
                f"max_concurrency ({value}) cannot exceed {effective}: the telephony "
                f"configuration has {numbers} phone number(s); add numbers in Dograh or lower "
                "spec.max_concurrency",
            )
        ]
    return [
        (path, f"max_concurrency ({value}) cannot exceed the organization's limit ({effective})")
    ]
