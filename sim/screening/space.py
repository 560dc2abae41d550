"""What a screening varies: every numeric parameter of a scenario (and, optionally, its lever
fields), each with the range it is varied over and how a design point becomes its value.

A design point is a vector of numbers in [0, 1], one per factor (SALib's unit hypercube). What a
number means depends on where the factor's uncertainty comes from:

- ``posterior``: a parameter the scenario's posterior file holds (the calibrated behaviour and
  start state). ``u`` is a quantile of its weighted posterior marginal, from 5% (u = 0) to 95%
  (u = 1): the value is *fixed* at that quantile for every replicate of the point.
- ``distribution``: a parameter the scenario gives a distribution. Likewise ``u`` is a quantile
  from 5% to 95% of that distribution (its inverse CDF), fixed for the point's replicates.
- ``plausible``: a parameter the scenario holds at a point value. ``u`` runs linearly over its
  plausible range (``sim.plausible``): ``low + u (high - low)``.
- ``lever`` (``--levers`` only): a numeric lever field, linearly from half to one and a half times
  the scenario's value (clipped to what the field allows): a planner's "what if we did half, or
  half as much again".

So a point fixes *every* parameter, and its replicates vary only the model's own chance events
(the same random numbers at every point: common random numbers). Its odds are P(goal | the
point's values); the average change of those odds when one factor moves across its range, over
points spread through the others, is the change of the scenario's odds across that range.
Integer parameters are rounded. Each factor also has a *nominal* position: the median (u = 0.5)
of a distribution, the point value's place in its plausible range, the lever's own value (u = 0.5),
at which a Sobol' refinement holds the factors it does not vary.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import parameters

#: quantiles a distribution's or posterior's range runs between (u = 0 and u = 1)
LOW_QUANTILE, HIGH_QUANTILE = 0.05, 0.95
#: a lever field is varied from LEVER_LOW to LEVER_HIGH times the scenario's value
LEVER_LOW, LEVER_HIGH = 0.5, 1.5
#: lever fields that are timing or shape, not amounts: a screening leaves them as they are
LEVER_SKIP = ("start_year", "end_year", "ramp_years", "growth_pct")
KINDS = ("posterior", "distribution", "plausible", "lever")


@dataclass(frozen=True)
class Factor:
    """One screened input: its dotted name (``uncertainties.rd_learning``, ``levers.x.y``), where
    its range comes from, the values at u = 0 and u = 1, and how u maps to a value.

    ``grid`` holds the quantile function of a distribution or posterior as (u, value) pairs on a
    fine grid of u, so a factor is plain data (sent to workers, hashed into the run key)."""

    name: str
    kind: str
    low: float
    high: float
    nominal: float            # the nominal position u in [0, 1]
    basis: str
    integer: bool = False
    grid: tuple[tuple[float, float], ...] = ()

    def value(self, u: float) -> float:
        """The factor's value at design position ``u`` in [0, 1]."""
        u = float(min(1.0, max(0.0, u)))
        if self.grid:
            us, xs = zip(*self.grid)
            x = float(np.interp(u, us, xs))
        else:
            x = self.low + u * (self.high - self.low)
        return float(round(x)) if self.integer else x

    @property
    def short(self) -> str:
        """The name without its section (``rd_learning``; ``fiscal_support.rd_subsidy_rate``)."""
        return self.name.split(".", 1)[1]

    def to_dict(self) -> dict:
        return {"name": self.name, "kind": self.kind, "low": self.low, "high": self.high, "nominal": self.nominal,
                "basis": self.basis, "integer": self.integer, "grid": [list(g) for g in self.grid]}


GRID_POINTS = 201         # the quantile grid of a distribution (every 0.45 percentage points of probability)


