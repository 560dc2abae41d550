"""Scenario discovery's statistics on synthetic problems whose answer is known.

- PRIM recovers a known failure box (two relevant inputs of six), in both modes;
- the limit test is calibrated: on data with no box, p < 0.05 about 5% of the time;
- with correlated replicates per design point, the beta-binomial test keeps that rate while the
  row-wise test (replicates counted as independent) does not.

Tolerances come from the number of trials: a rejection rate over N independent trials has
standard error sqrt(0.05 * 0.95 / N); we allow three of them.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.discovery.analysis import Rule, analyse
from sim.discovery.cases import Cases
from sim.discovery.outcomes import Outcome
from sim.discovery.significance import LEVEL, betabinom_greater, fisher_greater

OUTCOME = Outcome("o", "goal", "o", 2026, "synthetic goal", "合成目标")
NAMES = [f"x{j}" for j in range(6)]
TRUE_HIGH_X0, TRUE_LOW_X1 = 0.4, 0.6          # failures concentrate where x0 < 0.4 and x1 > 0.6


def in_true_box(x):
    return (x[:, 0] < TRUE_HIGH_X0) & (x[:, 1] > TRUE_LOW_X1)


def run_cases(seed: int, n: int = 1000, box: bool = True) -> Cases:
    """Independent replicates: failure odds 0.9 inside the true box, 0.1 outside (0.3 everywhere
    without a box)."""
    rng = np.random.default_rng(seed)
    x = rng.random((n, len(NAMES)))
    p = np.where(in_true_box(x), 0.9, 0.1) if box else np.full(n, 0.3)
    return Cases(x, NAMES, {"o": (rng.random(n) < p).astype(float)}, np.ones(n), False)


def design_cases(seed: int, points: int = 240, m: int = 20, rho: float = 0.15, box: bool = True) -> Cases:
    """Design points of m correlated replicates: a point's failure odds are beta-distributed
    around 0.85 inside the true box and 0.1 outside (0.3 without a box), intra-point correlation rho."""
    rng = np.random.default_rng(seed)
    x = rng.random((points, len(NAMES)))
    mean = np.where(in_true_box(x), 0.85, 0.1) if box else np.full(points, 0.3)
    s = (1 - rho) / rho
    k = rng.binomial(m, rng.beta(mean * s, (1 - mean) * s))
    return Cases(x, NAMES, {"o": k.astype(float)}, np.full(points, float(m)), True)


def check_recovered(found) -> None:
    """The box restricts x0 from above and x1 from below, near the true limits, and nothing else
    significantly. Tolerance 0.1: the discovery half holds ~500 cases, ~80 of them in the true
    box; a peel slice is 5% of the box, so a limit lands within a few slices (~0.02 each along
    the 0.4-wide side) of the truth, plus the noise of where failures happen to fall."""
    box = found.box
    assert {0, 1} <= set(box.restricted)
    assert abs(box.high[0] - TRUE_HIGH_X0) < 0.1 and abs(box.low[1] - TRUE_LOW_X1) < 0.1
    assert box.low[0] < 0.1 and box.high[1] > 0.9         # open (or nearly) on the other side
    spurious = [j for j in box.restricted if j >= 2 and found.limit_p[j][0] < LEVEL]
    assert not spurious
    assert found.limit_p[0][0] < 1e-3 and found.limit_p[1][0] < 1e-3


@pytest.mark.parametrize("seed", [1, 2])
def test_prim_recovers_a_known_box_on_independent_replicates(seed):
    found = analyse(run_cases(seed), OUTCOME, Rule(), seed=seed, resamples=10)
    check_recovered(found)
    assert found.target == "fail"
    assert found.stability[0] >= 0.5 and found.stability[1] >= 0.5
    assert found.crosscheck["cart"]["jaccard"] > 0.4 and found.crosscheck["logistic"]["jaccard"] > 0.4


def test_prim_recovers_a_known_box_on_a_design():
    found = analyse(design_cases(3), OUTCOME, Rule(), seed=3, resamples=5)
    check_recovered(found)
    naive = [found.limit_p[j][1] for j in (0, 1)]
    clustered = [found.limit_p[j][0] for j in (0, 1)]
    assert all(c >= n for c, n in zip(clustered, naive))      # correlated replicates: wider


def test_limit_test_is_calibrated_on_independent_cases():
    # no difference between the groups: the one-sided mid-p Fisher test rejects ~5%
    n_trials = 1500
    rng = np.random.default_rng(11)
    rejections = 0
    for _ in range(n_trials):
        a, b = rng.random(150) < 0.3, rng.random(150) < 0.3
        rejections += fisher_greater(a.sum(), 150, b.sum(), 150) < LEVEL
    rate = rejections / n_trials
    tol = 3 * math.sqrt(LEVEL * (1 - LEVEL) / n_trials)       # 0.017
    assert abs(rate - LEVEL) < tol, rate


def test_clustered_test_keeps_its_level_where_the_row_wise_test_does_not():
    # two groups of 30 design points, 20 replicates each, the same mean, intra-point correlation 0.2
    n_trials, m, mu, rho = 100, 20, 0.3, 0.2
    s = (1 - rho) / rho
    rng = np.random.default_rng(12)
    clustered = naive = 0
    for _ in range(n_trials):
        k = rng.binomial(m, rng.beta(mu * s, (1 - mu) * s, size=60))
        ka, kb, mm = k[:30], k[30:], np.full(30, m)
        clustered += betabinom_greater(ka, mm, kb, mm) < LEVEL
        naive += fisher_greater(ka.sum(), mm.sum(), kb.sum(), mm.sum()) < LEVEL
    tol = 3 * math.sqrt(LEVEL * (1 - LEVEL) / n_trials)       # 0.065
    assert clustered / n_trials < LEVEL + tol
    # counted as 1,200 independent rows, the same data look "significant" far more often: a design
    # effect of 1 + (m - 1) rho = 4.8 shrinks z by sqrt(4.8), so ~18% rejections
    assert naive / n_trials > LEVEL + tol


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["run", "design"])
def test_no_box_no_significant_limits(mode):
    """The whole search on data with no box: over many seeds, the limits it reports are
    significant at most at the nominal rate (tested on the held-out half)."""
    seeds = 150
    tested = flagged = seeds_flagged = 0
    for seed in range(seeds):
        cases = run_cases(seed, 600, box=False) if mode == "run" else design_cases(seed, 120, box=False)
        found = analyse(cases, OUTCOME, Rule(), seed=seed, resamples=0, cross=False)
        ps = [v[0] for v in found.limit_p.values()]
        tested += len(ps)
        k = sum(p < LEVEL for p in ps)
        flagged += k
        seeds_flagged += k > 0
    assert seeds_flagged / seeds < LEVEL + 3 * math.sqrt(LEVEL * (1 - LEVEL) / seeds)
    if tested:
        assert flagged / tested < LEVEL + 3 * math.sqrt(LEVEL * (1 - LEVEL) / tested)


@pytest.mark.slow
def test_spurious_dimension_rarely_significant_with_a_real_box():
    """With a real box, any of the four irrelevant inputs is flagged significant in at most 5% of seeds."""
    seeds = 60
    flagged = 0
    for seed in range(seeds):
        found = analyse(design_cases(100 + seed), OUTCOME, Rule(), seed=seed, resamples=0, cross=False)
        flagged += any(j >= 2 and found.limit_p[j][0] < LEVEL for j in found.box.restricted)
    assert flagged / seeds < LEVEL + 3 * math.sqrt(LEVEL * (1 - LEVEL) / seeds)
