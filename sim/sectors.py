"""The sectors of the firm population, and what the model derives from them, in one place.

The list of sectors is the scenario schema's (``sim.scenario.schema.SECTORS``): a scenario names
sectors by those keys, and a firm holds the index of its sector in that list. Everything the
engines and the start state derive from the list lives here, so no module counts the sectors,
looks up the agri-food sector or turns a {sector: share} mapping into a table on its own:

- ``N_SECTORS`` and ``AGRI``, the agri-food sector, which the science commissioners serve and
  whose municipal platforms count towards the agricultural-platform goal;
- ``index``: a sector's index from its key, ``ANY`` (-1) for an incubator open to every sector;
- ``table``: a scenario's {sector: value} mapping as an array in sector order (0 where absent);
- ``cdf`` and ``draw``: cumulative sector shares, and a sector drawn from them with a uniform.
"""

from __future__ import annotations

import numpy as np

from .scenario.schema import SECTORS

__all__ = ["SECTORS", "N_SECTORS", "AGRI", "ANY", "index", "table", "cdf", "draw"]

N_SECTORS = len(SECTORS)
AGRI = SECTORS.index("agri_food")
ANY = -1   # the sector index of an incubator that takes start-ups of every sector


def index(key: str) -> int:
    """The index of sector ``key`` in ``SECTORS``; ``ANY`` for ``"any"``."""
    return ANY if key == "any" else SECTORS.index(key)


def table(by_sector: dict) -> np.ndarray:
    """A {sector: value} mapping as an array in sector order; sectors it leaves out are 0."""
    return np.array([by_sector.get(s, 0.0) for s in SECTORS])


def cdf(weights: np.ndarray) -> np.ndarray:
    """Cumulative shares of sector ``weights`` (the last axis; rows of a 2-d array each), so a
    uniform below the k-th entry falls in sector k or before. All-zero weights give zeros."""
    weights = np.asarray(weights)
    return np.cumsum(weights, axis=-1) / np.maximum(weights.sum(axis=-1, keepdims=True), 1e-12)


def draw(cumulative: np.ndarray, u):
    """The sector a uniform ``u`` (scalar or array) falls in under the ``cumulative`` shares."""
    return np.minimum(np.searchsorted(cumulative, u, side="right"), N_SECTORS - 1)
