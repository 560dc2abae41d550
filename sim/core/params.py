"""Draw each replicate's parameter values from the scenario's distributions.

Returns one float64 array of length block per parameter. Draws come first in a replicate's
stream, in the fixed order of the parameter registry, so they are reproducible and independent
of chunking.
"""

from __future__ import annotations

import numpy as np

from .. import parameters
from ..scenario.distributions import as_dist
from .streams import ReplicateStreams

SECTIONS = ("initial", "uncertainties", "rules")


def sample_parameters(scenario, streams: ReplicateStreams) -> dict[str, np.ndarray]:
    """Sample every registry parameter for every replicate of the block."""
    specs = []
    for section in SECTIONS:
        values = getattr(scenario, section)
        for p in parameters.BY_SECTION[section].values():
            specs.append((p, as_dist(getattr(values, p.name))))

    def draw(gen):
        row = []
        for p, dist in specs:
            x = dist.sample(gen, (p.low, p.high))
            row.append(round(x) if p.integer else x)
        return row

    table = streams.sample_each(draw).astype(np.float64).reshape(len(streams), len(specs))
    return {p.name: table[:, i] for i, (p, _) in enumerate(specs)}


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
