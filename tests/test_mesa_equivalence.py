"""The Mesa model and the vectorized core are the same model: for the baseline, every goal
indicator has the same distribution in 2026 and in 2035 on both engines; and the check fails when
one rule parameter is changed in one engine only. (The variant combined_push was checked too
until CI's time budget ran short: `SCENARIOS` takes it back, about 2 more minutes.)

Design (see ``sim.abm.equivalence`` for the statistics):

- samples: MESA_RUNS Mesa replicates (seed MESA_SEED) against CORE_RUNS core replicates (seed
  CORE_SEED), independent; the core is cheap, so its larger sample buys power for free;
- tests: one two-sample Kolmogorov-Smirnov test per (goal indicator, year) — 14 indicators
  (the goals' indicators and the series they compare against) x 2 years = 28 tests per scenario
  — with a Bonferroni family level ALPHA = 1% per scenario: a correct Mesa model fails a scenario's
  check with probability at most 1%;
- power: with these sizes a single test rejects above a CDF distance of 0.15 and detects a
  distance of 0.20 (a shift of 0.50 standard deviations of a normal indicator, or 20 percentage
  points in a yes/no indicator such as the national zone) with probability at least 90%
  (``test_stated_power_holds`` checks this by simulation; DETECTABLE bounds it);
- teeth: the core run with ``rules.TEETH_RULE`` changed (TEETH_FROM -> TEETH_TO: the HTE test's
  bar on high-tech products' share of revenue 20% higher; the IP bar, once used here, is drawn
  from the posterior now) against the same Mesa sample of the baseline must fail the check.

The Mesa sample is the slow part (about 1.5 s per replicate per core; 200 replicates take
about 3-5 minutes on two cores), so the module is marked ``slow``: CI runs it as its second step
(``python -m pytest -m slow``).
"""

from __future__ import annotations

import numpy as np
import pytest

from sim import apply_overrides, load_scenario
from sim.abm.equivalence import compare_engines, goal_indicators
from sim.execution import default_workers
from sim.execution import run_replicates as run_core

from conftest import ROOT

pytestmark = pytest.mark.slow

MESA_RUNS, CORE_RUNS = 200, 4000
MESA_SEED, CORE_SEED = 101, 202
ALPHA = 0.01
DETECTABLE = 0.21
SCENARIOS = ("baseline",)
TEETH_RULE, TEETH_FROM, TEETH_TO = "hte_hightech_revenue_min", 60, 72

_samples: dict[str, tuple] = {}


def samples(name: str):
    """(scenario, core results, Mesa results) of a scenario, computed once per session."""
    if name not in _samples:
        scenario = load_scenario(ROOT / "scenarios" / f"{name}.toml")
        workers = min(2, default_workers())
        mesa = run_core(scenario, runs=MESA_RUNS, seed=MESA_SEED, workers=workers, engine="mesa")
        core = run_core(scenario, runs=CORE_RUNS, seed=CORE_SEED, workers=workers)
        _samples[name] = (scenario, core, mesa)
    return _samples[name]


@pytest.mark.parametrize("name", SCENARIOS)
def test_engines_agree_on_every_goal_indicator(name):
    scenario, core, mesa = samples(name)
    indicators = goal_indicators(scenario)
    eq = compare_engines(core, mesa, indicators, alpha=ALPHA)
    assert len(eq.checks) == 2 * len(indicators) >= 20
    assert eq.detectable <= DETECTABLE, "the samples are too small for the stated power"
    assert eq.passed, f"{name}: the Mesa model and the core differ\n{eq}"


def test_the_check_fails_when_one_rule_differs_in_one_engine():
    scenario, _, mesa = samples("baseline")
    assert getattr(scenario.rules, TEETH_RULE) == TEETH_FROM
    changed = apply_overrides(scenario, {f"rules.{TEETH_RULE}": TEETH_TO})
    core = run_core(changed, runs=CORE_RUNS, seed=CORE_SEED, workers=min(2, default_workers()))
    eq = compare_engines(core, mesa, goal_indicators(scenario), alpha=ALPHA)
    assert not eq.passed, f"changing rules.{TEETH_RULE} in the core alone went unnoticed\n{eq}"
    assert "hte_count" in {c.indicator for c in eq.failures}


def test_two_core_samples_pass_the_check():
    """The check does not reject an engine against itself (another seed, the Mesa sample size)."""
    scenario, core, _ = samples("baseline")
    other = run_core(scenario, runs=MESA_RUNS, seed=MESA_SEED + 1000)
    eq = compare_engines(core, other, goal_indicators(scenario), alpha=ALPHA)
    assert eq.passed, str(eq)


def test_stated_power_holds():
    """Simulated: normal samples of the test's sizes, shifted by the detectable distance, are
    rejected by a single test at the per-test level in at least 90% of trials (minus 3 binomial
    standard errors of the 400 trials)."""
    from scipy.stats import ks_2samp

    from sim.abm.equivalence import Check, Equivalence

    n_tests = 28
    eq = Equivalence([Check("x", 2026, 0, 0, 0, 1, False)] * n_tests, CORE_RUNS, MESA_RUNS, ALPHA)
    rng = np.random.default_rng(7)
    trials = 400
    rejected = sum(ks_2samp(rng.normal(size=CORE_RUNS), rng.normal(eq.detectable_shift_sd, size=MESA_RUNS),
                            method="asymp").pvalue < eq.per_test_alpha for _ in range(trials))
    assert rejected / trials >= 0.90 - 3 * np.sqrt(0.09 / trials)
