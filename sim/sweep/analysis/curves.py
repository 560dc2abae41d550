"""Response curves: the odds of each goal against one factor's value, averaged over the others.

Grid designs give one row per level of the factor (the mean over every point at that level).
Latin hypercube and Sobol' designs give equal-count bins of the factor's values (6 to 10 bins with
at least 30 points, fewer for smaller sweeps); a row's value is the mean factor value in its bin.

The 95% interval of a bin's mean odds is the wider of (a) the Student-t interval of the mean of the
points' probabilities (the spread between points, which holds both the other factors' effect and
each point's binomial noise) and (b) the Wilson interval of the bin's mean odds as if from *one*
point's R replicates. Why (b): every point reuses the same random numbers (common random
numbers), so the points' binomial noises are correlated and pooling m x R replicates would
overstate the precision; (b) also keeps a bin whose points all show 0% (or 100%) from a zero-width
interval.
"""

from __future__ import annotations

import math

import numpy as np

from . import CONFIDENCE, MILLION

COLUMNS = ["factor", "value", "value_m_cny", "bin_low", "bin_high", "goal", "probability", "ci_low", "ci_high",
           "points"]


def mean_interval(p, runs, confidence: float = CONFIDENCE) -> tuple[float, float, float]:
    """Mean of point probabilities and its interval, never narrower than one point's replicates allow.

    Parameters
    ----------
    p : array_like
        The probabilities of a goal at some points.
    runs : array_like
        The replicates of those points; the largest is taken as one point's R.
    confidence : float
        Confidence level of the interval.

    Returns
    -------
    tuple of float
        (mean, low, high): the wider of the Student-t interval of the points' spread and the
        Wilson interval of the mean as if from one point's R replicates (common random numbers
        make the points' binomial noise correlated, so pooling them would claim too much), clipped
        to 0..1.
    """
    from scipy import stats

    p = np.asarray(p, float)
    m = len(p)
    mean = float(p.mean())
    lo = hi = mean
    if m > 1:
        se = float(p.std(ddof=1)) / math.sqrt(m)
        t = float(stats.t.ppf(0.5 + confidence / 2, m - 1))
        lo, hi = mean - t * se, mean + t * se
    r = float(np.max(runs)) if np.size(runs) else 0.0
    if r > 0:
        z = float(stats.norm.ppf(0.5 + confidence / 2))
        centre = (mean + z * z / (2 * r)) / (1 + z * z / r)
        half = z / (1 + z * z / r) * math.sqrt(mean * (1 - mean) / r + z * z / (4 * r * r))
        lo, hi = min(lo, centre - half), max(hi, centre + half)
    return mean, max(0.0, lo), min(1.0, hi)


def default_bins(n_points: int) -> int:
    """Equal-count bins for a factor: 6 to 10 with 30 or more points, about 5 points a bin below.

    Why: a bin needs a few points for its mean and interval to mean something, and a curve needs
    a few bins to show a shape.
    """
    if n_points >= 30:
        return int(min(10, max(6, n_points // 5)))
    return int(max(1, n_points // 5))


def factor_groups(x: np.ndarray, kind: str, n_bins: int | None = None) -> list[tuple]:
    """The levels (grid) or equal-count bins (other designs) of one factor's values.

    Parameters
    ----------
    x : numpy.ndarray
        The factor's value at each finished point.
    kind : str
        The design: ``grid`` groups by level, ``lhs`` and ``sobol`` by equal-count bins.
    n_bins : int, optional
        Bins to use instead of ``default_bins``.

    Returns
    -------
    list of tuple
        (value, mask of the points in the group, lowest value, highest value), in increasing value.
    """
    import pandas as pd

    if kind == "grid":
        return [(v, np.isclose(x, v), v, v) for v in np.unique(x)]
    bins = n_bins or default_bins(len(x))
    codes = pd.qcut(pd.Series(x), q=bins, labels=False, duplicates="drop").to_numpy() if bins > 1 \
        else np.zeros(len(x), int)
    groups = []
    for c in np.unique(codes):
        mask = codes == c
        groups.append((float(x[mask].mean()), mask, float(x[mask].min()), float(x[mask].max())))
    return groups


def response_curves(wide, factors: list[dict], goals: list[str], runs, kind: str, n_bins: int | None = None):
    """The response table (``response.csv``): each goal's mean odds per level or bin of each factor.

    Parameters
    ----------
    wide : pandas.DataFrame
        One row per finished point: the factors' values and each goal's probability.
    factors : list of dict
        The sweep's factors (``name``, ``budget``, ...), as ``SweepData.factors``.
    goals : list of str
        The goal columns, in the order of the table's rows.
    runs : array_like or float
        Replicates of each point (or of all).
    kind : str
        The design's kind (``grid``, ``lhs``, ``sobol``).
    n_bins : int, optional
        Bins per factor for non-grid designs (default ``default_bins``).

    Returns
    -------
    pandas.DataFrame
        Columns factor, value (the factor's units), value_m_cny (budgets), bin_low, bin_high, goal,
        probability, ci_low, ci_high, points.
    """
    import pandas as pd

    runs = np.broadcast_to(np.asarray(runs, float), (len(wide),))
    rows = []
    for f in factors:
        for value, mask, lo_x, hi_x in factor_groups(wide[f["name"]].to_numpy(float), kind, n_bins):
            for g in goals:
                mean, lo, hi = mean_interval(wide.loc[mask, g].to_numpy(float), runs[mask])
                rows.append({"factor": f["name"], "value": value,
                             "value_m_cny": value / MILLION if f.get("budget") else np.nan,
                             "bin_low": lo_x, "bin_high": hi_x, "goal": g, "probability": mean,
                             "ci_low": lo, "ci_high": hi, "points": int(mask.sum())})
    return pd.DataFrame(rows, columns=COLUMNS)
