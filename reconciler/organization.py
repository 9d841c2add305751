"""The organization guard: a key of another Dograh organization is refused up front.

A Policy may name its organization (``spec.organization``). ``plan``, ``apply``,
``status`` and ``import`` read the key's organization once per run (``GET
/organizations/context``, one request, before any other) and refuse, naming both ids,
a key of another one: a production repository planned with a staging key would
otherwise plan to create every campaign in staging. A saved plan records the
organization it was made against, and is refused with a key of another.
"""

from __future__ import annotations

import threading
import weakref

from reconciler.client import DograhClient
from reconciler.client_settings import RunLedger
from reconciler.errors import UserError
from reconciler.live import OrganizationContext
from reconciler.manifest.load import PolicyDocument
from reconciler.plan import OrganizationNote

_known: weakref.WeakKeyDictionary[RunLedger, OrganizationContext] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def key_context(client: DograhClient) -> OrganizationContext:
    """The key's organization as Dograh answers it: asked once per run (every client made
    from one run's settings shares its ledger, and the answer), by the guard and by the
    apply lock alike."""
    ledger = client.settings.ledger
    with _lock:
        known = _known.get(ledger)
    if known is not None:
        return known
    found = client.organization()
    with _lock:
        _known[ledger] = found
    return found


def guard(client: DograhClient, policy: PolicyDocument | None) -> OrganizationNote:
    """The organization this run works in, or a refusal naming both ids when the Policy
    names another: before anything else is sent to Dograh."""
    found = key_context(client).organization_id
    if policy is None:
        return OrganizationNote(id=found)
    wanted = policy.policy.spec.organization
    if wanted is None:
        return OrganizationNote(id=found)
    name = policy.policy.metadata.name
    if wanted != found:
        raise UserError(
            f"the API key belongs to Dograh organization {found}, and Policy '{name}' "
            f"({policy.where('spec.organization')}) is for organization {wanted}: use "
            f"the key of organization {wanted} (or plan the tree of organization {found}); "
            "nothing else was sent to Dograh"
        )
    return OrganizationNote(id=found, policy=f"'{name}' at {policy.where('spec.organization')}")


def guard_saved(client: DograhClient, saved: OrganizationNote | None, plan_file: str) -> None:
    """A saved plan applies only with a key of the organization it was made against."""
    if saved is None:
        return
    found = key_context(client).organization_id
    if found != saved.id:
        made = f" (Policy {saved.policy})" if saved.policy else ""
        raise UserError(
            f"the plan {plan_file} was made against Dograh organization {saved.id}{made}, "
            f"and the API key belongs to organization {found}: apply it with the key of "
            f"organization {saved.id}, or make the plan again for organization {found}; "
            "nothing was changed"
        )
