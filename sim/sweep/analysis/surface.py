"""The response surface: marginal odds per 100 million CNY a year at the baseline, and the odds there.

A quadratic response surface (intercept, linear terms, squares, pairwise interactions; budget
factors in 100m CNY a year, other factors in their own units; centred on the baseline values, so
the linear coefficients *are* the gradient at the baseline) is fitted by least squares to each
goal's probability over all finished points. With too few points for the quadratic (fewer than its
terms + 3) a linear surface is used, and squares are dropped for factors with fewer than 3 distinct
values. 95% intervals: percentile bootstrap over points (500 resamples, fixed seed). The fitted
value at the baseline (the intercept) gives the odds at the baseline.
"""

from __future__ import annotations

import numpy as np

from . import CONFIDENCE, HUNDRED_MILLION, SEED
from .curves import mean_interval

MARGINAL_RESAMPLES = 500


def factor_scale(f: dict) -> float:
    """Divide a factor's values by this to fit them: budgets in 100m CNY a year, others as they are."""
    return HUNDRED_MILLION if f.get("budget") else 1.0


def surface_terms(z: np.ndarray, quadratic: bool = True, squares: list[bool] | None = None) -> np.ndarray:
    """Columns of the response surface for centred factor values.

    Parameters
    ----------
    z : numpy.ndarray
        Factor values minus the baseline, in fit units, shape (points, factors).
    quadratic : bool
        Add squares and pairwise products to the intercept and linear terms.
    squares : list of bool, optional
        Which factors get a square (default all).

    Returns
    -------
    numpy.ndarray
        Intercept, linear terms, then (quadratic) squares and pairwise products: the linear
        coefficients are the gradient at z = 0, the baseline.
    """
    n, d = z.shape
    cols = [np.ones(n)] + [z[:, i] for i in range(d)]
    if quadratic:
        squares = squares if squares is not None else [True] * d
        cols += [z[:, i] ** 2 for i in range(d) if squares[i]]
        cols += [z[:, i] * z[:, j] for i in range(d) for j in range(i + 1, d)]
    return np.column_stack(cols)


def choose_surface(x: np.ndarray, factors: list[dict]) -> tuple[str, list[bool], list[str]]:
    """The richest surface the finished points can carry, and why a poorer one was used.

    Parameters
    ----------
    x : numpy.ndarray
        Factor values of the finished points, shape (points, factors).
    factors : list of dict
        The sweep's factors (``name``, ``low``, ``high``, ``baseline``).

    Returns
    -------
    tuple
        (``quadratic`` | ``linear`` | ``none``; which factors get a square; notes for the report).
        A fit needs 3 points more than its terms, and a square needs 3 distinct values.
    """
    n, d = x.shape
    notes: list[str] = []
    squares = [len(np.unique(x[:, i])) >= 3 for i in range(d)]
    n_quad = 1 + d + sum(squares) + d * (d - 1) // 2
    if n >= n_quad + 3:
        surface = "quadratic"
        if not all(squares):
            notes.append("Squares were left out of the response surface for factors with fewer than 3 distinct "
                         "values: " + ", ".join(f["name"] for f, s in zip(factors, squares) if not s) + ".")
    elif n >= d + 3:
        surface = "linear"
        notes.append(f"Only {n} finished points: too few for a quadratic response surface ({n_quad} terms), "
                     f"so the marginal effects come from a linear surface (the average slope over the range).")
    else:
        surface = "none"
        notes.append(f"Only {n} finished points: too few to fit even a linear response surface; no marginal "
                     f"effects are given.")
    outside = [f["name"] for f in factors if not f["low"] <= f["baseline"] <= f["high"]]
    if outside:
        notes.append("The baseline lies outside the swept range of " + ", ".join(outside)
                     + ": its marginal effects are extrapolated.")
    return surface, squares, notes


def fit_surface(z: np.ndarray, y: np.ndarray, surface: str, squares: list[bool], resamples: int, seed: int):
    """Least-squares coefficients of the surface, and their bootstrap over points.

    Parameters
    ----------
    z : numpy.ndarray
        Centred factor values in fit units, shape (points, factors).
    y : numpy.ndarray
        The goals' probabilities, shape (points, goals).
    surface : str
        ``quadratic``, ``linear`` or ``none`` (no fit: every coefficient NaN).
    squares : list of bool
        Which factors get a square.
    resamples, seed : int
        Bootstrap resamples of the points, and their seed.

    Returns
    -------
    tuple of numpy.ndarray
        (coefficients, shape (terms, goals); bootstrap coefficients, shape (resamples, terms, goals),
        or None without a fit).
    """
    n, d = z.shape
    if surface == "none":
        return np.full((1 + d, y.shape[1]), np.nan), None
    terms = surface_terms(z, surface == "quadratic", squares)
    coef = np.linalg.lstsq(terms, y, rcond=None)[0]
    rng = np.random.default_rng(seed)
    boot = np.empty((resamples, terms.shape[1], y.shape[1]))
    for b in range(resamples):
        idx = rng.integers(0, n, n)
        boot[b] = np.linalg.lstsq(terms[idx], y[idx], rcond=None)[0]
    return coef, boot


