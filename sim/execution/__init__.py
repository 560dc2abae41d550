"""The execution layer: where replicates run, how finished work is kept, and what survives faults.

Every run, sweep and calibration asks this layer for replicates; none of them reaches into an
engine's loop or a process pool of its own.

- ``contract``: the block-simulator contract both engines implement, and ``block_simulator``,
  which picks an engine by name (``"core"``, ``"mesa"``);
- ``executors``: ``InProcess``, ``LocalProcesses`` and ``DaskCluster``, which run any list of tasks
  with identical results and survive a dead worker;
- ``checkpoints``: the one checkpoint facility (atomic, checksummed records under a run key) and
  the lock that gives a results folder one owner;
- ``files``: atomic writes, and a full disk as a one-paragraph error;
- ``replicates``: a range of replicates on an executor, reusing checkpointed blocks.

    from sim.execution import LocalProcesses, run_replicates
    results = run_replicates(scenario, runs=1000, seed=1, executor=LocalProcesses(2))
"""

from __future__ import annotations

from .._lazy import lazy_exports

_EXPORTS = {
    "ENGINES": ".contract",
    "BlockSimulator": ".contract",
    "block_simulator": ".contract",
    "Executor": ".executors",
    "InProcess": ".executors",
    "LocalProcesses": ".executors",
    "DaskCluster": ".executors",
    "TaskFailed": ".executors",
    "make_executor": ".executors",
    "default_workers": ".executors",
    "CheckpointStore": ".checkpoints",
    "FolderLock": ".checkpoints",
    "KeyMismatch": ".checkpoints",
    "FolderBusy": ".checkpoints",
    "DiskError": ".files",
    "atomic_write": ".files",
    "run_replicates": ".replicates",
    "simulate_range": ".replicates",
}

__all__ = sorted(_EXPORTS)

__getattr__, __dir__ = lazy_exports(__name__, globals(), _EXPORTS)
