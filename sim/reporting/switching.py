"""Switching values: the value of an uncertain input at which a goal's odds cross a threshold.

The UK Green Book's switching value is "the value an input would need to change to, to make an
option no longer viable". Here: over the runs of a scenario, each run drew its own value of every
uncertain input (``DIR/inputs.parquet``: one row per replicate, column ``replicate`` and one column
per drawn input, named by its dotted scenario path). For a goal and an input we fit a logistic
regression of the goal's success (0/1 in its year) on the input,

    P(success | x) = 1 / (1 + exp(-(b0 + b1 x))),

and solve P = t for x* = (logit(t) - b0) / b1 (t = 0.5 unless asked otherwise). Reported only when

- the input matters: the success rates of the runs in its lowest and highest fifth differ by
  more than 1.96 standard errors of the difference (two-proportion z-test), so a flat fit whose
  crossing is noise is not shown; and
- x* lies within the sampled range of the input; otherwise "no switching value within the
  sampled range".

The regression is scikit-learn's ``LogisticRegression`` on the standardised input with a weak
ridge penalty (C = 100), which keeps the fit finite when the runs separate perfectly (a goal that
holds exactly when the input passes a threshold) and barely moves it otherwise. The other inputs
vary too, so x* is the crossing *on average over them*, not with the others held fixed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

THRESHOLD = 0.5
Z = 1.959963984540054
MIN_RUNS = 20            # fewer runs than this: no fit (each fifth would hold under 4 runs)
RIDGE_C = 100.0
NOT_INPUTS = ("posterior.",)   # bookkeeping columns (the posterior row a replicate drew), not inputs


@dataclass
class Switch:
    """The switching value of one input for one goal (``value`` None: none within the range)."""

    goal: str
    input: str
    low: float               # sampled range of the input
    high: float
    value: float | None
    rising: bool             # odds rise with the input (above ``value`` the odds exceed the threshold)
    strength: float          # |success rate of the top fifth - bottom fifth|, for ordering


def _matters(x: np.ndarray, y: np.ndarray) -> tuple[bool, float]:
    """(the top and bottom fifths of x differ clearly in success rate, that difference)."""
    lo, hi = np.quantile(x, [0.2, 0.8])
    a, b = y[x <= lo], y[x >= hi]
    if lo == hi or a.size == 0 or b.size == 0:
        return False, 0.0
    pa, pb = a.mean(), b.mean()
    pooled = (a.sum() + b.sum()) / (a.size + b.size)
    se = math.sqrt(pooled * (1 - pooled) * (1 / a.size + 1 / b.size))
    return (se > 0 and abs(pb - pa) > Z * se), float(pb - pa)


def switching_value(x, y, threshold: float = THRESHOLD) -> tuple[float | None, bool, float, bool]:
    """Solve the logistic fit of ``y`` (0/1) on ``x`` for P = ``threshold``.

    Returns
    -------
    tuple
        (x* or None, whether the odds rise with x, strength, whether the input clearly matters):
        x* is None when y is constant, x is constant, the input does not clearly matter, or x*
        lies outside [min x, max x].
    """
    from sklearn.linear_model import LogisticRegression

    x = np.asarray(x, float)
    y = np.asarray(y, bool)
    keep = np.isfinite(x)
    x, y = x[keep], y[keep]
    if x.size < MIN_RUNS or y.all() or not y.any() or np.ptp(x) == 0:
        return None, True, 0.0, False
    clear, diff = _matters(x, y)
    if not clear:                        # no fit for an input that does not matter (most of them)
        return None, diff >= 0, abs(diff), False
    mu, sd = x.mean(), x.std()
    fit = LogisticRegression(C=RIDGE_C, max_iter=1000).fit(((x - mu) / sd)[:, None], y)
    b0, b1 = float(fit.intercept_[0]), float(fit.coef_[0, 0])
    if b1 == 0:
        return None, True, abs(diff), False
    z_star = (math.log(threshold / (1 - threshold)) - b0) / b1
    value = mu + sd * z_star
    inside = x.min() <= value <= x.max()
    return (float(value) if inside else None), b1 > 0, abs(diff), True


def switching_values(outcomes: dict, inputs, threshold: float = THRESHOLD) -> dict[str, list[Switch]]:
    """Switching values of every input for every goal.

    Parameters
    ----------
    outcomes : dict
        Goal id -> (replicate ids, bool success) arrays.
    inputs : pandas.DataFrame
        The inputs table: column ``replicate`` and one numeric column per drawn input.
    threshold : float
        The odds to cross, strictly between 0 and 1.

    Returns
    -------
    dict
        Goal id -> Switch per input that clearly matters: those with a switching value first,
        each group strongest first (inputs that do not matter are left out).
    """
    table = inputs.set_index("replicate")
    columns = [c for c in table.columns if not c.startswith(NOT_INPUTS) and np.issubdtype(table[c].dtype, np.number)
               and table[c].nunique() > 1]
    out: dict[str, list[Switch]] = {}
    for goal, (replicates, success) in outcomes.items():
        rows = table.reindex(np.asarray(replicates))
        found = []
        for col in columns:
            x = rows[col].to_numpy(float)
            value, rising, strength, clear = switching_value(x, success, threshold)
            if clear:
                found.append(Switch(goal, col, float(np.nanmin(x)), float(np.nanmax(x)), value, rising, strength))
        out[goal] = sorted(found, key=lambda s: (s.value is None, -s.strength))
    return out
