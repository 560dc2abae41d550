"""How close to the true cheapest mix can a *verified* answer be on the optimiser's toy?

An oracle that knows the toy's odds (``sim.optimise.toy``) and picks the cheapest mix whose true
P(hte) is p, then verifies it as ``innovsim optimise`` does (a one-sided Clopper-Pearson bound
at 0.05 / (2 constraints x 2 attempts) on ``n`` fresh replicates), passes one look with the
probability printed here, at the printed cost above the true cheapest (P = 0.70). No search can
do better than this oracle, so the table is the floor of the cost a verified answer pays.

    python benchmarks/toy_verification_limit.py            # n = 2,000 and 4,000 fresh replicates
    python benchmarks/toy_verification_limit.py --n 1000 8000
"""

from __future__ import annotations

import argparse
from pathlib import Path

from scipy.stats import binom

from sim.optimise.cost import mix_cost
from sim.optimise.stats import lower_bound
from sim.optimise.toy import true_cheapest
from sim.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
FISCAL, TALENT = "levers.fiscal_support.annual_budget_cny", "levers.talent_plan.annual_budget_cny"
BOUNDS, STEPS = ((0, 200e6), (0, 100e6)), (1e6, 1e6)     # the toy file of tests/test_optimise.py
TARGET, ALPHA = 0.7, 0.05 / (2 * 2)


def toy_cost():
    """The toy's cost: affine in the two budgets (its levers have no ramp)."""
    base = load_scenario(ROOT / "scenarios" / "baseline.toml")
    c0 = mix_cost(base, {FISCAL: 0.0, TALENT: 0.0}).total_cny
    cf = mix_cost(base, {FISCAL: 1e6, TALENT: 0.0}).total_cny - c0
    ct = mix_cost(base, {FISCAL: 0.0, TALENT: 1e6}).total_cny - c0
    return lambda f, t: c0 + cf * f / 1e6 + ct * t / 1e6


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, nargs="+", default=[2000, 4000], help="fresh replicates of a verification")
    args = ap.parse_args()
    cost = toy_cost()
    best = true_cheapest(cost, BOUNDS, {"hte_count": TARGET, "tech_based_count": TARGET}, STEPS)[2]
    for n in args.n:
        k_need = next(k for k in range(n + 1) if lower_bound(k, n, ALPHA) >= TARGET)
        print(f"verification on {n:,} fresh replicates: passes when the estimate is >= {k_need / n:.4f}")
        for p in (0.71, 0.72, 0.725, 0.73, 0.735, 0.74, 0.75):
            c = true_cheapest(cost, BOUNDS, {"hte_count": p, "tech_based_count": TARGET}, STEPS)[2]
            print(f"  true odds {p:.3f}: cost +{100 * (c / best - 1):.1f}% over the true cheapest, "
                  f"P(pass one look) {binom.sf(k_need - 1, n, p):.2f}")


if __name__ == "__main__":
    main()
