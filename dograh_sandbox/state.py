"""The running sandbox's state: the store, the clock, the simulation, the fault rules and
the request log, and the settings from the seed. One object, kept on ``app.state``.
"""

from __future__ import annotations

import logging
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

from dograh_sandbox.clock import Clock, ClockMode
from dograh_sandbox.faults import FaultInjector, FaultRule
from dograh_sandbox.requestlog import RequestLog
from dograh_sandbox.seed import Seed, SimulationSettings, StorageSettings
from dograh_sandbox.simulation import Simulation
from dograh_sandbox.store import Store
from dograh_sandbox.timestamps import parse_to_micros, to_micros, to_seconds

logger = logging.getLogger("dograh_sandbox")


@dataclass(frozen=True)
class Options:
    """How a sandbox starts (the command's flags, or the test fixture's arguments)."""

    db: str = ":memory:"
    seed: Seed | None = None
    """None: the stored seed of an existing database, else the default seed."""
    reset: bool = False
    """Wipe an existing database and load the seed."""
    clock: ClockMode | None = None
    """None: the seed's clock mode, else realtime."""
    admin_token: str | None = None
    admin_api: bool = True
    """False: only Dograh's routes are served (no ``/_sandbox``), as on a real Dograh."""
    auth_provider: str = "local"
    """local: a missing key answers 'Authorization header required'; stack: 'Unauthorized'."""
    simulation: dict[str, Any] = field(default_factory=dict)
    """Simulation settings that override the seed's (the command's flags)."""
    faults: tuple[FaultRule, ...] = ()
    """Fault rules added to the seed's."""
    fault_seed: int | None = None
    check_content_type: bool | None = None


class SandboxState:
    def __init__(self, options: Options) -> None:
        self.options = options
        self.store = Store(options.db)
        self.seeded_now = False
        if options.reset or not self.store.is_seeded():
            seed = options.seed
            if seed is None:
                from dograh_sandbox.seed import default_seed

                seed = default_seed()
            self.store.reset(seed, to_micros(_start_of(seed) or time.time()))
            self.seeded_now = True
        elif options.seed is not None:
            logger.warning("the database is already seeded: --seed is ignored (add --reset)")
        self.seed = _with_options(self.store.seed(), options)
        self.startup_seed = self.seed
        mode: ClockMode = options.clock or self.seed.clock.mode or "realtime"
        self.initial_mode = mode
        self.clock = Clock(mode)
        stored = self.store.meta("clock")
        start = _start_of(self.seed) if self.seeded_now else None
        # A restart: a manual clock resumes where it stopped; a realtime clock that had been
        # advanced past the wall clock keeps its lead.
        if (
            stored is not None
            and not self.seeded_now
            and (mode == "manual" or float(stored) > self.clock.now())
        ):
            start = float(stored)
        if start is not None:
            self.clock.set(start)
        self.sim_time = self.clock.now()
        self._clock_saved = self.sim_time
        self.simulation = Simulation(self.store, lambda: self.settings)
        self.faults = FaultInjector()
        self.requests = RequestLog()
        self._apply_seed_settings()
        token = options.admin_token or self.store.meta("admin_token")
        if token is None:
            token = secrets.token_urlsafe(24)
        self.store.set_meta("admin_token", token)
        self.admin_token = token
        self.auth_provider = options.auth_provider

    def _apply_seed_settings(self) -> None:
        self.settings: SimulationSettings = self.seed.simulation.model_copy()
        self.storage: StorageSettings = self.seed.storage.model_copy()
        self.faults.configure(list(self.seed.faults.rules), self.seed.faults.seed)

    # -- time ------------------------------------------------------------------------------

    def now(self) -> int:
        """The clock's now in microseconds, for timestamps."""
        return to_micros(self.clock.now())

    def step(self) -> None:
        """Run the simulation up to the clock's now (a zero-length step still runs the
        pending syncs: "the next simulation step")."""
        target = self.clock.now()
        if target >= self.sim_time:
            self.simulation.advance(self.sim_time, target)
            self.sim_time = target
            # Kept for a restart; a realtime clock writes it only now and then (and at
            # shutdown), so that an idle sandbox does not write to its database 5 times a
            # second.
            if self.clock.mode == "manual" or target - self._clock_saved >= 10:
                self.store.set_meta("clock", repr(target))
                self._clock_saved = target

    def set_clock(self, instant: float) -> None:
        """Move the clock: forwards runs the simulation over the gap, backwards does not."""
        self.clock.set(instant)
        if instant < self.sim_time:
            self.sim_time = instant
            self.store.set_meta("clock", repr(instant))
        else:
            self.step()

    # -- reset ------------------------------------------------------------------------------

    def reset(self, seed: Seed | None) -> None:
        """Back to a seed (default: the one this sandbox started with), with a clean log."""
        self.seed = seed or self.startup_seed
        start = _start_of(self.seed)
        self.store.reset(self.seed, to_micros(start or self.clock.now()))
        self.clock.set_mode(self.seed.clock.mode or self.initial_mode)
        self.clock.set(start if start is not None else time.time())
        self.sim_time = self.clock.now()
        self.store.set_meta("clock", repr(self.sim_time))
        self._apply_seed_settings()
        self.requests.clear()


def _start_of(seed: Seed) -> float | None:
    return None if seed.clock.start is None else to_seconds(parse_to_micros(seed.clock.start))


def _with_options(seed: Seed, options: Options) -> Seed:
    """The seed with the command's overrides folded in, so that a reset keeps them."""
    simulation = SimulationSettings.model_validate(
        {**seed.simulation.model_dump(), **options.simulation}
    )
    faults = seed.faults.model_copy(
        update={
            "rules": [*seed.faults.rules, *options.faults],
            "seed": seed.faults.seed if options.fault_seed is None else options.fault_seed,
        }
    )
    storage = seed.storage
    if options.check_content_type is not None:
        storage = storage.model_copy(update={"check_content_type": options.check_content_type})
    return seed.model_copy(update={"simulation": simulation, "faults": faults, "storage": storage})
