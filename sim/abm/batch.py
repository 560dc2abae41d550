"""The Mesa model as a block simulator: the same contract as the vectorized core
(``sim.core.engine.CoreSimulator``), so the execution layer (checkpoints, worker processes, Dask)
and the goal evaluation serve both engines alike.

Replicate ``r`` of seed ``s`` is ``InnovationModel(scenario, s, r)``: its numbers depend on
(s, r) only, not on the block or worker process it runs in.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..indicators import INDICATORS


@dataclass(frozen=True)
class MesaSimulator:
    """The Mesa model for one scenario: ``sim(seed, replicates)`` -> indicators (len, years)."""

    scenario: object
    name = "mesa"
    default_chunk_size = 1          # one replicate per block: a Mesa replicate is already slow

    @classmethod
    def of(cls, scenario) -> "MesaSimulator":
        """The simulator of ``scenario``; a UserError naming the ``abm`` extra if Mesa is missing."""
        from . import require_mesa

        require_mesa()
        return cls(scenario)

    def __call__(self, seed: int, replicates, parameters: dict | None = None) -> dict[str, np.ndarray]:
        """Run the Mesa model for each replicate index. ``parameters`` (name -> one value per
        replicate) replaces those parameters' draws, as in the core."""
        from .model import InnovationModel

        rows = []
        for j, r in enumerate(replicates):
            values = {k: np.broadcast_to(np.asarray(v, dtype=np.float64), (len(replicates),))[j]
                      for k, v in (parameters or {}).items()}
            model = InnovationModel(self.scenario, seed, int(r), record_history=False, parameters=values or None)
            model.run_model()
            rows.append(model.datacollector.model_vars)
            model.release()
        return {name: np.array([row[name] for row in rows], dtype=np.float64) for name in INDICATORS}

    def plan(self, seed: int, first: int, runs: int, chunk_size: int) -> list[np.ndarray]:
        """Consecutive replicates: a Mesa block has no shared agent slots to economise."""
        idx = np.arange(first, first + runs, dtype=np.int64)
        return [idx[i:i + chunk_size] for i in range(0, runs, chunk_size)]

