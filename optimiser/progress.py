"""What a long run is doing, on standard error: stage names and the MIP gap as it closes.

Shown on a terminal unless ``--quiet``; silent when standard error is not a terminal
(a scheduled job's log gets the final lines only).
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

MIP_EVERY_S = 1.0
"""least time between two MIP progress lines [s]"""


class Progress:
    """Prints ``parkdispatch: <stage>`` lines and throttled MIP gap lines when enabled."""

    def __init__(self, enabled: bool, stream: TextIO | None = None):
        self.enabled = enabled
        self.stream = stream or sys.stderr
        self._last_mip = 0.0

    @classmethod
    def for_terminal(cls, quiet: bool) -> "Progress":
        """Enabled when standard error is a terminal and not ``quiet``."""
        return cls(not quiet and sys.stderr.isatty())

    def stage(self, text: str) -> None:
        if self.enabled:
            print(f"parkdispatch: {text}", file=self.stream, flush=True)

    def mip(self, seconds: float, gap: float, best: float, bound: float) -> None:
        """A MIP gap line, at most every ``MIP_EVERY_S`` seconds."""
        now = time.monotonic()
        if not self.enabled or now - self._last_mip < MIP_EVERY_S:
            return
        self._last_mip = now
        bound_text = f"bound {bound:,.2f}" if abs(bound) < float("inf") else "no bound yet"
        found = abs(best) < float("inf") and abs(gap) < float("inf")
        text = f"MIP gap {gap:.3%}, best {best:,.2f}, {bound_text}" if found else f"no schedule yet, {bound_text}"
        print(f"parkdispatch:   {seconds:6.1f} s  {text}", file=self.stream, flush=True)


SILENT = Progress(False)