def _interval(boot, term: int, goal: int, confidence: float):
    """Percentile interval of one coefficient over the bootstrap (NaN without a fit)."""
    if boot is None:
        return np.nan, np.nan
    alpha = (1 - confidence) / 2
    return np.quantile(boot[:, term, goal], [alpha, 1 - alpha])


def marginal_effects(wide, factors: list[dict], goals: list[str], resamples: int = MARGINAL_RESAMPLES,
                     seed: int = SEED, confidence: float = CONFIDENCE):
    """Gradient at the baseline of a least-squares response surface of each goal's probability.

    Parameters
    ----------
    wide : pandas.DataFrame
        One row per finished point (index: point): the factors' values and each goal's probability.
    factors : list of dict
        The sweep's factors (``name``, ``low``, ``high``, ``baseline``, ``budget``).
    goals : list of str
        The goal columns, in the order of the tables' rows.
    resamples, seed : int
        Bootstrap resamples over points, and their seed.
    confidence : float
        Confidence level of the intervals.

    Returns
    -------
    tuple
        (marginal table ``marginal.csv``: goal, factor, pp_per_100m, ci_low, ci_high, per, budget;
        baseline table ``baseline.csv``: goal, probability, ci_low, ci_high, nearest_point,
        nearest_probability, nearest_distance; the surface used; notes). ``pp_per_100m`` is in
        percentage points per 100m CNY a year for budget factors and per unit of the factor
        otherwise (``per`` says which).
    """
    import pandas as pd

    x = wide[[f["name"] for f in factors]].to_numpy(float)
    base = np.array([f["baseline"] for f in factors], float)
    y = wide[goals].to_numpy(float)
    surface, squares, notes = choose_surface(x, factors)
    coef, boot = fit_surface((x - base) / np.array([factor_scale(f) for f in factors]), y, surface, squares,
                             resamples, seed)
    per = ["100m CNY a year" if f.get("budget") else f"1 unit of {f['name']}" for f in factors]
    rows = []
    for j, g in enumerate(goals):
        for i, f in enumerate(factors):
            lo, hi = _interval(boot, 1 + i, j, confidence)
            rows.append({"goal": g, "factor": f["name"], "pp_per_100m": 100 * coef[1 + i, j], "ci_low": 100 * lo,
                         "ci_high": 100 * hi, "per": per[i], "budget": bool(f.get("budget"))})
    baseline = baseline_odds(coef, boot, x, y, factors, goals, wide.index, confidence)
    return pd.DataFrame(rows), baseline, surface, notes


def baseline_odds(coef, boot, x, y, factors: list[dict], goals: list[str], points, confidence: float):
    """The odds at the baseline: the surface's intercept, and the nearest finished point beside it.

    Returns
    -------
    pandas.DataFrame
        goal, probability, ci_low, ci_high (clipped to 0..1), nearest_point (the point whose
        largest distance from the baseline, as a share of each factor's range, is smallest),
        nearest_probability, nearest_distance.
    """
    import pandas as pd

    base = np.array([f["baseline"] for f in factors], float)
    span = np.array([f["high"] - f["low"] for f in factors], float)
    dist = np.max(np.abs(x - base) / span, axis=1)
    near = int(np.argmin(dist))
    rows = []
    for j, g in enumerate(goals):
        lo, hi = np.clip(_interval(boot, 0, j, confidence), 0, 1)
        rows.append({"goal": g, "probability": float(np.clip(coef[0, j], 0, 1)), "ci_low": lo, "ci_high": hi,
                     "nearest_point": int(points[near]), "nearest_probability": float(y[near, j]),
                     "nearest_distance": float(dist[near])})
    return pd.DataFrame(rows)


def widen_to_replicate_noise(baseline, runs):
    """Widen the fitted baseline odds' intervals to at least one point's Monte Carlo interval.

    Why: every point shares the same random numbers, so a bootstrap over points sees the spread
    between points but not the Monte Carlo error that all of them share.

    Parameters
    ----------
    baseline : pandas.DataFrame
        The baseline table of ``marginal_effects``.
    runs : array_like
        Replicates of the finished points.

    Returns
    -------
    pandas.DataFrame
        A copy with ci_low, ci_high widened to the Wilson interval of ``mean_interval``.
    """
    baseline = baseline.copy()
    for i, row in baseline.iterrows():
        if np.isfinite(row["probability"]):
            _, lo, hi = mean_interval([row["probability"]], runs)
            baseline.loc[i, "ci_low"] = np.nanmin([row["ci_low"], lo])
            baseline.loc[i, "ci_high"] = np.nanmax([row["ci_high"], hi])
    return baseline
