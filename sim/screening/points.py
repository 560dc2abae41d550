"""One design point of a screening, run where the worker is, and what is kept of it.

A point is the scenario with every factor fixed at the point's values (``space.point_overrides``)
and its replicates 0..R-1 of the screening's seed: the same random numbers at every point (common
random numbers), so the difference between two points of a trajectory is the changed factor's
effect, not noise's. The point is simulated as a sweep point is (``sim.sweep.point``: the
overrides applied with the budget cap raised to what the levers spend, the replicates on the
core, in the worker); what leaves the worker is small: for every goal (and ``joint_<year>``) the
replicates that reached it, as a bit mask, so the analysis can pair replicates across points.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class ScreenContext:
    """What every point of a screening shares, sent once per worker."""

    base: object                  # the Scenario
    runs: int
    seed: int


@dataclass
class PointOutcome:
    """The replicates of one point that reached each goal (``met``: goal -> bool (runs,))."""

    point: int
    met: dict[str, np.ndarray]
    seconds: float = 0.0

    def odds(self) -> dict[str, float]:
        return {g: float(m.mean()) for g, m in self.met.items()}

    def to_record(self) -> dict[str, np.ndarray]:
        """Named arrays for a checkpoint record (the bits packed)."""
        goals = list(self.met)
        rec = {f"met:{g}": np.packbits(self.met[g]) for g in goals}
        rec["_runs"] = np.array([len(next(iter(self.met.values())))])
        rec["_seconds"] = np.array([self.seconds])
        rec["_point"] = np.array([self.point])
        return rec

    @classmethod
    def from_record(cls, rec: dict[str, np.ndarray]) -> "PointOutcome":
        runs = int(rec["_runs"][0])
        met = {k[4:]: np.unpackbits(v)[:runs].astype(bool) for k, v in rec.items() if k.startswith("met:")}
        return cls(int(rec["_point"][0]), met, float(rec["_seconds"][0]))


def point_task(context: ScreenContext, task: tuple[int, dict]) -> PointOutcome:
    """The worker's side of one point ``(point, overrides)``: what an executor runs. A point that
    cannot be simulated raises (a screening cannot skip a point of a trajectory)."""
    from ..execution.executors import InProcess
    from ..execution.replicates import run_replicates
    from ..goals import goal_outcomes, joint_outcomes
    from ..scenario.loader import apply_overrides

    point, overrides = task
    start = time.process_time()       # the worker's CPU time: a measure that other jobs on the host do not inflate
    scenario = apply_overrides(context.base, overrides, raise_budget_cap=True)
    results = run_replicates(scenario, runs=context.runs, seed=context.seed, executor=InProcess())
    met = goal_outcomes(scenario.goals, results)
    joint = joint_outcomes(scenario.goals, results, met)
    met = {**met, **{f"joint_{year}": m for year, m in sorted(joint.items())}}
    return PointOutcome(point, {g: np.asarray(m, bool) for g, m in met.items()}, time.process_time() - start)
