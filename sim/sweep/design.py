"""The points of a sweep: factor values from the design (scipy.stats.qmc).

- ``grid``: every combination of each factor's levels (evenly spaced from low to high);
- ``lhs``: a Latin hypercube of ``points`` points (``qmc.LatinHypercube``);
- ``sobol``: Saltelli's scheme for Sobol' indices: a scrambled Sobol' sample of 2k dimensions
  and N points gives the matrices A (first k columns) and B (last k); the points are A, B and,
  for each factor i, A with column i taken from B (AB_i): N x (k + 2) points in that order, as
  ``scipy.stats.sobol_indices`` expects them (``func`` given as f_A, f_B, f_AB).

Point ``i`` of a design is always the same values: the design depends only on the sweep file.
The design's size is checked (``sim/limits.py``) before any array is made, also for a
:class:`Sweep` built in Python rather than loaded from a file.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .spec import Sweep, check_design


@dataclass(frozen=True)
class Design:
    """The sweep's points: ``values`` (points, factors) in the factors' units, and each point's
    ``role`` (``grid``, ``lhs``, or ``A``, ``B``, ``AB:<factor>`` for Sobol')."""

    names: list[str]
    values: np.ndarray
    roles: list[str]
    n_base: int = 0          # sobol: N

    def __len__(self) -> int:
        return len(self.roles)

    def overrides(self, sweep: Sweep, point: int) -> dict[str, float]:
        """The scenario overrides of one point (dotted path -> value)."""
        return {f.path: float(v) for f, v in zip(sweep.spec.factors, self.values[point])}


def build_design(sweep: Sweep) -> Design:
    """The points of ``sweep``'s design (a SweepError if the design is too large or malformed)."""
    from scipy.stats import qmc

    check_design(str(sweep.path), sweep.spec)
    spec, names = sweep.spec, sweep.names
    d, k = spec.design, len(spec.factors)
    low = np.array([f.low for f in spec.factors])
    high = np.array([f.high for f in spec.factors])
    if d.kind == "grid":
        axes = [np.linspace(f.low, f.high, f.levels or d.levels) for f in spec.factors]
        mesh = np.meshgrid(*axes, indexing="ij")
        values = np.stack([m.ravel() for m in mesh], axis=1)
        return Design(names, values, ["grid"] * len(values))
    if d.kind == "lhs":
        unit = qmc.LatinHypercube(d=k, rng=np.random.default_rng(d.seed)).random(d.points)
        return Design(names, qmc.scale(unit, low, high), ["lhs"] * d.points)
    n = d.points // (k + 2)
    unit = qmc.Sobol(d=2 * k, scramble=d.scramble, rng=np.random.default_rng(d.seed)).random(n)
    a, b = unit[:, :k], unit[:, k:]
    blocks, roles = [a, b], ["A"] * n + ["B"] * n
    for i, name in enumerate(names):
        ab = a.copy()
        ab[:, i] = b[:, i]
        blocks.append(ab)
        roles += [f"AB:{name}"] * n
    return Design(names, qmc.scale(np.concatenate(blocks), low, high), roles, n_base=n)
