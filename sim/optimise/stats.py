"""The confidence bounds the search decides with: one-sided Clopper-Pearson bounds on odds and
an exact paired comparison of two mixes on common random numbers.

Clopper-Pearson (the exact binomial bound from the beta distribution) rather than Wilson: it
never undercovers, whatever the odds and the number of replicates, so a "certified" mix is
certified at least at the stated level. Its price, a slightly wider bound, is small beside the
multiplicity corrections the racing needs.

Multiplicity: racing tests every live candidate, every constraint, every round. To keep the
chance of wrongly dropping any truly feasible candidate at most ``alpha``, each test runs at
``alpha / (candidates x constraints x rounds)`` (Bonferroni: no independence assumed).
"""

from __future__ import annotations

import numpy as np


def lower_bound(k, n, alpha: float):
    """One-sided (1 - alpha) Clopper-Pearson lower bound of a share with k successes in n."""
    from scipy.stats import beta

    k, n = np.asarray(k, dtype=float), np.asarray(n, dtype=float)
    low = np.where(k > 0, beta.ppf(alpha, np.maximum(k, 1), np.maximum(n - k + 1, 1)), 0.0)
    low = np.where(n > 0, low, 0.0)
    return float(low) if low.ndim == 0 else low


def upper_bound(k, n, alpha: float):
    """One-sided (1 - alpha) Clopper-Pearson upper bound of a share with k successes in n."""
    from scipy.stats import beta

    k, n = np.asarray(k, dtype=float), np.asarray(n, dtype=float)
    high = np.where(k < n, beta.ppf(1 - alpha, k + 1, np.maximum(n - k, 1)), 1.0)
    high = np.where(n > 0, high, 1.0)
    return float(high) if high.ndim == 0 else high


def paired_better(a: np.ndarray, b: np.ndarray, alpha: float) -> bool:
    """On common random numbers (a[i], b[i] the same replicate): are a's odds higher than b's,
    at level alpha? The exact sign test on the discordant replicates (McNemar's, one-sided):
    among replicates where exactly one mix succeeds, a's wins are Binomial(m, 1/2) if the odds
    are equal."""
    from scipy.stats import binomtest

    a, b = np.asarray(a, bool), np.asarray(b, bool)
    wins, losses = int(np.sum(a & ~b)), int(np.sum(~a & b))
    if wins <= losses:
        return False
    return binomtest(wins, wins + losses, 0.5, alternative="greater").pvalue < alpha


def bonferroni(alpha: float, tests: int) -> float:
    """The level of each of ``tests`` tests so that all hold together with 1 - alpha."""
    return alpha / max(1, int(tests))
