"""The block-simulator contract, and the engines that implement it.

A *block simulator* is built from a scenario and maps ``(seed, replicate indices, parameter
overrides)`` to the indicators of those replicates, one float64 array ``(len(replicates),
years)`` per name of ``sim.indicators.INDICATORS`` (black-it's ``model(theta, N, seed)``,
with the replicates named rather than counted, so any subset can be run alone). Replicate ``r``
of seed ``s`` has the same numbers whichever block it runs in. It also plans a run's blocks and
says its default block size. Both engines implement it:

- ``"core"``: ``sim.core.engine.CoreSimulator``, the vectorized numpy core (Monte Carlo);
- ``"mesa"``: ``sim.abm.batch.MesaSimulator``, the Mesa agent model (the explanatory twin).

Engines do not import this module (imports run scenario -> engines -> execution); this module
picks an engine by name and imports it only when asked, so the core never loads Mesa.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

ENGINES = ("core", "mesa")


class BlockSimulator(Protocol):
    """What an engine provides to the execution layer."""

    name: str
    scenario: object
    default_chunk_size: int

    def __call__(self, seed: int, replicates: np.ndarray, parameters: dict | None = None) -> dict[str, np.ndarray]:
        """Indicators (len(replicates), years) of the given replicates; ``parameters`` maps a
        parameter name to the values that replace its draws (one, or one per replicate)."""

    def plan(self, seed: int, first: int, runs: int, chunk_size: int) -> list[np.ndarray]:
        """Replicates first..first+runs-1 grouped into blocks of at most ``chunk_size``."""


def block_simulator(scenario, engine: str = "core") -> BlockSimulator:
    """The block simulator of ``scenario`` on ``engine`` ("core" or "mesa")."""
    if engine == "core":
        from ..core.engine import CoreSimulator
        return CoreSimulator.of(scenario)
    if engine == "mesa":
        from ..abm.batch import MesaSimulator
        return MesaSimulator.of(scenario)
    raise ValueError(f"unknown engine {engine!r}; choose one of {', '.join(ENGINES)}")


def simulate_task(simulator: BlockSimulator, task: tuple) -> dict[str, np.ndarray]:
    """The worker's side of a block task ``(seed, replicates[, parameters])``: what executors run."""
    seed, replicates, *rest = task
    return simulator(seed, replicates, rest[0] if rest else None)
