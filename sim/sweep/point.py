"""One point of a sweep, run where the worker is: the scenario with the point's factor values,
its replicates on the vectorized core, and the reduction to what the sweep keeps.

Only small numbers leave the worker (``PointResult``): per goal, how many replicates reached it;
per goal indicator and goal year, its mean and 10/50/90% quantiles. The replicates' indicator
arrays stay in the worker and are freed with it, so memory does not grow with the number of
points. Every point runs replicates 0..R-1 of the sweep's seed: the same random numbers at every
point (common random numbers), so differences between points are the levers', not noise's.
"""

from __future__ import annotations

import time
import traceback
from dataclasses import asdict, dataclass, field

import numpy as np

QUANTILES = (0.1, 0.5, 0.9)


@dataclass
class PointResult:
    """What the sweep keeps of one point."""

    point: int
    ok: bool
    error: str = ""
    seconds: float = 0.0
    agent_years: float = 0.0
    runs: int = 0
    goals: list[tuple] = field(default_factory=list)        # (goal, year, attained, probability)
    indicators: list[tuple] = field(default_factory=list)   # (indicator, year, mean, p10, p50, p90)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, doc: dict) -> "PointResult":
        """The inverse of ``to_dict`` (floats survive JSON exactly: shortest repr round-trips)."""
        doc = dict(doc)
        doc["goals"] = [tuple(g) for g in doc["goals"]]
        doc["indicators"] = [tuple(x) for x in doc["indicators"]]
        return cls(**doc)


@dataclass(frozen=True)
class SweepContext:
    """What every point of a sweep shares, sent once per worker."""

    base: object                  # the base Scenario
    replicates: int
    seed: int
    raise_budget_cap: bool = True

    @classmethod
    def of(cls, sweep) -> "SweepContext":
        s = sweep.spec.sweep
        return cls(sweep.base, s.replicates, s.seed, s.raise_budget_cap)


def point_task(context: SweepContext, task: tuple[int, dict]) -> PointResult:
    """The worker's side of one point ``(point, overrides)``: what an executor runs."""
    point, overrides = task
    return run_point(point, context.base, overrides, context.replicates, context.seed, context.raise_budget_cap)


def run_point(point: int, base, overrides: dict, replicates: int, seed: int, raise_budget_cap: bool = True,
              chunk_size: int | None = None) -> PointResult:
    """Simulate one point; a failure is returned as a result with its error, never raised, so a
    sweep records it and goes on."""
    start = time.perf_counter()
    try:
        from ..execution.executors import InProcess
        from ..execution.replicates import run_replicates
        from ..goals import evaluate
        from ..scenario.loader import apply_overrides

        scenario = apply_overrides(base, overrides, raise_budget_cap=raise_budget_cap)
        results = run_replicates(scenario, runs=replicates, seed=seed, chunk_size=chunk_size, executor=InProcess())
        base_year = scenario.horizon.base_year
        odds = evaluate(scenario.goals, results, base_year)
        goals = [(gid, int(g.year), int(g.odds.successes), float(g.odds.probability)) for gid, g in odds.goals.items()]
        goals += [(f"joint_{year}", int(year), int(j.odds.successes), float(j.odds.probability))
                  for year, j in sorted(odds.joint.items())]
        indicators = []
        for ind, year in _goal_indicator_years(scenario):
            x = results.indicator(ind)[:, results.year_index(year)]
            q = np.quantile(x, QUANTILES)
            indicators.append((ind, year, float(np.mean(x)), *map(float, q)))
        agent_years = float(results.indicator("firms")[:, 1:].sum())
        return PointResult(point, True, seconds=time.perf_counter() - start, agent_years=agent_years,
                           runs=replicates, goals=goals, indicators=indicators)
    except Exception as exc:  # recorded with the point; the sweep goes on
        from ..errors import ScenarioError

        text = str(exc) if isinstance(exc, ScenarioError) else "".join(
            traceback.format_exception_only(type(exc), exc)).strip()
        return PointResult(point, False, error=text, seconds=time.perf_counter() - start)


def _goal_indicator_years(scenario) -> list[tuple[str, int]]:
    """(indicator, goal year) for every goal condition, and the series it is compared with."""
    out = []
    for goal in scenario.goals.values():
        for cond in goal.all_conditions():
            out.append((cond.indicator, goal.year))
            series = getattr(cond.threshold, "series", None)
            if series:
                out.append((series, goal.year))
    return list(dict.fromkeys(out))
