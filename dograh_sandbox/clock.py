"""The sandbox's clock: wall time (``realtime``) or a clock that only tests move (``manual``).

Every timestamp the sandbox writes and every simulation step reads this clock, so a test
can move a campaign through hours of dialing by advancing it, without sleeping.
"""

from __future__ import annotations

import time
from typing import Literal

ClockMode = Literal["realtime", "manual"]


class Clock:
    """Epoch seconds, either wall time plus an offset or a value set by hand.

    ``advance`` works in both modes: in realtime mode it adds to the offset, so the
    sandbox jumps ahead and then keeps following the wall clock.
    """

    def __init__(self, mode: ClockMode = "realtime", start: float | None = None) -> None:
        self.mode: ClockMode = mode
        self._offset = 0.0
        self._manual = time.time() if start is None else start
        if start is not None and mode == "realtime":
            self._offset = start - time.time()

    def now(self) -> float:
        if self.mode == "manual":
            return self._manual
        return time.time() + self._offset

    def set(self, instant: float) -> None:
        if self.mode == "manual":
            self._manual = instant
        else:
            self._offset = instant - time.time()

    def advance(self, seconds: float) -> float:
        self.set(self.now() + seconds)
        return self.now()

    def set_mode(self, mode: ClockMode) -> None:
        """Switch modes without a jump: the new mode starts from the current instant."""
        current = self.now()
        self.mode = mode
        self.set(current)
