"""Per-replicate random streams, drawn in bulk.

Replicate ``r`` of a run with seed ``s`` owns the generator
``PCG64(SeedSequence(s, spawn_key=(r,)))`` and consumes it in a fixed order (parameters, initial
state, then each year's draws). A block of replicates is therefore just a stack of independent
streams: the numbers a replicate sees do not depend on which block, chunk size or worker
process it runs in. Each call fills one replicate's row of a preallocated buffer in one bulk call
(thousands of numbers), so the loop over the block's replicates costs microseconds per year, and
all model logic stays vectorized over (replicates, agents).
"""

from __future__ import annotations

import numpy as np


def replicate_generator(seed: int, replicate: int) -> np.random.Generator:
    """The generator of one replicate: independent of every other replicate and of chunking."""
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(replicate,))))


class ReplicateStreams:
    """The generators of a block of replicates, with bulk draws into (block, ...) buffers."""

    def __init__(self, seed: int, replicates: np.ndarray):
        self.replicates = np.asarray(replicates, dtype=np.int64)
        self.gens = [replicate_generator(seed, int(r)) for r in self.replicates]

    def __len__(self) -> int:
        return len(self.gens)

    def uniform(self, out: np.ndarray) -> np.ndarray:
        """Fill ``out`` (block, ...) with U[0, 1), one bulk call per replicate."""
        for g, row in zip(self.gens, out):
            g.random(out=row, dtype=out.dtype.type)
        return out

    def normal(self, out: np.ndarray) -> np.ndarray:
        """Fill ``out`` (block, ...) with standard normals."""
        for g, row in zip(self.gens, out):
            g.standard_normal(out=row, dtype=out.dtype.type)
        return out

    def poisson(self, lam: np.ndarray) -> np.ndarray:
        """Poisson counts with means ``lam`` (block, m)."""
        lam = np.maximum(np.asarray(lam, dtype=np.float64), 0.0)
        return np.stack([g.poisson(row) for g, row in zip(self.gens, lam)])

    def binomial(self, n: np.ndarray, p: np.ndarray) -> np.ndarray:
        """Binomial counts (block, m) with trials ``n`` and probabilities ``p``."""
        n = np.maximum(np.asarray(n, dtype=np.int64), 0)
        p = np.clip(np.broadcast_to(np.asarray(p, dtype=np.float64), n.shape), 0.0, 1.0)
        return np.stack([g.binomial(nr, pr) for g, nr, pr in zip(self.gens, n, p)])

    def sample_each(self, fn) -> np.ndarray:
        """Apply ``fn(generator)`` to each replicate's generator; stack the results."""
        return np.array([fn(g) for g in self.gens])
