"""Candidate mixes: points in the variables' box, snapped to their steps, with their cost.

A candidate is identified by its values alone (``key``), so a candidate proposed twice is one
candidate, and its checkpoint records are found again on a rerun. Continuous variables without a
step are snapped to 1,000 levels of their range (``CONTINUOUS_LEVELS``): finer than the noise
of any odds estimate, and it keeps a recommended budget readable.

The space-filling screen is a scrambled Sobol' sequence (``scipy.stats.qmc``) seeded from the
file's seed, with the base scenario's own mix added when it lies inside the bounds.
"""

from __future__ import annotations

import hashlib
import itertools
import warnings
from dataclasses import dataclass

import numpy as np

from .cost import MixCost, mix_cost

CONTINUOUS_LEVELS = 1000
SCREEN_OVERSAMPLING = 8          # Sobol' points drawn per screen point, for boxes partly over the cap
MAX_CORNERS_DIMS = 10            # the cap check tries every corner of at most 2^10
# purposes of the seed streams derived from the file's seed (numpy SeedSequence keys)
SCREEN, PROPOSALS, SEARCH, VERIFY = 1, 2, 3, 4


def derived_seed(seed: int, purpose: int) -> int:
    """A seed for one purpose (the screen's design, the search's replicates, the verification's
    fresh replicates), independent of the others."""
    return int(np.random.SeedSequence([int(seed), purpose]).generate_state(1, dtype=np.uint32)[0])


@dataclass(frozen=True)
class Candidate:
    """A mix: values in the variables' order, the scenario overrides, its unit coordinates and cost."""

    values: tuple
    overrides: dict
    unit: tuple
    cost: MixCost

    @property
    def key(self) -> str:
        return candidate_key(self.values)

    def levers(self, names: list[str]) -> dict:
        return dict(zip(names, self.values))


def candidate_key(values) -> str:
    return hashlib.sha256(repr(tuple(values)).encode()).hexdigest()[:12]


class Box:
    """The variables' box of an optimisation: snapping, unit coordinates and candidates."""

    def __init__(self, opt):
        self.opt = opt
        self.vars = opt.spec.variables
        self.names = opt.names
        self.low = np.array([v.low for v in self.vars], float)
        self.high = np.array([v.high for v in self.vars], float)
        self.integer = [opt.integer[n] for n in self.names]
        self.step = np.array([_step(v, whole) for v, whole in zip(self.vars, self.integer)], float)

    @property
    def dims(self) -> int:
        return len(self.vars)

    def snap(self, x) -> tuple:
        """The nearest allowed values (low + k x step, at most high)."""
        x = np.clip(np.asarray(x, float), self.low, self.high)
        k = np.floor((x - self.low) / self.step + 0.5)
        k = np.minimum(k, np.floor((self.high - self.low) / self.step + 1e-9))
        snapped = self.low + k * self.step
        return tuple(int(round(v)) if whole else float(round(v, 9)) for v, whole in zip(snapped, self.integer))

    def unit_of(self, values) -> np.ndarray:
        return (np.asarray(values, float) - self.low) / (self.high - self.low)

    def candidate(self, values) -> Candidate:
        values = self.snap(values)
        overrides = {v.path: x for v, x in zip(self.vars, values)}
        o = self.opt.spec
        cost = mix_cost(self.opt.base, overrides, o.cost.discount_pct, o.optimise.enforce_budget_cap)
        return Candidate(values, overrides, tuple(self.unit_of(values).round(9)), cost)

    def from_unit(self, u: np.ndarray) -> list[Candidate]:
        """Candidates of unit points (rows), deduplicated, those over the cap left out."""
        out, seen = [], set()
        for row in np.atleast_2d(u):
            c = self.candidate(self.low + row * (self.high - self.low))
            if c.key not in seen and c.cost.fits_cap:
                seen.add(c.key)
                out.append(c)
        return out

    def screen(self) -> list[Candidate]:
        """The space-filling screen: the base mix (if inside the bounds), then the first Sobol'
        points that fit under the budget cap (up to 8 times as many are drawn)."""
        from scipy.stats import qmc

        s = self.opt.spec
        rng = np.random.default_rng(derived_seed(s.optimise.seed, SCREEN))
        with warnings.catch_warnings():          # a count that is not a power of 2 is fine here
            warnings.simplefilter("ignore", UserWarning)
            unit = qmc.Sobol(d=self.dims, scramble=True, rng=rng).random(SCREEN_OVERSAMPLING * s.search.screen_points)
        base = np.array([self.opt.baseline[n] for n in self.names])
        rows = [self.unit_of(base)] if np.all((base >= self.low) & (base <= self.high)) else []
        return self.from_unit(np.vstack(rows + [unit]))[: s.search.screen_points]

    def random_unit(self, n: int, purpose_round: int) -> np.ndarray:
        """``n`` scrambled Sobol' points for the surrogate's proposals of one round."""
        from scipy.stats import qmc

        seed = derived_seed(self.opt.spec.optimise.seed, PROPOSALS)
        rng = np.random.default_rng([seed, purpose_round])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            return qmc.Sobol(d=self.dims, scramble=True, rng=rng).random(n)


def _step(v, whole: bool) -> float:
    if v.step is not None:
        return float(v.step)
    return 1.0 if whole else (v.high - v.low) / CONTINUOUS_LEVELS


def cheapest_corner_peak(opt) -> float:
    """The lowest dearest-year spending over the box's corners (every corner up to 10
    variables; beyond, the low corner): the cap check of the file loader."""
    lows = [v.low for v in opt.spec.variables]
    highs = [v.high for v in opt.spec.variables]
    if len(lows) > MAX_CORNERS_DIMS:
        corners = [lows]
    else:
        corners = itertools.product(*zip(lows, highs))
    paths = [v.path for v in opt.spec.variables]
    whole = [opt.integer[n] for n in opt.names]
    return min(mix_cost(opt.base, {p: int(x) if w else x for p, x, w in zip(paths, corner, whole)}).peak_cny
               for corner in corners)
