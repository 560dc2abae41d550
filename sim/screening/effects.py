"""Stage 1's analysis: each factor's elementary effects on each goal's odds (Morris), with
intervals and the Monte Carlo noise of the odds, and the ranking.

The output of a point is a goal's odds in percentage points (100 x the share of its replicates
that reached the goal). SALib's ``analyze.morris`` gives, per factor, over its r elementary
effects EE = (odds after the step - odds before) / Delta, with Delta the step in the unit
hypercube:

- ``mu_star`` (mean |EE|): the factor's effect on the odds, in pp, across its whole range (the
  unit interval *is* its range): the **effect_pp** of ``ranking.csv``; the ranking sorts on it.
  A step covers 2/3 of the range (4 levels), so an effect above 100 pp means the odds switch
  from one end to the other within part of the range (a threshold);
- a 95% bootstrap interval of it (``mu_star_conf``, over the trajectories): low_pp, high_pp;
- ``mu`` (mean EE, signed): the direction (positive: the odds rise with the factor), and
  ``sigma`` (sd of EE): large against mu_star where the effect depends on the other factors
  (interactions, or a non-linear effect).

The odds of a point are estimated from R replicates, so each EE carries Monte Carlo noise. The
replicates of consecutive points are paired (common random numbers), so that noise is the paired
standard error of the difference of two proportions: ``noise_pp`` is its root mean square over a
factor's EEs, divided by Delta. An effect_pp of the order of noise_pp cannot be told from chance
(|noise| inflates mu_star by about 0.8 noise_pp at most).
"""

from __future__ import annotations

import numpy as np

from .design import LEVELS, morris_problem

CONFIDENCE = 0.95
RESAMPLES = 1000
SEED = 20240901           # the bootstrap's random numbers: the same inputs give the same intervals


def delta(levels: int = LEVELS) -> float:
    """The Morris step in the unit hypercube."""
    return levels / (2.0 * (levels - 1))


def morris_effects(names: list[str], X: np.ndarray, Y: np.ndarray, levels: int = LEVELS,
                   noise: np.ndarray | None = None) -> "pandas.DataFrame":  # noqa: F821
    """Morris statistics of one output ``Y`` (points,) at design ``X`` (points, k).

    Returns a table: parameter, effect_pp (mu_star), low_pp, high_pp, mu_pp, sigma_pp, noise_pp
    (from ``noise``: each point-to-point step's standard error, (points,), or 0), rank (1: the
    largest effect; ties share the rank).
    """
    import pandas as pd
    from SALib.analyze import morris

    import warnings

    Y = np.asarray(Y, float)
    with warnings.catch_warnings(), np.errstate(divide="ignore", invalid="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)    # constant effects: sigma and intervals of 0
        si = morris.analyze(morris_problem(names), np.asarray(X, float), Y, num_resamples=RESAMPLES,
                            conf_level=CONFIDENCE, num_levels=levels, seed=SEED)
    mu_star = np.asarray(si["mu_star"], float)
    conf = np.nan_to_num(np.asarray(si["mu_star_conf"], float))
    table = pd.DataFrame({
        "parameter": names, "effect_pp": mu_star, "low_pp": np.maximum(0.0, mu_star - conf),
        "high_pp": mu_star + conf, "mu_pp": np.asarray(si["mu"], float),
        "sigma_pp": np.nan_to_num(np.asarray(si["sigma"], float)),
        "noise_pp": step_noise(X, noise, len(names), levels) if noise is not None else 0.0,
    })
    table["rank"] = table["effect_pp"].round(9).rank(ascending=False, method="min").astype(int)
    return table.sort_values(["rank", "parameter"]).reset_index(drop=True)


def steps(X: np.ndarray, k: int) -> list[tuple[int, int, int]]:
    """(point before, point after, factor changed) of every step of every trajectory."""
    X = np.asarray(X, float)
    out = []
    for t in range(len(X) // (k + 1)):
        first = t * (k + 1)
        for j in range(first, first + k):
            out.append((j, j + 1, int(np.argmax(np.abs(X[j + 1] - X[j])))))
    return out


def step_noise(X: np.ndarray, noise: np.ndarray, k: int, levels: int = LEVELS) -> np.ndarray:
    """Per factor, the RMS standard error of its elementary effects (``noise``: per point after a
    step, the standard error of the odds' change from the point before, in pp)."""
    sq, n = np.zeros(k), np.zeros(k)
    for _before, after, i in steps(X, k):
        sq[i] += noise[after] ** 2
        n[i] += 1
    return np.sqrt(sq / np.maximum(n, 1)) / delta(levels)


def paired_noise(met: np.ndarray, X: np.ndarray, k: int) -> np.ndarray:
    """Per point, the paired standard error (pp) of the change of the odds from the point before
    in its trajectory (0 for a trajectory's first point). ``met``: bool (points, runs)."""
    out = np.zeros(len(met))
    runs = met.shape[1]
    for before, after, _ in steps(X, k):
        d = met[after].astype(float) - met[before].astype(float)
        out[after] = 100.0 * d.std(ddof=1) / np.sqrt(runs) if runs > 1 else 0.0
    return out
