"""Telephony configuration resolution and limits (docs/dograh-api.md §5 and §8).

Shared by create (which resolves and checks max_concurrency), PATCH (which checks it
against the stored configuration) and the simulation (which dials through it).
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any

from dograh_sandbox.store import Store
from dograh_sandbox.timestamps import format_z

NOT_FOUND = "telephony_configuration_not_found"
FALLBACK_BLOCKED_REASON = "Complete the required telephony setup before placing a call."
"""Dograh's text when a blocking step has no description (here: ``ready: false`` in the
seed without a ``blocked_reason``)."""


@dataclass(frozen=True)
class Provider:
    """What Dograh's provider registry says of one provider (``providers/*/__init__.py``)."""

    display_name: str
    connectivity: str
    caller_id_step: str | None
    """The description of the blocking caller-ID step (None: dials without a number)."""


def _carrier(display_name: str) -> Provider:
    """``caller_id_only_checklist``: every carrier's one step, a number to dial from."""
    return Provider(
        display_name,
        "api",
        "Outbound calls need a number to dial from. Add at least one number from your "
        f"{display_name} account under Phone numbers below.",
    )


PROVIDERS: dict[str, Provider] = {
    "twilio": _carrier("Twilio"),
    "vonage": _carrier("Vonage"),
    "plivo": _carrier("Plivo"),
    "telnyx": _carrier("Telnyx"),
    "vobiz": _carrier("Vobiz"),
    "ari": Provider("Asterisk ARI", "sip", None),
    # Cloudonix's own resolver; with its credentials saved and a customer-owned domain, its
    # only blocking step is the caller ID.
    "cloudonix": Provider(
        "Cloudonix",
        "sip",
        "Add at least one number your carrier delivers to you. Cloudonix requires a caller "
        "ID on every outbound call and rejects the call without one.",
    ),
}


def connectivity(config: sqlite3.Row) -> str:
    """The seed's, else ``get_provider_connectivity``: the provider's, "api" if unknown."""
    if config["connectivity"]:
        return str(config["connectivity"])
    provider = PROVIDERS.get(config["provider"])
    return "api" if provider is None else provider.connectivity


def blocked_reason(config: sqlite3.Row) -> str | None:
    """Why the listing shows the configuration not ready (None: ready), as Dograh's
    ``get_setup_checklist`` computes it: no checklist (ready) for an unknown provider; the
    first blocking step otherwise."""
    provider = PROVIDERS.get(config["provider"])
    if provider is None:
        return None
    if not config["ready"]:
        return str(config["blocked_reason"] or FALLBACK_BLOCKED_REASON)
    if provider.caller_id_step is not None and phone_count(config) == 0:
        return provider.caller_id_step
    return None


def readiness_error(config: sqlite3.Row) -> str | None:
    """``_ensure_row_outbound_setup_ready``: the OutboundSetupIncompleteError text, or None.
    Unlike the listing, an unknown provider blocks here."""
    if config["provider"] not in PROVIDERS:
        return f"'{config['name']}' is not ready for outbound calls. Provider " + (
            f"'{config['provider']}' is unavailable."
        )
    reason = blocked_reason(config)
    if reason is None:
        return None
    return f"'{config['name']}' is not ready for outbound calls. {reason}"


@dataclass(frozen=True)
class Resolution:
    """The configuration a campaign dials through, or why there is none: ``error`` is
    create's 400 detail, ``exception`` the text of the exception Dograh raises (what the
    dispatcher's ``batch_failed`` log quotes)."""

    config: sqlite3.Row | None
    error: str | None
    exception: str | None = None


def phone_count(config: sqlite3.Row | None) -> int:
    return 0 if config is None else len(json.loads(config["phone_numbers"]))


def resolve(store: Store, org_id: int, config_id: int | None) -> Resolution:
    """``resolve_outbound_configuration_id``: an id must name an active configuration of
    the org, which must be ready (no fallback); without one, the first ready active
    configuration, the default first, then by creation; all blocked: the first's error."""
    if config_id is not None:
        config = store.telephony_config(org_id, config_id)
        if config is None or config["inactive"]:
            return Resolution(
                None,
                NOT_FOUND,
                f"Telephony configuration {config_id} not found for organization {org_id}",
            )
        error = readiness_error(config)
        if error is not None:
            return Resolution(None, error, error)
        return Resolution(config, None)
    active = [config for config in store.telephony_configs(org_id) if not config["inactive"]]
    if not active:
        return Resolution(
            None, NOT_FOUND, f"No active telephony configuration found for organization {org_id}"
        )
    active.sort(
        key=lambda config: (not config["is_default_outbound"], config["created_at"], config["id"])
    )
    first_error: str | None = None
    for config in active:
        error = readiness_error(config)
        if error is None:
            return Resolution(config, None)
        first_error = first_error or error
    return Resolution(None, first_error, first_error)


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


def listing_item(config: sqlite3.Row) -> dict[str, Any]:
    """One ``TelephonyConfigurationListItem``, readiness as the listing computes it."""
    reason = blocked_reason(config)
    return {
        "id": config["id"],
        "name": config["name"],
        "provider": config["provider"],
        "connectivity": connectivity(config),
        "is_default_outbound": bool(config["is_default_outbound"]),
        "inactive": bool(config["inactive"]),
        "inactive_since": format_z(config["inactive_since"]),
        "inactive_reason": config["inactive_reason"],
        "phone_number_count": phone_count(config),
        "is_ready_for_outbound": reason is None,
        "outbound_blocked_reason": reason,
        "created_at": format_z(config["created_at"]),
        "updated_at": format_z(config["updated_at"]),
    }
