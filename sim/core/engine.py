"""Run a scenario on the vectorized core: replicates in blocks, blocks in worker processes.

``simulate_block`` runs one block of replicates from the base year to the horizon. ``run`` groups
the requested replicates into blocks of ``chunk_size`` (``plan_blocks``), runs them in ``workers``
processes, and returns the indicators in replicate order (``assemble``); ``sim.runner`` adds
checkpoints on disk. Every replicate draws from its own streams keyed by (seed, replicate,
purpose), so the numbers do not depend on chunk size, worker count, block composition or the order
in which blocks finish. Memory: the simulation state is bounded by the block; the indicators kept
for the summary take about 3.4 KB per replicate (34 MB for 10,000 runs).
"""

from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass

import numpy as np

from .. import parameters as parameters_registry
from ..indicators import INDICATORS
from ..results import Results
from .init import Layout, build_layout, initial_block
from .params import estimated_inputs, sample_parameters
from .policy import Policy, build_policy
from .step import Buffers, measure, step
from .streams import INITIAL, PARAMETERS, YEARS, ReplicateStreams


ENGINES = ("core", "mesa")
_INTEGER = {p.name for p in parameters_registry.ALL if p.integer}


@dataclass(frozen=True)
class Prepared:
    """What every block of a run shares: the scenario, its layout and its lever schedule, and
    the engine that simulates a block ("core", or "mesa": the agent model of ``sim.abm``)."""

    scenario: object
    layout: Layout
    policy: Policy
    engine: str = "core"

    @classmethod
    def of(cls, scenario, engine: str = "core") -> "Prepared":
        if engine not in ENGINES:
            raise ValueError(f"unknown engine {engine!r}; choose one of {', '.join(ENGINES)}")
        return cls(scenario, build_layout(scenario), build_policy(scenario), engine)


def simulate_block(prep: Prepared, seed: int, replicates, parameters: dict | None = None) -> dict[str, np.ndarray]:
    """Simulate the given replicate indices together; return indicators, each (len, years).
    ``parameters`` (name -> one value per replicate) replaces those parameters' draws: a
    calibration sets the values it proposes this way."""
    sc, L, pol = prep.scenario, prep.layout, prep.policy
    params = sample_parameters(sc, ReplicateStreams(seed, replicates, PARAMETERS))
    for name, values in (parameters or {}).items():
        values = np.broadcast_to(np.asarray(values, dtype=np.float64), (len(replicates),)).copy()
        params[name] = np.round(values) if name in _INTEGER else values
    block = initial_block(sc, L, params, ReplicateStreams(seed, replicates, INITIAL))
    streams = ReplicateStreams(seed, replicates, YEARS)
    buf = Buffers(len(streams), L.capacity)
    rows = [measure(block, L, L.base_year)]
    for year in pol.years:
        rows.append(step(block, L, pol, int(year), streams, buf))
    return {k: np.stack([r[k] for r in rows], axis=1) for k in INDICATORS}


def plan_blocks(prep: "Prepared", seed: int, first: int, runs: int, chunk_size: int) -> list[np.ndarray]:
    """Replicates first..first+runs-1 grouped into blocks of ``chunk_size``, replicates of similar
    start population together: a block computes on as many agent slots as its largest replicate
    needs, so similar sizes waste fewer. Which block a replicate runs in never changes its numbers.
    The Mesa engine runs replicates one by one: its blocks are consecutive replicates."""
    idx = np.arange(first, first + runs, dtype=np.int64)
    if prep.engine != "core":
        return [idx[i:i + chunk_size] for i in range(0, runs, chunk_size)]
    size = np.concatenate([
        sample_parameters(prep.scenario, ReplicateStreams(seed, idx[i:i + 4096], PARAMETERS))["firms"]
        for i in range(0, runs, 4096)])
    order = idx[np.argsort(size, kind="stable")]
    return [order[i:i + chunk_size] for i in range(0, runs, chunk_size)]


def assemble(scenario, seed: int, first: int, runs: int, parts: list[tuple[np.ndarray, dict]]) -> Results:
    """Put blocks' indicators (replicate indices, arrays) back in replicate order."""
    years = np.arange(scenario.horizon.base_year, scenario.horizon.end_year + 1)
    indicators = {name: np.full((runs, len(years)), np.nan) for name in INDICATORS}
    seen = np.zeros(runs, bool)
    for reps, ind in parts:
        rows = np.asarray(reps) - first
        seen[rows] = True
        for name in INDICATORS:
            indicators[name][rows] = ind[name]
    if not seen.all():
        raise ValueError(f"{int((~seen).sum())} replicates of {first}..{first + runs - 1} have no results")
    return Results(scenario.meta.name, seed, years, indicators, replicate_offset=first,
                   estimates=estimated_inputs(scenario))


# worker-process state: the prepared scenario is sent once per process, not once per block
_PREP: Prepared | None = None


def _init_worker(prep: Prepared) -> None:
    global _PREP
    _PREP = prep


def _work(args) -> tuple[np.ndarray, dict]:
    seed, reps = args
    if _PREP.engine == "mesa":
        from ..abm.batch import simulate_block as simulate_mesa
        return reps, simulate_mesa(_PREP, seed, reps)
    return reps, simulate_block(_PREP, seed, reps)


def simulate(prep: Prepared, seed: int, todo: list[np.ndarray], workers: int, on_block) -> None:
    """Simulate the blocks ``todo``; call ``on_block(replicates, indicators)`` as each finishes
    (in completion order with several workers). ``workers`` > 1 uses that many processes."""
    if workers == 1 or len(todo) <= 1:
        _init_worker(prep)
        for reps in todo:
            on_block(*_work((seed, reps)))
        return
    with ProcessPoolExecutor(max_workers=workers, initializer=_init_worker, initargs=(prep,)) as pool:
        futures = [pool.submit(_work, (seed, reps)) for reps in todo]
        for fut in as_completed(futures):
            on_block(*fut.result())


def run(scenario, runs: int | None = None, seed: int | None = None, workers: int = 1,
        chunk_size: int | None = None, first_replicate: int = 0, progress=None, engine: str = "core") -> Results:
    """Simulate ``runs`` replicates (default: the scenario's) with ``seed`` (default: the scenario's)
    in memory and return their indicators in replicate order. ``progress(n)`` is called with the
    replicates finished in each block. See ``sim.runner`` for runs that stream to disk and resume."""
    runs = scenario.run.replicates if runs is None else int(runs)
    seed = scenario.run.seed if seed is None else int(seed)
    chunk_size = scenario.run.chunk_size if chunk_size is None else int(chunk_size)
    if runs < 1 or chunk_size < 1 or workers < 1:
        raise ValueError("runs, chunk_size and workers must be at least 1")
    prep = Prepared.of(scenario, engine)
    parts: list[tuple[np.ndarray, dict]] = []

    def keep(reps, ind):
        parts.append((reps, ind))
        if progress:
            progress(len(reps))

    simulate(prep, seed, plan_blocks(prep, seed, first_replicate, runs, chunk_size), workers, keep)
    return assemble(scenario, seed, first_replicate, runs, parts)


def default_workers() -> int:
    """The cores this process may use."""
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))
