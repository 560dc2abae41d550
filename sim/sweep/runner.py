"""Run a sweep: plan its points, skip those already in DIR, run the rest, write each as it ends.

``run_sweep`` is the function behind ``innovsim sweep``. Every finished point is committed to
``DIR/sweep.sqlite`` the moment it arrives (``store.SweepStore``), so a sweep killed at any
moment loses only the points in flight; the same command started again skips every finished
point and ends with exactly the results of an uninterrupted sweep. Failed points are recorded
with their error (and tried again by a rerun); the summary lists them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from ..scenario.errors import UserError
from .design import build_design
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


def run_sweep(sweep, out: str | Path, executor, progress=None) -> SweepSummary:
    """Run every unfinished point of ``sweep`` (from ``spec.load_sweep``) on ``executor`` and
    record it in ``out``. ``progress`` is an optional object with ``update(n)`` and ``total``."""
    import time

    design = build_design(sweep)
    out = Path(out)
    try:
        store = SweepStore(out, sweep, design)
    except StoreMismatch:
        raise UserError(f"--out {out} holds the results of another sweep (a different sweep file, base "
                        f"scenario, design, replicates or seed); give a new folder, or delete {out} to start over") \
            from None
    start = time.perf_counter()
    failed: dict[int, str] = {}
    agent_years = 0.0
    try:
        done = store.done()
        todo = [(i, design.overrides(sweep, i)) for i in range(len(design)) if i not in done]
        if progress is not None:
            progress.total = len(design)
            progress.update(len(done))
        for result in executor.run(sweep, todo):
            store.save(result)
            agent_years += result.agent_years
            if not result.ok:
                failed[result.point] = result.error
            if progress is not None:
                progress.update(1)
    finally:
        store.close()
    summary = SweepSummary(points=len(design), reused=len(done), ran=len(todo), failed=sorted(failed.items()),
                           seconds=time.perf_counter() - start, agent_years=agent_years)
    (out / "sweep_summary.json").write_text(json.dumps(summary.to_dict(), indent=2) + "\n", encoding="utf-8")
    return summary
