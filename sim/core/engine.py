"""The vectorized core as a block simulator: replicates in blocks, every replicate on its own streams.

``CoreSimulator(scenario)`` holds what every block of a run shares (the scenario, its agent layout
and its lever schedule). Called with ``(seed, replicates, parameters)`` it simulates those
replicate indices together from the base year to the horizon and returns the indicators, one
array (len(replicates), years) each: the block-simulator contract of ``sim.execution``, which the
Mesa model implements too. ``plan`` groups a run's replicates into blocks. Every replicate draws
from its own streams keyed by (seed, replicate, purpose), so the numbers do not depend on chunk
size, worker count, block composition or the order in which blocks finish. Where blocks run
(processes, Dask) and how they are checkpointed is the execution layer's business, not the core's.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..indicators import INDICATORS
from .init import Layout, build_layout, initial_block
from .params import override_parameters, sample_parameters
from .policy import Policy, build_policy
from .step import Buffers, measure, step
from .streams import INITIAL, PARAMETERS, YEARS, ReplicateStreams

_PLAN_BATCH = 4096          # replicates whose start sizes are drawn together when planning blocks


@dataclass(frozen=True)
class CoreSimulator:
    """The vectorized core for one scenario: ``sim(seed, replicates, parameters)`` -> indicators."""

    scenario: object
    layout: Layout
    policy: Policy
    name = "core"

    @classmethod
    def of(cls, scenario) -> "CoreSimulator":
        return cls(scenario, build_layout(scenario), build_policy(scenario))

    @property
    def default_chunk_size(self) -> int:
        return self.scenario.run.chunk_size

    def __call__(self, seed: int, replicates, parameters: dict | None = None) -> dict[str, np.ndarray]:
        return simulate_block(self, seed, replicates, parameters)

    def plan(self, seed: int, first: int, runs: int, chunk_size: int) -> list[np.ndarray]:
        return plan_blocks(self, seed, first, runs, chunk_size)


def simulate_block(sim: CoreSimulator, seed: int, replicates, parameters: dict | None = None) -> dict[str, np.ndarray]:
    """Simulate the given replicate indices together; return indicators, each (len, years).
    ``parameters`` (name -> one value per replicate) replaces those parameters' draws: a
    calibration sets the values it proposes this way."""
    sc, L, pol = sim.scenario, sim.layout, sim.policy
    params = override_parameters(sample_parameters(sc, ReplicateStreams(seed, replicates, PARAMETERS)),
                                 parameters, len(replicates))
    block = initial_block(sc, L, params, ReplicateStreams(seed, replicates, INITIAL))
    streams = ReplicateStreams(seed, replicates, YEARS)
    buf = Buffers(len(streams), L.capacity)
    rows = [measure(block, L, L.base_year)]
    for year in pol.years:
        rows.append(step(block, L, pol, int(year), streams, buf))
    return {k: np.stack([r[k] for r in rows], axis=1) for k in INDICATORS}


def plan_blocks(sim: CoreSimulator, seed: int, first: int, runs: int, chunk_size: int) -> list[np.ndarray]:
    """Replicates first..first+runs-1 grouped into blocks of ``chunk_size``, replicates of similar
    start population together: a block computes on as many agent slots as its largest replicate
    needs, so similar sizes waste fewer. Which block a replicate runs in never changes its numbers."""
    idx = np.arange(first, first + runs, dtype=np.int64)
    size = np.concatenate([
        sample_parameters(sim.scenario, ReplicateStreams(seed, idx[i:i + _PLAN_BATCH], PARAMETERS))["firms"]
        for i in range(0, runs, _PLAN_BATCH)])
    order = idx[np.argsort(size, kind="stable")]
    return [order[i:i + chunk_size] for i in range(0, runs, chunk_size)]
