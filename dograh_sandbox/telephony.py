"""Telephony configuration resolution and limits (contract §4 and §6).

Shared by create (which resolves and checks max_concurrency), PATCH (which checks it
against the stored configuration) and the simulation (which dials through it).
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass

from dograh_sandbox.store import Store

NOT_FOUND = "telephony_configuration_not_found"
DEFAULT_BLOCKED_REASON = "Complete the telephony configuration's setup checklist."


@dataclass(frozen=True)
class Resolution:
    config: sqlite3.Row | None
    error: str | None


def not_ready_message(config: sqlite3.Row) -> str:
    reason = config["blocked_reason"] or DEFAULT_BLOCKED_REASON
    return f"'{config['name']}' is not ready for outbound calls. {reason}"


def phone_count(config: sqlite3.Row | None) -> int:
    return 0 if config is None else len(json.loads(config["phone_numbers"]))


def resolve(store: Store, org_id: int, config_id: int | None) -> Resolution:
    """The configuration a campaign dials through, or the 400 detail that refuses it.

    An id must name an active configuration of the org, which must be ready; without an
    id the first ready active configuration wins, defaults first, then by creation.
    """
    if config_id is not None:
        config = store.telephony_config(org_id, config_id)
        if config is None or config["inactive"]:
            return Resolution(None, NOT_FOUND)
        if not config["ready"]:
            return Resolution(None, not_ready_message(config))
        return Resolution(config, None)
    active = [config for config in store.telephony_configs(org_id) if not config["inactive"]]
    if not active:
        return Resolution(None, NOT_FOUND)
    active.sort(
        key=lambda config: (not config["is_default_outbound"], config["created_at"], config["id"])
    )
    for config in active:
        if config["ready"]:
            return Resolution(config, None)
    return Resolution(None, not_ready_message(active[0]))


def check_max_concurrency(
    store: Store, org_id: int, value: int, config: sqlite3.Row | None
) -> str | None:
    """The 400 detail when ``value`` exceeds the effective limit, else None."""
    org_limit = store.org_limit(org_id)
    numbers = phone_count(config)
    effective = min(org_limit, numbers) if numbers > 0 else org_limit
    if value <= effective:
        return None
    if 0 < numbers < org_limit:
        return (
            f"max_concurrency ({value}) cannot exceed {effective}. You have {numbers} phone "
            "number(s) configured. Add more CLIs in telephony configuration to increase "
            "concurrency."
        )
    return f"max_concurrency ({value}) cannot exceed organization limit ({effective})"
