"""A one-line progress bar for a sweep: variants done, variants per second and the time left.

The command line draws it only when stderr is a terminal (`backtest.cli.options.progress_enabled`)
and passes ``None`` otherwise, so logs and pipes stay quiet. The rate counts only the variants
simulated since the bar started (chunks resumed from disk arrive at once and would flatter it).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO

__all__ = ["ProgressBar"]


class ProgressBar:
    """Call with ``(variants done, variants in total)`` after each chunk.

    Parameters
    ----------
    stream : text stream, optional
        Default stderr.
    width : int
        Characters of the bar itself.
    clock : callable() -> float
        Seconds (monotonic); injectable for tests.
    """

    def __init__(
        self,
        stream: TextIO | None = None,
        *,
        width: int = 30,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.stream = stream or sys.stderr
        self.width = width
        self.clock = clock
        self.started: float | None = None
        self.first = 0

    def line(self, done: int, total: int) -> str:
        """Return the text for ``done`` of ``total`` variants (the first call starts the clock)."""
        now = self.clock()
        if self.started is None:
            self.started, self.first = now, done
        elapsed = now - self.started
        filled = self.width * done // max(total, 1)
        bar = "#" * filled + "-" * (self.width - filled)
        rate = (done - self.first) / elapsed if elapsed > 0 else 0.0
        if done >= total:
            tail = f"{elapsed:.0f}s"
        elif rate > 0:
            left = int((total - done) / rate)
            tail = f"ETA {left // 60}:{left % 60:02d}"
        else:
            tail = "ETA --:--"
        return f"[{bar}] {done:,}/{total:,} variants  {rate:,.0f}/s  {tail}"

    def __call__(self, done: int, total: int) -> None:
        """Redraw the bar; end the line when the sweep is complete."""
        end = "\n" if done >= total else ""
        print(f"\r{self.line(done, total)}", end=end, file=self.stream, flush=True)
