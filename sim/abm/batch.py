"""Many replicates of the Mesa model, in the shape the core's engine returns, so the runner
(checkpoints, worker processes, outputs) and the goal evaluation serve both engines alike.

Replicate ``r`` of seed ``s`` is ``InnovationModel(scenario, s, r)``: its numbers depend on
(s, r) only, not on the block or worker process it runs in.
"""

from __future__ import annotations

import numpy as np

from ..indicators import INDICATORS


def simulate_block(prep, seed: int, replicates) -> dict[str, np.ndarray]:
    """Run the Mesa model for each replicate index; return indicators, each (len, years)."""
    from .model import InnovationModel

    rows = []
    for r in replicates:
        model = InnovationModel(prep.scenario, seed, int(r), record_history=False)
        model.run_model()
        rows.append(model.datacollector.model_vars)
        model.release()
    return {name: np.array([row[name] for row in rows], dtype=np.float64) for name in INDICATORS}


def run(scenario, runs: int | None = None, seed: int | None = None, workers: int = 1, progress=None):
    """``runs`` replicates of the Mesa model in memory (``workers`` processes); returns
    ``sim.results.Results`` like ``sim.core.engine.run``. See ``sim.runner.run_scenario(...,
    engine="mesa")`` for runs that checkpoint to disk."""
    from ..core.engine import run as run_engine

    return run_engine(scenario, runs=runs, seed=seed, workers=workers, chunk_size=1, progress=progress,
                      engine="mesa")