def build_space(scenario, levers: bool = False) -> list[Factor]:
    """Every numeric registry parameter of ``scenario`` (initial, uncertainties, rules, in registry
    order) and with ``levers`` every numeric field of its active levers, as factors."""
    from ..plausible import PLAUSIBLE
    from ..scenario.distributions import as_dist
    from ..scenario.posterior import read_posterior

    post = read_posterior(scenario.posterior_file) if scenario.posterior_file is not None else None
    held = {name: j for j, name in enumerate(post.names)} if post is not None else {}
    out = []
    for p in parameters.ALL:
        name = f"{p.section}.{p.name}"
        if p.name in held:
            out.append(_posterior_factor(name, p, post, held[p.name]))
            continue
        dist = as_dist(getattr(getattr(scenario, p.section), p.name))
        lo, hi = dist.support()
        if lo != hi:
            out.append(_distribution_factor(name, p, dist))
            continue
        if name not in PLAUSIBLE:
            raise KeyError(f"{name} has no plausible range in sim/plausible.py")
        r = PLAUSIBLE[name]
        nominal = (lo - r.low) / (r.high - r.low)
        out.append(Factor(name, "plausible", r.low, r.high, float(min(1.0, max(0.0, nominal))), r.basis, p.integer))
    if levers:
        out += lever_factors(scenario)
    return out


def _quantile_grid(values: np.ndarray, integer: bool) -> tuple[tuple[float, float], ...]:
    us = np.linspace(0.0, 1.0, GRID_POINTS)
    xs = np.round(values) if integer else values
    return tuple((float(u), float(x)) for u, x in zip(us, xs))


def _distribution_factor(name: str, p, dist) -> Factor:
    q = LOW_QUANTILE + (HIGH_QUANTILE - LOW_QUANTILE) * np.linspace(0.0, 1.0, GRID_POINTS)
    xs = np.clip(dist.ppf(q, (p.low, p.high)), p.low, p.high).astype(float)
    basis = f"the scenario's {dist.dist} distribution, {LOW_QUANTILE:.0%}-{HIGH_QUANTILE:.0%}"
    return Factor(name, "distribution", float(xs[0]), float(xs[-1]), 0.5, basis, p.integer,
                  _quantile_grid(xs, p.integer))


def _posterior_factor(name: str, p, post, column: int) -> Factor:
    q = LOW_QUANTILE + (HIGH_QUANTILE - LOW_QUANTILE) * np.linspace(0.0, 1.0, GRID_POINTS)
    x = post.samples[:, column]
    order = np.argsort(x, kind="stable")
    cdf = np.cumsum(post.weights[order])
    idx = np.minimum(np.searchsorted(cdf, q * cdf[-1], side="left"), len(x) - 1)
    xs = x[order][idx].astype(float)
    basis = f"the calibrated posterior's marginal, {LOW_QUANTILE:.0%}-{HIGH_QUANTILE:.0%} (weighted)"
    return Factor(name, "posterior", float(xs[0]), float(xs[-1]), 0.5, basis, p.integer,
                  _quantile_grid(xs, p.integer))


def lever_factors(scenario) -> list[Factor]:
    """Every numeric, non-zero amount of the scenario's active levers (not timing, not flags)."""
    out = []
    for lever_id, lever in scenario.levers.active().items():
        for field, info in type(lever).model_fields.items():
            value = getattr(lever, field)
            if field in LEVER_SKIP or isinstance(value, bool) or not isinstance(value, (int, float)) or value == 0:
                continue
            lo, hi = _field_bounds(info)
            low, high = max(lo, LEVER_LOW * value), min(hi, LEVER_HIGH * value)
            if not low < high:
                continue
            integer = isinstance(value, int)
            basis = (f"lever: {LEVER_LOW:g}-{LEVER_HIGH:g} times the scenario's {value:g} (a planner's choice, "
                     "not an estimate)")
            out.append(Factor(f"levers.{lever_id}.{field}", "lever", float(low), float(high),
                              (value - low) / (high - low), basis, integer))
    return out


def _field_bounds(info) -> tuple[float, float]:
    """The ge/le (or gt/lt) bounds pydantic states for a field."""
    lo, hi = -np.inf, np.inf
    for m in info.metadata:
        for attr in ("ge", "gt"):
            if getattr(m, attr, None) is not None:
                lo = max(lo, float(getattr(m, attr)))
        for attr in ("le", "lt"):
            if getattr(m, attr, None) is not None:
                hi = min(hi, float(getattr(m, attr)))
    return lo, hi


def point_overrides(space: list[Factor], unit: np.ndarray) -> dict:
    """The scenario overrides of one design point (dotted name -> value). The posterior is
    switched off: every parameter it held is fixed by the point, as is every other."""
    out: dict = {f.name: f.value(u) for f, u in zip(space, unit)}
    out["posterior.enabled"] = False
    return out


def nominal_unit(space: list[Factor]) -> np.ndarray:
    return np.array([f.nominal for f in space])
