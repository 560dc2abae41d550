"""Run a sweep: plan its points, skip those already in DIR, run the rest, write each as it ends.

``run_sweep`` is the function behind ``innovsim sweep``. The points run on any executor of the
execution layer (local processes or Dask). Every finished point is committed the moment it
arrives (``store.SweepStore``: a checkpoint record, then ``DIR/sweep.sqlite``), so a sweep killed
at any moment loses only the points in flight; the same command started again skips every
finished point and ends with exactly the results of an uninterrupted sweep. The command owns
its folder while it runs. A point that fails (its error, or a worker that died on every try) is
recorded with the reason and tried again by a rerun; the sweep goes on, and the summary lists it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from ..execution.checkpoints import FolderLock
from ..execution.executors import TaskFailed
from ..execution.files import atomic_write
from ..errors import UserError
from .design import build_design
from .point import PointResult, SweepContext, point_task
from .store import StoreMismatch, SweepStore


@dataclass
class SweepSummary:
    """What a sweep run did."""

    points: int
    reused: int
    ran: int
    failed: list[tuple[int, str]]
    seconds: float
    agent_years: float

    def to_dict(self) -> dict:
        return {"points": self.points, "reused": self.reused, "ran": self.ran, "seconds": round(self.seconds, 3),
                "agent_years": self.agent_years,
                "failed": [{"point": p, "error": e} for p, e in self.failed]}


def run_sweep(sweep, out: str | Path, executor, progress=None, restart: bool = False) -> SweepSummary:
    """Run every unfinished point of ``sweep`` (from ``spec.load_sweep``) on ``executor`` (from
    ``sim.execution``) and record it in ``out``. ``progress`` is an optional object with
    ``update(n)`` and ``total``. ``restart`` discards the results of another sweep in ``out``."""
    out = Path(out)
    with FolderLock(out):
        design = build_design(sweep)
        try:
            store = SweepStore(out, sweep, design, restart=restart)
        except StoreMismatch:
            raise UserError(f"--out {out} holds the results of another sweep (a different sweep file, base "
                            f"scenario, design, replicates or seed); give a new folder, or add --restart to "
                            "discard them and start over") from None
        try:
            summary = _run_points(sweep, design, store, executor, progress)
        finally:
            store.close()
        atomic_write(out / "sweep_summary.json", json.dumps(summary.to_dict(), indent=2) + "\n")
    return summary


def _run_points(sweep, design, store: SweepStore, executor, progress) -> SweepSummary:
    import time

    start = time.perf_counter()
    failed: dict[int, str] = {}
    agent_years = 0.0
    done = store.done()
    todo = [(i, design.overrides(sweep, i)) for i in range(len(design)) if i not in done]
    if progress is not None:
        progress.total = len(design)
        progress.update(len(done))
    for i, result in executor.run(point_task, SweepContext.of(sweep), todo):
        if isinstance(result, TaskFailed):
            result = PointResult(todo[i][0], False, error=f"the point could not be simulated: {result}")
        store.save(result)
        agent_years += result.agent_years
        if not result.ok:
            failed[result.point] = result.error
        if progress is not None:
            progress.update(1)
    return SweepSummary(points=len(design), reused=len(done), ran=len(todo), failed=sorted(failed.items()),
                        seconds=time.perf_counter() - start, agent_years=agent_years)
