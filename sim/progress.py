"""Progress of a long command on stderr: a tqdm bar on a terminal, whole lines in a log.

A tqdm bar redraws itself with carriage returns, which a log file, a CI page or a pipe keeps as
one ever-growing line. :func:`progress_bar` therefore gives a tqdm bar only when the stream is a
terminal, and otherwise a :class:`LineProgress`, which writes one line each time another
:data:`STEP_PERCENT` of the work is done (and one at the end). Both offer what the runners use:
``total`` (which they may change while running), ``update(n)`` and ``close()``.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

STEP_PERCENT = 10


class LineProgress:
    """tqdm's ``total`` / ``update`` / ``close``, as lines such as
    ``baseline: 40% (400/1,000 runs, 12 s)``, one per ``step`` percent."""

    def __init__(self, desc: str, unit: str, file: TextIO, step: int = STEP_PERCENT):
        self.desc, self.unit, self.file, self.step = desc, unit, file, step
        self.total = 0
        self.n = 0
        self._start = time.monotonic()
        self._shown: int | None = None      # the last step written (percent // step)
        self._written = 0                   # ``n`` on the last line written

    def update(self, n: int = 1) -> None:
        self.n += n
        bucket = self._bucket()
        if bucket and bucket != self._shown:
            self._write()
            self._shown = bucket

    def close(self) -> None:
        """A last line, unless the last one written already said where the work stopped."""
        if self.n != self._written:
            self._write()

    def _bucket(self) -> int:
        """How many whole steps of the current total are done (0 while the total is unknown)."""
        return min(100, 100 * self.n // self.total) // self.step if self.total > 0 else 0

    def _write(self) -> None:
        pct = f"{min(100, 100 * self.n // self.total)}% " if self.total > 0 else ""
        of = f"/{self.total:,}" if self.total > 0 else ""
        print(f"{self.desc}: {pct}({self.n:,}{of} {self.unit}s, {time.monotonic() - self._start:.0f} s)",
              file=self.file, flush=True)
        self._written = self.n


def progress_bar(desc: str, unit: str = "run", file: TextIO | None = None):
    """A tqdm bar on ``file`` (default stderr) if it is a terminal, else a :class:`LineProgress`."""
    file = sys.stderr if file is None else file
    isatty = getattr(file, "isatty", None)
    if not (isatty and isatty()):
        return LineProgress(desc, unit, file)
    from tqdm import tqdm

    tqdm.monitor_interval = 0   # no monitor thread: the worker processes are forked from this one
    return tqdm(total=0, desc=desc, unit=unit, file=file, dynamic_ncols=True, leave=False)
