"""Evaluations: a candidate's replicates on one seed stream, in blocks, each kept as it ends.

An *evaluation block* is (candidate, stream, first replicate, count). The worker builds the
candidate's scenario (the base with the candidate's overrides), asks a block simulator (the
``sim.execution`` contract) for those replicates and reduces their indicators to one 0/1 outcome
per constraint and replicate: did every goal of the constraint hold in its goal year? Only
these bits leave the worker.

Common random numbers: replicate ``r`` of a stream has the same seed at every candidate (the
engine's purpose-keyed streams), so two candidates differ by their levers, not by luck. The
search uses one stream; the verification another it never saw (``candidates.derived_seed``).

Resume: the search is a deterministic function of the outcomes. Every finished block is a
checkpoint record (``eval-<stream>-<candidate>-<first>``); a rerun replays the search, takes
each block from its record where one exists and simulates only the others, so a killed run
resumes to exactly the result of an uninterrupted one, on any executor and worker count.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Callable

import numpy as np

from ..errors import UserError
from ..execution.contract import block_simulator
from ..execution.executors import TaskFailed

_CACHE_SIZE = 32              # candidates' simulators a worker keeps built
_WORKER_CACHE: dict = {}


class EvaluationFailed(UserError):
    """A block's worker died on every attempt; the finished blocks stay checkpointed."""


def core_simulator(scenario):
    """The default simulator factory: the vectorized core."""
    return block_simulator(scenario, "core")


@dataclass(frozen=True)
class EvalContext:
    """What every evaluation shares, sent once per worker."""

    base: object                                  # the base Scenario
    constraints: tuple[tuple[str, ...], ...]      # goal ids of each constraint
    enforce_cap: bool
    factory: Callable = core_simulator            # scenario -> block simulator


def evaluate_task(context: EvalContext, task: tuple) -> np.ndarray:
    """The worker's side of a block ``(key, overrides, seed, replicates)``: uint8 (constraints,
    replicates), 1 where every goal of the constraint held in its goal year."""
    from ..goals import goal_outcomes
    from ..results import Results

    key, overrides, seed, replicates = task
    simulator = _simulator(context, key, overrides)
    indicators = simulator(int(seed), np.asarray(replicates, dtype=np.int64))
    sc = simulator.scenario
    years = np.arange(sc.horizon.base_year, sc.horizon.end_year + 1)
    results = Results(sc.meta.name, int(seed), years, indicators)
    ids = sorted({g for goals in context.constraints for g in goals})
    met = goal_outcomes({g: sc.goals[g] for g in ids}, results)
    return np.stack([np.logical_and.reduce([met[g] for g in goals]) for goals in context.constraints]).astype(np.uint8)


def _simulator(context: EvalContext, key: str, overrides: dict):
    """The candidate's block simulator, built once per worker (a few are kept)."""
    from ..scenario.loader import apply_overrides

    cache_key = (id(context), key)
    if cache_key not in _WORKER_CACHE:
        scenario = apply_overrides(context.base, overrides, f"<{context.base.meta.name} with candidate {key}>",
                                   raise_budget_cap=not context.enforce_cap)
        if len(_WORKER_CACHE) >= _CACHE_SIZE:
            _WORKER_CACHE.pop(next(iter(_WORKER_CACHE)))
        _WORKER_CACHE[cache_key] = context.factory(scenario)
    return _WORKER_CACHE[cache_key]


def record_name(stream: str, key: str, first: int) -> str:
    return f"eval-{stream}-{key}-{first:09d}"


class Evaluator:
    """Outcomes of candidates on the search and verification streams, from checkpoint records
    or the executor's session; counts every replicate it hands out (``spent``)."""

    def __init__(self, session, store, seeds: dict[str, int], block: int, n_constraints: int):
        self.session, self.store, self.seeds = session, store, seeds
        self.block, self.n_constraints = block, n_constraints
        self._blocks: dict[tuple[str, str, int], np.ndarray] = {}
        self.spent = 0
        self.simulated = 0            # replicates simulated in this process's run (not from records)

    def ensure(self, requests: list[tuple[object, str, int, int]]) -> None:
        """Make replicates have..want-1 of each ``(candidate, stream, have, want)`` available."""
        tasks, names = [], []
        for cand, stream, have, want in requests:
            self.spent += max(0, want - have)
            for first in range(have, want, self.block):
                count = min(self.block, want - first)
                if self._from_record(stream, cand.key, first, count):
                    continue
                reps = np.arange(first, first + count, dtype=np.int64)
                tasks.append((cand.key, cand.overrides, self.seeds[stream], reps))
                names.append((stream, cand.key, first))
        for i, outcome in self.session.run(tasks):
            if isinstance(outcome, TaskFailed):
                raise EvaluationFailed(f"an evaluation block of {len(tasks[i][3])} replicates could not be simulated: "
                                       f"{outcome}. The finished blocks are kept: run the same command again to "
                                       "resume, with fewer --workers if memory is short.")
            stream, key, first = names[i]
            if self.store is not None:
                self.store.save(record_name(stream, key, first), {"outcomes": outcome, "replicates": tasks[i][3]})
            self._blocks[(stream, key, first)] = outcome
            self.simulated += outcome.shape[1]

    def _from_record(self, stream: str, key: str, first: int, count: int) -> bool:
        if (stream, key, first) in self._blocks:
            return True
        if self.store is None:
            return False
        saved = self.store.load(record_name(stream, key, first))
        if saved is None:
            return False
        out, reps = saved.get("outcomes"), saved.get("replicates")
        expected = np.arange(first, first + count)
        whole = out is not None and out.shape == (self.n_constraints, count)
        if not whole or reps is None or not np.array_equal(reps, expected):
            self.store.set_aside(self.store.path(record_name(stream, key, first)), "it holds other replicates")
            return False
        self._blocks[(stream, key, first)] = out
        return True

    def outcomes(self, cand, stream: str, n: int) -> np.ndarray:
        """Bool (constraints, n): replicates 0..n-1 of ``stream`` (they must be ensured)."""
        parts = [self._blocks[(stream, cand.key, first)] for first in range(0, n, self.block)]
        return np.concatenate(parts, axis=1)[:, :n].astype(bool) if parts else np.zeros((self.n_constraints, 0), bool)


def factory_of(engine: str) -> Callable:
    """A picklable simulator factory for an engine name."""
    return core_simulator if engine == "core" else partial(block_simulator, engine=engine)
