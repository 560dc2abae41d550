"""Draw each replicate's parameter values from the scenario's distributions.

Returns one float64 array of length block per parameter. Each replicate's parameter stream gives
one uniform per registry parameter, in registry order, turned into the value by the inverse CDF:
reproducible, independent of chunking, and common across scenarios (a parameter keeps its
uniform whatever the other parameters' distributions are).
"""

from __future__ import annotations

import numpy as np

from .. import parameters
from ..scenario.distributions import as_dist
from .streams import ReplicateStreams

SECTIONS = ("initial", "uncertainties", "rules")


def sample_parameters(scenario, streams: ReplicateStreams) -> dict[str, np.ndarray]:
    """Sample every registry parameter for every replicate of the block (integers rounded)."""
    specs = []
    for section in SECTIONS:
        values = getattr(scenario, section)
        for p in parameters.BY_SECTION[section].values():
            specs.append((p, as_dist(getattr(values, p.name))))
    u = streams.uniform(np.empty((len(streams), len(specs))))
    out = {}
    for i, (p, dist) in enumerate(specs):
        x = np.clip(dist.ppf(u[:, i], (p.low, p.high)), p.low, p.high).astype(np.float64)
        out[p.name] = np.round(x) if p.integer else x
    return out


def estimated_inputs(scenario) -> list[str]:
    """Names of start values and parameters given as distributions, i.e. estimates, for reports."""
    out = []
    for section in ("initial", "uncertainties"):
        values = getattr(scenario, section)
        for p in parameters.BY_SECTION[section].values():
            d = as_dist(getattr(values, p.name))
            if d.support()[0] != d.support()[1]:
                out.append(f"{section}.{p.name}")
    return out
