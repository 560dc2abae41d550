"""Per-replicate random streams, drawn in bulk, with a fixed consumption per draw.

Replicate ``r`` of a run with seed ``s`` owns one generator per purpose ``k`` (parameters, initial
state, yearly events): ``PCG64(SeedSequence(s, spawn_key=(r, k)))``. A block of replicates is
just a stack of such streams, so the numbers a replicate sees do not depend on which block, chunk
size or worker process it runs in.

Every draw consumes a fixed count of numbers from the stream, whatever the distribution's
parameters: counts (Poisson, binomial) are inverse-CDF transforms of one uniform each. Two
scenarios run with the same seed therefore see the same uniforms in the same places (common
random numbers): a lever that changes the expected number of recruited firms changes that count
only, not the GDP path or any firm's draws that follow.

Each call fills one replicate's row of a preallocated buffer in one bulk call (thousands of
numbers), so the loop over the block's replicates costs microseconds per year, and all model
logic stays vectorized over (replicates, agents).
"""

from __future__ import annotations

import numpy as np

PARAMETERS, INITIAL, YEARS = 0, 1, 2   # stream purposes


def replicate_generator(seed: int, replicate: int, purpose: int) -> np.random.Generator:
    """The generator of one replicate and purpose: independent of every other one and of chunking."""
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(replicate, purpose))))


class ReplicateStreams:
    """The generators of a block of replicates for one purpose, with bulk draws into (block, ...) buffers."""

    def __init__(self, seed: int, replicates, purpose: int = YEARS):
        self.replicates = np.asarray(replicates, dtype=np.int64)
        self.gens = [replicate_generator(seed, int(r), purpose) for r in self.replicates]

    def __len__(self) -> int:
        return len(self.gens)

    def uniform(self, out: np.ndarray) -> np.ndarray:
        """Fill ``out`` (block, ...) with U[0, 1), one bulk call per replicate."""
        for g, row in zip(self.gens, out):
            g.random(out=row, dtype=out.dtype.type)
        return out

    def normal(self, out: np.ndarray) -> np.ndarray:
        """Fill ``out`` (block, ...) with standard normals (ziggurat: fixed consumption per number)."""
        for g, row in zip(self.gens, out):
            g.standard_normal(out=row, dtype=out.dtype.type)
        return out

    def poisson(self, lam) -> np.ndarray:
        """Poisson counts with means ``lam`` (block, m), one uniform each (inverse CDF)."""
        from scipy.stats import poisson

        lam = np.maximum(np.asarray(lam, dtype=np.float64), 0.0)
        u = self.uniform(np.empty(lam.shape))
        return np.where(lam > 0, poisson.ppf(u, np.where(lam > 0, lam, 1.0)), 0).astype(np.int64)

    def binomial(self, n, p) -> np.ndarray:
        """Binomial counts (block, m) with trials ``n`` and probabilities ``p``, one uniform each."""
        from scipy.stats import binom

        n = np.maximum(np.asarray(n, dtype=np.int64), 0)
        p = np.clip(np.broadcast_to(np.asarray(p, dtype=np.float64), n.shape), 0.0, 1.0)
        u = self.uniform(np.empty(n.shape))
        return np.where(n > 0, binom.ppf(u, n, p), 0).astype(np.int64)
