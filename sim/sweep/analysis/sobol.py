"""Sobol' indices of each goal's odds, from a Sobol'/Saltelli sweep.

First-order and total indices of each goal's probability with ``scipy.stats.sobol_indices(func=
{f_A, f_B, f_AB}, n=N)`` and 95% bootstrap intervals (``.bootstrap``). Goals whose probability is
the same at every point used are skipped. In an incomplete sweep only base rows whose A, B and
every AB_i point finished are usable; the first 2^m of them (the largest power of 2) are used.
"""

from __future__ import annotations

import warnings

import numpy as np

from . import CONFIDENCE, SEED
from .goals import constant_goals

SOBOL_RESAMPLES = 1000


def sobol_from_saltelli(values, n: int, d: int, *, names: list[str] | None = None,
                        outputs: list[str] | None = None, n_resamples: int = SOBOL_RESAMPLES,
                        confidence_level: float = CONFIDENCE, seed: int = SEED):
    """First-order and total Sobol' indices, with bootstrap intervals, of outputs at a Saltelli design.

    Parameters
    ----------
    values : array_like
        n x (d + 2) rows in the order A (n rows), B (n rows), AB_1 ... AB_d (n rows each), as
        ``design.build_design`` lays out a Sobol' sweep; one column per output (or a 1-d array for
        one output).
    n, d : int
        Base rows N and factors.
    names, outputs : list of str, optional
        The factors' and outputs' names (default x1.., y1..).
    n_resamples : int
        Bootstrap resamples.
    confidence_level : float
        Confidence level of the intervals.
    seed : int
        Seed of the indices' and the bootstrap's random numbers: the same values give the same table.

    Returns
    -------
    pandas.DataFrame
        goal (the output), factor, S1, S1_low, S1_high, ST, ST_low, ST_high.

    Raises
    ------
    ValueError
        If ``values`` does not have n x (d + 2) rows.
    """
    import pandas as pd
    from scipy.stats import sobol_indices

    v = np.asarray(values, float)
    if v.ndim == 1:
        v = v[:, None]
    if v.shape[0] != n * (d + 2):
        raise ValueError(f"expected {n} x ({d} + 2) = {n * (d + 2)} rows in Saltelli order, got {v.shape[0]}")
    s = v.shape[1]
    names = names or [f"x{i + 1}" for i in range(d)]
    outputs = outputs or [f"y{j + 1}" for j in range(s)]
    f_a, f_b = v[:n].T, v[n:2 * n].T
    f_ab = v[2 * n:].reshape(d, n, s).transpose(0, 2, 1)
    res = sobol_indices(func={"f_A": f_a, "f_B": f_b, "f_AB": f_ab}, n=n, rng=np.random.default_rng(seed))
    boot = _bootstrap(res, confidence_level, n_resamples, seed)

    def shaped(a):
        return np.asarray(a, float).reshape(s, d)

    s1, st = shaped(res.first_order), shaped(res.total_order)
    s1_lo, s1_hi = shaped(boot.first_order.confidence_interval.low), shaped(boot.first_order.confidence_interval.high)
    st_lo, st_hi = shaped(boot.total_order.confidence_interval.low), shaped(boot.total_order.confidence_interval.high)
    rows = [{"goal": outputs[j], "factor": names[i], "S1": s1[j, i], "S1_low": s1_lo[j, i], "S1_high": s1_hi[j, i],
             "ST": st[j, i], "ST_low": st_lo[j, i], "ST_high": st_hi[j, i]} for j in range(s) for i in range(d)]
    return pd.DataFrame(rows)


def _bootstrap(res, confidence_level: float, n_resamples: int, seed: int):
    """``SobolResult.bootstrap`` with repeatable intervals.

    Why: it draws from numpy's global RandomState, so that is seeded here, and the caller's state
    put back afterwards.
    """
    state = np.random.get_state()
    try:
        np.random.seed(seed % 2**32)
        with np.errstate(divide="ignore", invalid="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")   # degenerate resamples (rare events): interval NaN, shown n/a
            return res.bootstrap(confidence_level=confidence_level, n_resamples=n_resamples)
    finally:
        np.random.set_state(state)


def saltelli_rows(roles: list[str], names: list[str], n: int, usable) -> tuple[list[int], int]:
    """The points of the complete base rows, in Saltelli order.

    Parameters
    ----------
    roles : list of str
        Every planned point's role (A, B, AB:<factor>), in point order.
    names : list of str
        The factors.
    n : int
        Base rows N of the design.
    usable : iterable of int
        The finished points.

    Returns
    -------
    tuple
        (points, N used): the base rows whose every point is usable, the first 2^m of them (the
        largest power of 2, as Sobol' sequences need).

    Raises
    ------
    ValueError
        If the roles are not in Saltelli order.
    """
    k = len(names)
    expect = ["A"] * n + ["B"] * n + [f"AB:{nm}" for nm in names for _ in range(n)]
    if list(roles) != expect:
        raise ValueError("the design is not in Saltelli order (A, B, AB_1..AB_d)")
    usable = set(usable)
    rows = [j for j in range(n) if all((b * n + j) in usable for b in range(k + 2))]
    m = 1 << (len(rows).bit_length() - 1) if rows else 0
    rows = rows[:m]
    return [b * n + j for b in range(k + 2) for j in rows], m


def sobol_of_sweep(data, wide, goals: list[str], n_resamples: int, seed: int):
    """Sobol' indices of every goal of a Sobol' sweep, from its complete base rows.

    Parameters
    ----------
    data : SweepData
        The sweep (its design's roles and N).
    wide : pandas.DataFrame
        The finished points' factor values and odds (index: point).
    goals : list of str
        The goals, in the order of the table's rows.
    n_resamples, seed : int
        Bootstrap resamples and seed.

    Returns
    -------
    tuple
        (``sobol.csv`` table or None; base rows used; goals skipped because their odds are the
        same at every point used; notes for the report).
    """
    from ..spec import MIN_SOBOL_N

    notes: list[str] = []
    n, names = data.n_base, data.factor_names
    roles = data.design.sort_values("point")["role"].tolist()
    points, m = saltelli_rows(roles, names, n, wide.index)
    if m < MIN_SOBOL_N:
        notes.append(f"Sobol' indices need complete base rows (the A, B and every AB point of a row): only "
                     f"{m if m else 'none'} of {n} usable, too few (at least {MIN_SOBOL_N}); no Sobol' indices.")
        return None, 0, [], notes
    if m < n:
        notes.append(f"Sobol' indices use {m} of the {n} base rows (the first complete ones, a power of 2), "
                     f"because the sweep is incomplete or some points failed.")
    constant = constant_goals(wide.loc[points], goals)
    keep = [g for g in goals if g not in constant]
    if not keep:
        return None, m, constant, notes
    table = sobol_from_saltelli(wide.loc[points, keep].to_numpy(float), m, len(names), names=names, outputs=keep,
                                n_resamples=n_resamples, seed=seed)
    return table, m, constant, notes
