"""The screening's designs, in the unit hypercube [0, 1]^k (``space`` maps them to values).

- **Morris** (stage 1): ``trajectories`` one-at-a-time trajectories of k + 1 points each on a grid
  of ``LEVELS`` levels, from ``SALib.sample.morris`` (Morris 1991; Campolongo et al. 2007). Each
  trajectory changes every factor once by the step Delta = LEVELS / (2 (LEVELS - 1)) (2/3 of its
  range for 4 levels), so r trajectories cost r (k + 1) points: linear in k, which is why it can
  screen every parameter.
- **Sobol'** (stage 2, the refinement): Saltelli's scheme for the ``d`` factors Morris ranks
  highest, the others held at their nominal positions: a scrambled Sobol' sample of 2d dimensions
  and N rows gives A (first d columns), B (last d) and, for each factor i, A with column i from B
  (AB_i); N (d + 2) points in that order, as ``scipy.stats.sobol_indices`` (and the sweep's
  ``sim.sweep.analysis.sobol.sobol_from_saltelli``) expect them.

Both depend only on their sizes and the seed: point ``i`` of a design is always the same.
"""

from __future__ import annotations

import numpy as np

from .defaults import LEVELS


def morris_problem(names: list[str]) -> dict:
    """The SALib problem: every factor on [0, 1] (its range in the unit hypercube)."""
    return {"num_vars": len(names), "names": list(names), "bounds": [[0.0, 1.0]] * len(names)}


def morris_design(names: list[str], trajectories: int, seed: int, levels: int = LEVELS) -> np.ndarray:
    """``trajectories`` x (k + 1) rows of k unit values, trajectory after trajectory."""
    from SALib.sample import morris

    return morris.sample(morris_problem(names), trajectories, num_levels=levels, seed=int(seed) % 2**32)


def saltelli_design(d: int, n: int, seed: int) -> np.ndarray:
    """N (d + 2) rows of d unit values in the order A, B, AB_1 .. AB_d (``n`` a power of 2)."""
    from scipy.stats import qmc

    unit = qmc.Sobol(d=2 * d, scramble=True, rng=np.random.default_rng(seed)).random(n)
    a, b = unit[:, :d], unit[:, d:]
    blocks = [a, b]
    for i in range(d):
        ab = a.copy()
        ab[:, i] = b[:, i]
        blocks.append(ab)
    return np.concatenate(blocks)


def embed(rows: np.ndarray, columns: list[int], nominal: np.ndarray) -> np.ndarray:
    """Full design points: ``nominal`` everywhere except ``columns``, which take ``rows``."""
    out = np.tile(np.asarray(nominal, float), (len(rows), 1))
    out[:, columns] = rows
    return out
