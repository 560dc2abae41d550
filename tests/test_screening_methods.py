"""The screening's methods on test functions with published or analytic answers.

- Morris (1991)'s 20-factor function, as in Saltelli et al. (2008), "Global Sensitivity Analysis:
  The Primer", and SALib's tests: the screening (our design and effects, on SALib) must find
  the published result: factors 1-10 important, 11-20 not; of the important ones, 8-10 act
  linearly (sigma small against mu*) and 1-7 through non-linear or interaction terms.
- Ishigami (Ishigami & Homma 1990; a = 7, b = 0.1): the refinement's Sobol' indices must hold the
  analytic values S1 = (0.3139, 0.4424, 0), ST = (0.5576, 0.4424, 0.2437) in their intervals.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from sim.screening.design import embed, morris_design, saltelli_design
from sim.screening.effects import morris_effects, paired_noise, steps
from sim.screening.refine import sobol_table


def morris_1991(X: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Morris (1991), eq. for the 20-factor example: w_i = 2 (x_i - 1/2), except w_i = 2 (1.1 x_i /
    (x_i + 0.1) - 1/2) for i = 3, 5, 7; beta_i = 20 (i <= 10), beta_ij = -15 (i, j <= 6),
    beta_ijl = -10 (i, j, l <= 5), beta_ijls = 5 (i, j, l, s <= 4); the other first- and
    second-order coefficients standard normal, the other third- and fourth-order ones 0."""
    k = 20
    b1 = np.where(np.arange(k) < 10, 20.0, rng.standard_normal(k))
    b2 = rng.standard_normal((k, k))
    b2[:6, :6] = -15.0
    w = 2 * (X - 0.5)
    odd = [2, 4, 6]
    w[:, odd] = 2 * (1.1 * X[:, odd] / (X[:, odd] + 0.1) - 0.5)
    y = w @ b1
    for i, j in itertools.combinations(range(k), 2):
        y += b2[i, j] * w[:, i] * w[:, j]
    for c in itertools.combinations(range(5), 3):
        y += -10.0 * np.prod(w[:, list(c)], axis=1)
    return y + 5.0 * np.prod(w[:, :4], axis=1)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_morris_function_published_ranking(seed):
    names = [f"x{i + 1}" for i in range(20)]
    X = morris_design(names, 50, seed)
    t = morris_effects(names, X, morris_1991(X, np.random.default_rng(100 + seed))).set_index("parameter")
    top10 = set(t.sort_values("effect_pp", ascending=False).index[:10])
    assert top10 == {f"x{i}" for i in range(1, 11)}
    # the gap is clear: the least important of 1-10 lies above the upper interval end of any of 11-20
    important, rest = t.loc[[f"x{i}" for i in range(1, 11)]], t.loc[[f"x{i}" for i in range(11, 21)]]
    assert important["low_pp"].min() > rest["high_pp"].max()
    ratio = t["sigma_pp"] / t["effect_pp"]
    assert ratio.loc[["x8", "x9", "x10"]].max() < ratio.loc[[f"x{i}" for i in range(1, 8)]].min()


def test_morris_design_shape_and_steps():
    names = ["a", "b", "c", "d"]
    X = morris_design(names, 5, 7)
    assert X.shape == (5 * 5, 4) and ((X >= 0) & (X <= 1)).all()
    changed = [i for _, _, i in steps(X, 4)]
    for t in range(5):      # every factor changes exactly once per trajectory
        assert sorted(changed[4 * t:4 * t + 4]) == [0, 1, 2, 3]
    assert np.array_equal(X, morris_design(names, 5, 7))       # the design depends only on its seed


def test_paired_noise_is_zero_for_identical_replicates_and_positive_otherwise():
    X = morris_design(["a", "b"], 2, 1)
    same = np.zeros((len(X), 10), bool)
    assert not paired_noise(same, X, 2).any()
    flip = same.copy()
    flip[1, :5] = True            # point 1 differs from point 0 in 5 of 10 paired replicates
    noise = paired_noise(flip, X, 2)
    # sd of (1,1,1,1,1,0,0,0,0,0) (ddof 1) / sqrt(10), in pp
    assert noise[1] == pytest.approx(100 * np.std([1] * 5 + [0] * 5, ddof=1) / np.sqrt(10))


def ishigami(x: np.ndarray, a: float = 7.0, b: float = 0.1) -> np.ndarray:
    return np.sin(x[:, 0]) + a * np.sin(x[:, 1]) ** 2 + b * x[:, 2] ** 4 * np.sin(x[:, 0])


ISHIGAMI_S1 = {"x1": 0.3139, "x2": 0.4424, "x3": 0.0}
ISHIGAMI_ST = {"x1": 0.5576, "x2": 0.4424, "x3": 0.2437}


def test_refinement_reproduces_ishigami_indices():
    n = 1024
    unit = saltelli_design(3, n, seed=11)
    y = ishigami(-np.pi + 2 * np.pi * unit)
    t = sobol_table(["x1", "x2", "x3"], {"y": y}, n).set_index("parameter")
    for name in ("x1", "x2", "x3"):
        row = t.loc[name]
        # analytic values inside the 95% bootstrap intervals; the intervals are narrow enough to tell
        # the factors apart (about +-0.05 at N = 1024)
        assert row.S1_low <= ISHIGAMI_S1[name] <= row.S1_high
        assert row.ST_low <= ISHIGAMI_ST[name] <= row.ST_high
        assert row.ST_high - row.ST_low < 0.2
    assert list(t.sort_values("rank").index) == ["x1", "x2", "x3"]


def test_embed_holds_the_other_factors_at_nominal():
    rows = np.array([[0.1, 0.2], [0.3, 0.4]])
    full = embed(rows, [2, 0], np.array([0.5, 0.6, 0.7]))
    assert full.tolist() == [[0.2, 0.6, 0.1], [0.4, 0.6, 0.3]]
