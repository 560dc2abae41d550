"""A synthetic problem with a known answer: a block simulator whose odds are a closed-form
function of two levers' budgets, behind the same contract as the engines.

``ToySimulator`` obeys ``sim.execution.contract``: called as ``sim(seed, replicates)`` it returns
one (len(replicates), years) float64 array per indicator. Every indicator is 0 except
``hte_count`` and ``tech_based_count``, which are a million in a replicate that "succeeds" and 0
otherwise. Replicate ``r`` succeeds on goal ``j`` when its uniform draw ``U[r, j]`` (keyed by the
seed and the replicate, as the engines key their streams) falls below ``p_j(levers)``: binomial
noise with common random numbers, exactly like the engine. With the baseline's goals
``hte_250`` and ``tech_based_1500``, the odds of each are:

    p_hte(f, t)  = logistic(-2.5 + 2.2 sqrt(f / 100m) + 1.2 sqrt(t / 100m))
    p_tech(f, t) = logistic(-1.0 + 1.0 sqrt(f / 100m) + 2.0 sqrt(t / 100m))

with f and t the annual budgets of ``fiscal_support`` and ``talent_plan`` in CNY. Diminishing
returns make the cheapest feasible mix an interior point, found by ``true_cheapest`` on a fine
grid: the truth the tests hold the search to.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..indicators import INDICATORS

UNIT = 100e6
COEFFICIENTS = {"hte_count": (-3.5, 3.3, 1.8), "tech_based_count": (-1.5, 1.5, 3.0)}
SUCCESS_VALUE = 1e6


def toy_odds(fiscal: np.ndarray | float, talent: np.ndarray | float) -> dict[str, np.ndarray]:
    """The closed-form odds of the toy's two outcomes at annual budgets (CNY)."""
    f, t = np.sqrt(np.asarray(fiscal, float) / UNIT), np.sqrt(np.asarray(talent, float) / UNIT)
    return {k: 1 / (1 + np.exp(-(a + b * f + c * t))) for k, (a, b, c) in COEFFICIENTS.items()}


@dataclass(frozen=True)
class ToySimulator:
    """The toy behind the block-simulator contract (one scenario: its levers fix the odds)."""

    scenario: object
    name = "toy"
    default_chunk_size = 1000

    @classmethod
    def of(cls, scenario) -> "ToySimulator":
        return cls(scenario)

    def odds(self) -> dict[str, float]:
        lv = self.scenario.levers
        return {k: float(v) for k, v in toy_odds(lv.fiscal_support.annual_budget_cny,
                                                   lv.talent_plan.annual_budget_cny).items()}

    def __call__(self, seed: int, replicates, parameters: dict | None = None) -> dict[str, np.ndarray]:
        reps = np.asarray(replicates, dtype=np.int64)
        h = self.scenario.horizon
        years = h.end_year - h.base_year + 1
        out = {name: np.zeros((len(reps), years)) for name in INDICATORS}
        odds = self.odds()
        draws = np.array([np.random.default_rng([int(seed), int(r)]).random(len(COEFFICIENTS)) for r in reps])
        for j, name in enumerate(COEFFICIENTS):
            success = draws[:, j] < odds[name]
            out[name][:] = np.where(success, SUCCESS_VALUE, 0.0)[:, None]
        return out

    def plan(self, seed: int, first: int, runs: int, chunk_size: int) -> list[np.ndarray]:
        idx = np.arange(first, first + runs, dtype=np.int64)
        return [idx[i:i + chunk_size] for i in range(0, runs, chunk_size)]


def true_cheapest(cost_of, bounds: tuple[tuple[float, float], tuple[float, float]], targets: dict[str, float],
                  steps: tuple[float, float]) -> tuple[float, float, float]:
    """The cheapest (fiscal, talent) on the grid of ``steps`` inside ``bounds`` whose odds meet
    every target (``targets``: indicator -> p); ``cost_of(f, t)`` gives the mixes' costs (arrays).
    Returns (fiscal, talent, cost)."""
    fs = np.arange(bounds[0][0], bounds[0][1] + steps[0] / 2, steps[0])
    ts = np.arange(bounds[1][0], bounds[1][1] + steps[1] / 2, steps[1])
    F, T = np.meshgrid(fs, ts, indexing="ij")
    odds = toy_odds(F, T)
    ok = np.logical_and.reduce([odds[k] >= p for k, p in targets.items()])
    costs = cost_of(F, T)
    costs = np.where(ok, costs, np.inf)
    i = np.unravel_index(np.argmin(costs), costs.shape)
    return float(F[i]), float(T[i]), float(costs[i])
