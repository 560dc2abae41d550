"""Statistical checks of the Monte Carlo estimates, with fixed seeds and tolerances derived from
the sample size.

- Two independent seeds estimate the same odds: for every goal the difference stays within four
  standard errors of a difference of two proportions (a false alarm has probability ~6e-5 per goal).
- The policy variants move the outcome the way their levers imply, on common random numbers: the
  paired mean difference in HTEs in 2026 is positive for more support and negative for austerity,
  by more than three paired standard errors.
- Growing a run with --precision gives exactly the run of its final size.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from sim.execution import run_replicates as run
from sim.goals import evaluate, goal_outcomes
from sim.runner import run_scenario
from sim.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
RUNS = 400


@pytest.fixture(scope="module")
def baseline():
    return load_scenario(ROOT / "scenarios" / "baseline.toml")


def test_two_seeds_agree_within_monte_carlo_error(baseline):
    a = evaluate(baseline.goals, run(baseline, runs=RUNS, seed=101, workers=2))
    b = evaluate(baseline.goals, run(baseline, runs=RUNS, seed=202, workers=2))
    for gid in baseline.goals:
        pa, pb = a.goals[gid].probability, b.goals[gid].probability
        # pooled proportion keeps the bound honest when both estimates sit at 0 or 1
        p = (pa + pb) / 2
        se = math.sqrt(max(p * (1 - p), 1 / RUNS) * 2 / RUNS)
        assert abs(pa - pb) <= 4 * se, (gid, pa, pb, se)


VARIANT_RUNS, VARIANT_SEED = 200, 7


@pytest.fixture(scope="module")
def baseline_hte_2026(baseline):
    year = baseline.goals["hte_250"].year - baseline.horizon.base_year
    return year, run(baseline, runs=VARIANT_RUNS, seed=VARIANT_SEED, workers=2).indicators["hte_count"][:, year]


@pytest.mark.parametrize("variant, sign", [("fiscal_boost", +1), ("recruitment_drive", +1),
                                           ("combined_push", +1), ("austerity", -1)])
def test_variants_move_hte_count_in_the_expected_direction(baseline_hte_2026, variant, sign):
    runs = VARIANT_RUNS
    other = load_scenario(ROOT / "scenarios" / f"{variant}.toml")
    year, base = baseline_hte_2026
    alt = run(other, runs=runs, seed=VARIANT_SEED, workers=2).indicators["hte_count"][:, year]
    d = alt - base                      # paired: replicate i shares its random numbers in both runs
    se = d.std(ddof=1) / math.sqrt(runs)
    assert sign * d.mean() > 3 * se, (variant, d.mean(), se)


def test_precision_growth_equals_one_run_of_the_final_size(baseline):
    grown = run_scenario(baseline, runs=16, seed=5, precision=0.15, workers=1)
    n = grown.results.n_runs
    assert n > 16
    direct = run(baseline, runs=n, seed=5, workers=1)
    for name, values in direct.indicators.items():
        assert np.array_equal(values, grown.results.indicators[name], equal_nan=True), name
    outcomes = goal_outcomes(baseline.goals, grown.results)
    assert set(outcomes) == set(baseline.goals)
