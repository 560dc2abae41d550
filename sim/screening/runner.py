"""Run a screening: the Morris stage on every factor, then the Sobol' refinement of the top ones,
each design point's replicates on the execution layer, resumable.

``screen`` is the function behind ``innovsim screen``. Every point is one task of the executor
(local processes or Dask; the context, the scenario, travels once per worker) and is kept, the
moment it arrives, as one checksummed record in ``DIR/checkpoints/`` (``morris-<n>``, and
``sobol-<set>-<n>`` for the refinement of the factor set ``<set>``), under a run key of the
scenario's fingerprint, the factors and their ranges, the sizes, the seed and the version. A
screening killed at any moment loses only the points in flight; the same command again skips
every finished point and ends with the numbers of an uninterrupted one. The command owns its
folder while it runs (``FolderLock``); ``restart`` discards the points of other settings.
The points' numbers do not depend on the executor or the worker count (each point has its own
fixed replicates and seed), so neither do the results.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from ..errors import UserError
from . import defaults
from .design import embed, morris_design, saltelli_design
from .points import PointOutcome, ScreenContext, point_task
from .space import Factor, build_space, nominal_unit, point_overrides

#: a refinement needs at least 2 factors
MIN_REFINE = 2


@dataclass(frozen=True)
class Settings:
    """What fixes a screening's numbers (with the scenario)."""

    trajectories: int = defaults.TRAJECTORIES
    runs: int = defaults.RUNS
    refine: int = defaults.REFINE
    seed: int = 20221
    levers: bool = False
    levels: int = defaults.LEVELS
    refine_rows: int = defaults.REFINE_ROWS
    only: tuple[str, ...] = ()      # screen only these factors (dotted names); the others stay nominal

    def points(self, k: int) -> int:
        """Design points of the whole screening of k screened factors (both stages)."""
        k = len(self.only) if self.only else k
        d = min(self.refine, k) if self.refine >= MIN_REFINE else 0
        return self.trajectories * (k + 1) + (self.refine_rows * (d + 2) if d else 0)


@dataclass
class Stage:
    """One stage's design and outcomes: ``X`` (points, factors in ``columns``) in unit values."""

    name: str
    X: np.ndarray
    columns: list[int]
    outcomes: list[PointOutcome]

    def met(self, goal: str) -> np.ndarray:
        return np.stack([o.met[goal] for o in self.outcomes])

    def odds_pp(self, goal: str) -> np.ndarray:
        return 100.0 * self.met(goal).mean(axis=1)


@dataclass
class Screening:
    """A finished screening: the factors, both stages, what was reused and how long it took."""

    scenario: object
    settings: Settings
    space: list[Factor]
    morris: Stage
    refinement: Stage | None
    goals: dict[str, int]                 # goal (and joint_<year>) -> year
    reused: int = 0
    ran: int = 0
    seconds: float = 0.0
    point_seconds: float = 0.0
    notes: list[str] = field(default_factory=list)


def run_key(scenario, space: list[Factor], settings: Settings) -> dict:
    from ..runner import fingerprint

    factors = hashlib.sha256(json.dumps([f.to_dict() for f in space], sort_keys=True).encode()).hexdigest()[:16]
    return {"command": "screen", "scenario": fingerprint(scenario), "factors": factors, **asdict(settings),
            "only": list(settings.only)}


_DESCRIBE = {"scenario": "scenario fingerprint (its file or an edit of it)", "factors": "factors and their ranges "
             "(sim/plausible.py, the scenario's distributions or the posterior)", "trajectories": "--trajectories",
             "runs": "--runs", "seed": "--seed", "levers": "--levers", "refine": "--refine"}


def screen(scenario, out: str | Path, settings: Settings, executor, goals: list[str] | None = None,
           progress=None, restart: bool = False) -> Screening:
    """Screen every factor of ``scenario`` (``space.build_space``), refine the top ones, and
    return the outcomes; ``goals`` (default: all, and the joint goals) choose the goals whose
    ranking picks the refined factors. Records go to ``out/checkpoints``."""
    from ..execution.checkpoints import CheckpointStore, FolderLock

    start = time.perf_counter()
    out = Path(out)
    check_settings(settings)
    space = build_space(scenario, levers=settings.levers)
    _check_size(settings, len(space))
    with FolderLock(out):
        store = CheckpointStore(out / "checkpoints", run_key(scenario, space, settings), restart=restart,
                                what="the points of another screening", describe=_DESCRIBE)
        context = ScreenContext(scenario, settings.runs, settings.seed)
        columns = screened_columns(space, settings.only)
        counts = [0, 0, 0.0]
        if progress is not None:
            progress.total = settings.points(len(space))
        X = morris_design([space[c].name for c in columns], settings.trajectories, settings.seed, settings.levels)
        full = embed(X, columns, nominal_unit(space))
        morris = Stage("morris", X, columns, _run_points(store, "morris", full, space, context, executor, progress,
                                                         counts))
        all_goals = goal_years(scenario)
        asked = check_goals(goals, all_goals)
        refinement = None
        if settings.refine >= MIN_REFINE:
            refinement = _refine(store, morris, space, settings, context, executor, asked, progress, counts)
    return Screening(scenario, settings, space, morris, refinement, all_goals, reused=counts[0], ran=counts[1],
                     seconds=time.perf_counter() - start, point_seconds=counts[2])


