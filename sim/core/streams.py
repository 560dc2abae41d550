"""Per-replicate random streams, drawn in bulk, with a fixed consumption per draw.

Replicate ``r`` of a run with seed ``s`` owns one generator per purpose ``k`` (parameters, initial
state, yearly events; the Mesa model's one generator for all of them):
``PCG64(SeedSequence(s, spawn_key=(r, k)))``. A block of replicates is just a stack of such
streams, so the numbers a replicate sees do not depend on which block, chunk size or worker
process it runs in.

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

# stream purposes: the core's parameters, initial state and yearly events, and the Mesa model's
# one generator for all three (``sim.abm.model``)
PARAMETERS, INITIAL, YEARS, MESA = 0, 1, 2, 3


def replicate_generator(seed: int, replicate: int, purpose: int) -> np.random.Generator:
    """The generator of one replicate and purpose: independent of every other one and of chunking."""
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(replicate, purpose))))


class ReplicateStreams:
    """The generators of a block of replicates for one purpose, with bulk draws into (block, ...) buffers."""

    def __init__(self, seed: int, replicates, purpose: int = YEARS):
        self.replicates = np.asarray(replicates, dtype=np.int64)
        self.gens = [replicate_generator(seed, int(r), purpose) for r in self.replicates]

    @classmethod
    def of_generator(cls, gen: np.random.Generator, replicate: int) -> "ReplicateStreams":
        """One replicate's ``gen`` seen as a block of one, so code written for blocks (the
        district's binomial graduations and Poisson counts) draws from that generator."""
        streams = cls.__new__(cls)
        streams.replicates = np.array([replicate], dtype=np.int64)
        streams.gens = [gen]
        return streams

    def __len__(self) -> int:
        return len(self.gens)

    def derived(self, key: int) -> "ReplicateStreams":
        """New streams, one per replicate, each keyed by this stream's seed sequence extended by
        ``key``: independent of this stream and of how much of it has been drawn. The registry's
        structural parameters draw from one (``sim.core.params``)."""
        streams = ReplicateStreams.__new__(ReplicateStreams)
        streams.replicates = self.replicates
        streams.gens = []
        for g in self.gens:
            ss = g.bit_generator.seed_seq
            child = np.random.SeedSequence(ss.entropy, spawn_key=tuple(ss.spawn_key) + (key,))
            streams.gens.append(np.random.Generator(np.random.PCG64(child)))
        return streams

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
        lam = np.maximum(np.asarray(lam, dtype=np.float64), 0.0)
        return poisson_ppf(self.uniform(np.empty(lam.shape)), lam)

    def binomial(self, n, p) -> np.ndarray:
        """Binomial counts (block, m) with trials ``n`` and probabilities ``p``, one uniform each."""
        n = np.maximum(np.asarray(n, dtype=np.int64), 0)
        p = np.clip(np.broadcast_to(np.asarray(p, dtype=np.float64), n.shape), 0.0, 1.0)
        return binomial_ppf(self.uniform(np.empty(n.shape)), n, p)


def poisson_ppf(u: np.ndarray, lam: np.ndarray) -> np.ndarray:
    """Smallest k with P(X <= k) >= u for X ~ Poisson(lam) (scipy.stats.poisson.ppf without its
    generic argument handling, which costs more than the computation here)."""
    from scipy import special

    lam_ = np.where(lam > 0, lam, 1.0)
    k = np.ceil(special.pdtrik(u, lam_))
    below = np.maximum(k - 1, 0)
    k = np.where(special.pdtr(below, lam_) >= u, below, k)
    return np.where(lam > 0, k, 0).astype(np.int64)


def binomial_ppf(u: np.ndarray, n: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Smallest k with P(X <= k) >= u for X ~ Binomial(n, p) (as scipy.stats.binom.ppf)."""
    from scipy import special

    ok = (n > 0) & (p > 0)
    n_, p_ = np.where(ok, n, 1), np.where(ok, p, 0.5)
    k = np.ceil(special.bdtrik(u, n_, p_))
    below = np.maximum(k - 1, 0)
    k = np.where(special.bdtr(below, n_, p_) >= u, below, k)
    k = np.where(p >= 1, n, k)
    return np.where(ok, np.minimum(k, n), 0).astype(np.int64)
