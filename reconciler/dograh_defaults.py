"""Dograh's own values for what it was not sent (docs/dograh-api.md §4), in one place.

A manifest may omit some settings, leaving them to Dograh: plan shows the value Dograh
will use, so that a create never surprises; import leaves out of a manifest what Dograh
would use anyway, so that an imported manifest says only what differs.
"""

from __future__ import annotations

from typing import Any

from reconciler.live import LiveState
from reconciler.normalize import retry_view

NOT_MANAGED = ("telephony", "max_concurrency", "retry_config", "circuit_breaker")
"""Settings a manifest may omit, leaving them to Dograh."""

DOGRAH_BREAKER = {
    "enabled": True,
    "failure_threshold": 0.5,
    "window_seconds": 120,
    "min_calls_in_window": 5,
}
"""The breaker Dograh runs when none was sent (it reports it as disabled, §4)."""
DOGRAH_RETRY = {
    "enabled": True,
    "max_retries": 1,
    "retry_delay_seconds": 120,
    "retry_on_busy": True,
    "retry_on_no_answer": True,
    "retry_on_voicemail": False,
}
"""What Dograh stores for a campaign created without retry settings, when the
organization's campaign defaults do not say (§4)."""


def default_retry(live: LiveState) -> dict[str, Any]:
    """The retry settings Dograh stores for a campaign created without any: the
    organization's campaign defaults, else its constant (§4)."""
    stored = live.defaults.default_retry_config
    return retry_view(stored) if stored else dict(DOGRAH_RETRY)