def check_settings(settings: Settings) -> None:
    """A UserError for sizes a screening cannot analyse."""
    from ..limits import MAX_RUNS

    if settings.trajectories < 2:
        raise UserError(f"--trajectories {settings.trajectories}: a screening needs at least 2 trajectories (the "
                        "intervals come from their spread); 20 is the default")
    if not 1 <= settings.runs <= MAX_RUNS:
        raise UserError(f"--runs {settings.runs}: replicates per design point must be 1 to {MAX_RUNS:,}")
    if settings.refine < 0 or settings.refine == 1:
        raise UserError(f"--refine {settings.refine}: refine 0 parameters (none) or at least {MIN_REFINE}")
    if settings.refine_rows < 2 or settings.refine_rows & (settings.refine_rows - 1):
        raise UserError(f"refine_rows {settings.refine_rows}: the Sobol' base rows must be a power of 2, at least 2")


def _check_size(settings: Settings, k: int) -> None:
    """Design points are bounded like a sweep's (``sim.limits.MAX_SWEEP_POINTS``), before any is made."""
    from ..limits import MAX_SWEEP_POINTS

    n = settings.points(k)
    if n > MAX_SWEEP_POINTS:
        raise UserError(f"--trajectories {settings.trajectories} with {k} parameters makes {n:,} design points, more "
                        f"than {MAX_SWEEP_POINTS:,} (sim.limits.MAX_SWEEP_POINTS, docs/LIMITS.md); use fewer "
                        "trajectories")


def screened_columns(space: list[Factor], only: tuple[str, ...]) -> list[int]:
    """The indices of the factors a screening varies (all, or those named in ``only``)."""
    if not only:
        return list(range(len(space)))
    index = {f.name: i for i, f in enumerate(space)}
    bad = [n for n in only if n not in index]
    if bad:
        raise UserError(f"{bad[0]} is not a factor of this screening; factors are dotted names such as "
                        f"{space[0].name} (initial., uncertainties., rules., and levers. with --levers)")
    return sorted(index[n] for n in dict.fromkeys(only))


def goal_years(scenario) -> dict[str, int]:
    years = {gid: int(g.year) for gid, g in scenario.goals.items()}
    years.update({f"joint_{y}": y for y in sorted(set(years.values()))})
    return years


def check_goals(goals: list[str] | None, known: dict[str, int]) -> list[str]:
    """The goals asked (default: all), or a UserError naming an unknown one."""
    if not goals:
        return list(known)
    bad = [g for g in goals if g not in known]
    if bad:
        raise UserError(f"--goal {bad[0]}: the scenario has no such goal; choose from {', '.join(known)}")
    return list(dict.fromkeys(goals))


def top_factors(morris: Stage, goals: list[str], d: int) -> list[int]:
    """The ``d`` factors with the largest Morris effect on any of ``goals`` (ties: registry order)."""
    from .effects import morris_effects

    names = [str(i) for i in morris.columns]
    best = np.zeros(len(names))
    for g in goals:
        y = morris.odds_pp(g)
        if np.ptp(y) == 0:
            continue
        t = morris_effects(names, morris.X, y).set_index("parameter")["effect_pp"]
        best = np.maximum(best, t.reindex(names).to_numpy(float))
    order = sorted(range(len(names)), key=lambda i: (-round(best[i], 9), i))
    return [morris.columns[i] for i in order[:d] if best[i] > 0]


def _refine(store, morris: Stage, space, settings: Settings, context, executor, goals, progress, counts):
    d = min(settings.refine, len(morris.columns))
    columns = top_factors(morris, goals, d)
    if len(columns) < MIN_REFINE:
        if progress is not None:
            progress.total -= settings.refine_rows * (d + 2)
        return None
    if len(columns) < d and progress is not None:
        progress.total -= settings.refine_rows * (d - len(columns))
    rows = saltelli_design(len(columns), settings.refine_rows, settings.seed)
    X = embed(rows, columns, nominal_unit(space))
    tag = hashlib.sha256(",".join(space[c].name for c in columns).encode()).hexdigest()[:8]
    outcomes = _run_points(store, f"sobol-{tag}", X, space, context, executor, progress, counts)
    return Stage("sobol", X[:, columns], columns, outcomes)


def _run_points(store, prefix: str, X: np.ndarray, space, context, executor, progress, counts) -> list[PointOutcome]:
    """Every point of ``X``: reused from ``store`` where it holds it, else run and saved."""
    from ..execution.executors import TaskFailed

    done: dict[int, PointOutcome] = {}
    for i in range(len(X)):
        rec = store.load(f"{prefix}-{i:06d}")
        if rec is not None:
            done[i] = PointOutcome.from_record(rec)
    counts[0] += len(done)
    if progress is not None:
        progress.update(len(done))
    todo = [(i, point_overrides(space, X[i])) for i in range(len(X)) if i not in done]
    for j, result in executor.run(point_task, context, todo):
        i = todo[j][0]
        if isinstance(result, TaskFailed):
            raise UserError(f"design point {i} of the {prefix.split('-')[0]} stage could not be simulated: {result}. "
                            "The finished points are kept: run the same command again to resume, with fewer "
                            "--workers if memory is short.")
        result.point = i
        store.save(f"{prefix}-{i:06d}", result.to_record())
        done[i] = result
        counts[1] += 1
        counts[2] += result.seconds
        if progress is not None:
            progress.update(1)
    return [done[i] for i in range(len(X))]
