"""Stage 2's analysis: Sobol' indices of each goal's odds for the factors Morris ranked highest.

First-order (S1) and total (ST) indices with 95% bootstrap intervals, by the sweep's
``sim.sweep.analysis.sobol.sobol_from_saltelli`` (``scipy.stats.sobol_indices``; one estimator
and one interval method for the whole project). The other factors are held at their nominal
positions, so the indices split the variance of the odds *over the refined factors' ranges*. For
``ranking.csv`` an index becomes percentage points as the standard deviation of the odds the
factor accounts for with its interactions: effect_pp = sqrt(ST x Var(odds)), its interval from
ST's. Goals whose odds are the same at every point are skipped.
"""

from __future__ import annotations

import numpy as np

from .effects import CONFIDENCE, RESAMPLES, SEED


def sobol_table(names: list[str], values: dict[str, np.ndarray], n: int):
    """Sobol' indices of each output ``values[goal]`` (n (d + 2) odds in pp, Saltelli order).

    Returns a table: goal, parameter, S1, S1_low, S1_high, ST, ST_low, ST_high, effect_pp,
    low_pp, high_pp, rank (by ST within the goal); None when every goal is constant.
    """
    import pandas as pd

    from ..sweep.analysis.sobol import sobol_from_saltelli

    keep = [g for g, y in values.items() if np.ptp(y) > 0]
    if not keep:
        return None
    Y = np.column_stack([values[g] for g in keep])
    t = sobol_from_saltelli(Y, n, len(names), names=names, outputs=keep, n_resamples=RESAMPLES,
                            confidence_level=CONFIDENCE, seed=SEED).rename(columns={"factor": "parameter"})
    var = {g: float(np.var(values[g][: 2 * n], ddof=1)) for g in keep}     # A and B rows: independent draws
    v = t["goal"].map(var)

    def pp(col):
        return np.sqrt(np.clip(t[col].astype(float), 0, None) * v)

    t["effect_pp"], t["low_pp"], t["high_pp"] = pp("ST"), pp("ST_low"), pp("ST_high")
    t["rank"] = t.groupby("goal")["ST"].rank(ascending=False, method="min").fillna(len(names)).astype(int)
    return pd.DataFrame(t)
