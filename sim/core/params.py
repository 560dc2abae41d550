"""Draw each replicate's parameter values from the scenario's distributions.

Returns one float64 array of length block per parameter. Each replicate's parameter stream gives
one uniform per registry parameter, in registry order, turned into the value by the inverse CDF:
reproducible, independent of chunking, and common across scenarios (a parameter keeps its
uniform whatever the other parameters' distributions are). A scenario with a ``[posterior]``
file takes the calibrated parameters from one posterior sample per replicate instead
(read by ``sim/scenario/posterior.py``).
"""

from __future__ import annotations

import numpy as np

from .. import parameters
from ..scenario.distributions import as_dist
from .streams import ReplicateStreams

SECTIONS = ("initial", "uncertainties", "rules")
STRUCTURAL_KEY = 0   # the structural parameters' stream: the parameter stream's seed sequence + (0,)
_INTEGER = {p.name for p in parameters.ALL if p.integer}


def sample_parameters(scenario, streams: ReplicateStreams) -> dict[str, np.ndarray]:
    """Sample every registry parameter for every replicate of the block (integers rounded)."""
    return sample_parameters_and_particles(scenario, streams)[0]


def sample_parameters_and_particles(scenario, streams: ReplicateStreams
                                    ) -> tuple[dict[str, np.ndarray], np.ndarray | None]:
    """``sample_parameters``, and each replicate's row of the posterior file (None without one):
    the draws a run records in its inputs table (``sim.inputs_table``), from the same uniforms."""
    specs, structural = [], []
    for section in SECTIONS:
        values = getattr(scenario, section)
        for p in parameters.BY_SECTION[section].values():
            (structural if p.structural else specs).append((p, as_dist(getattr(values, p.name))))
    # one uniform per parameter, and one more that picks the posterior sample (drawn always, so
    # naming a posterior file does not shift any other parameter's uniform)
    u = streams.uniform(np.empty((len(streams), len(specs) + 1)))
    out = {}
    # the structural parameters (``parameters.STRUCTURAL``) draw from a stream of their own, so
    # adding them changed no other draw
    u_structural = streams.derived(STRUCTURAL_KEY).uniform(np.empty((len(streams), len(structural))))
    for uu, group in ((u, specs), (u_structural, structural)):
        for i, (p, dist) in enumerate(group):
            x = np.clip(dist.ppf(uu[:, i], (p.low, p.high)), p.low, p.high).astype(np.float64)
            out[p.name] = np.round(x) if p.integer else x
    rows = None
    if scenario.posterior_file is not None:
        from ..scenario.posterior import read_posterior

        post = read_posterior(scenario.posterior_file)
        post.check_base_year(scenario.horizon.base_year)     # never start one year's state in another
        rows = post.pick(u[:, -1])
        integer = {p.name for p, _ in specs if p.integer}
        for j, name in enumerate(post.names):
            x = post.samples[rows, j].astype(np.float64)
            out[name] = np.round(x) if name in integer else x
    return out, rows


def override_parameters(params: dict[str, np.ndarray], values: dict | None, n: int) -> dict[str, np.ndarray]:
    """Replace drawn parameters by given values (name -> one value, or one per replicate of the
    block of ``n``), rounded like the draws for integer parameters: how a calibration sets the
    values it proposes, in either engine."""
    for name, v in (values or {}).items():
        v = np.broadcast_to(np.asarray(v, dtype=np.float64), (n,)).copy()
        params[name] = np.round(v) if name in _INTEGER else v
    return params


def estimated_inputs(scenario) -> list[str]:
    """Names of start values and parameters given as distributions, i.e. estimates, for reports;
    those drawn from the scenario's posterior file are marked "(calibrated)"."""
    from ..scenario.posterior import DRAWN_SECTIONS, calibrated_names

    calibrated = calibrated_names(scenario)
    out = []
    for section in DRAWN_SECTIONS:          # start values, behaviour and rules (a rule may be drawn)
        values = getattr(scenario, section)
        for p in parameters.BY_SECTION[section].values():
            d = as_dist(getattr(values, p.name))
            if p.name in calibrated:
                out.append(f"{section}.{p.name} (calibrated)")
            elif d.support()[0] != d.support()[1]:
                out.append(f"{section}.{p.name}")
    return out
