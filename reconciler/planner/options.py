"""What narrows or widens one plan, beyond the manifests themselves."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PlanOptions:
    targets: tuple[str, ...] = ()
    base: str | None = None
    """The git revision the change is reviewed against (``--base``)."""
    resume: tuple[str, ...] = ()
    """Campaigns an operator resumes by name (``--resume``)."""
    jobs: int | None = None
    """Processes that load the files, this one included; None: as many as pay
    (planner/workers.py)."""
