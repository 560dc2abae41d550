"""Are the Mesa model and the vectorized core the same model? Two-sample tests per goal indicator.

The engines draw different random numbers (one generator per model here, bulk streams per
replicate there), so their replicates differ one by one; what must agree is the distribution of
every goal indicator in every goal year. ``compare_engines`` runs a two-sample Kolmogorov-Smirnov
test (``scipy.stats.ks_2samp``) per (indicator, year) and rejects equivalence if any test rejects
at the Bonferroni level ``alpha / tests``, so ``alpha`` bounds the chance of a false alarm for the
whole family.

Power. With ``n`` core and ``m`` Mesa replicates, KS rejects when the largest gap between the two
empirical CDFs exceeds ``crit = c * sqrt(1/n + 1/m)``, ``c = sqrt(-ln(a/2) / 2)`` (``a`` the
per-test level). If the true CDFs differ by ``delta`` at some value, the empirical gap there has
mean ``delta`` and standard deviation at most ``0.5 * sqrt(1/n + 1/m)``, so the test detects the
difference with probability at least 90% once ``delta >= crit + 1.2816 * 0.5 * sqrt(1/n + 1/m)``:
``Equivalence.detectable`` reports that distance. For a normal indicator a location shift of
``s`` standard deviations moves the CDFs apart by ``2 * Phi(s / 2) - 1``
(``Equivalence.detectable_shift_sd``); for a yes/no indicator the distance is the difference in
the share of yes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

GOAL_YEARS = (2026, 2035)
Z90 = 1.2816   # one-sided 90% normal quantile


def goal_indicators(scenario) -> list[str]:
    """The indicators the scenario's goals test, with the series they compare against, in goal order."""
    names: list[str] = []
    for goal in scenario.goals.values():
        for cond in goal.all_conditions():
            names.append(cond.indicator)
            series = getattr(cond.threshold, "series", None)
            if series:
                names.append(series)
    return list(dict.fromkeys(names))


@dataclass
class Check:
    """One two-sample test: an indicator in a year."""

    indicator: str
    year: int
    mean_core: float
    mean_mesa: float
    ks: float            # largest gap between the two empirical CDFs
    p_value: float
    rejected: bool


@dataclass
class Equivalence:
    """The family of tests, their levels and what they can detect."""

    checks: list[Check]
    n_core: int
    n_mesa: int
    alpha: float
    per_test_alpha: float = field(init=False)

    def __post_init__(self):
        self.per_test_alpha = self.alpha / max(len(self.checks), 1)

    @property
    def passed(self) -> bool:
        """No test rejects: the engines agree on every goal indicator and year."""
        return not any(c.rejected for c in self.checks)

    @property
    def failures(self) -> list[Check]:
        return [c for c in self.checks if c.rejected]

    @property
    def critical(self) -> float:
        """The KS distance above which a single test rejects (asymptotic)."""
        c = math.sqrt(-math.log(self.per_test_alpha / 2) / 2)
        return c * math.sqrt(1 / self.n_core + 1 / self.n_mesa)

    @property
    def detectable(self) -> float:
        """A CDF distance every single test detects with at least 90% probability."""
        return self.critical + Z90 * 0.5 * math.sqrt(1 / self.n_core + 1 / self.n_mesa)

    @property
    def detectable_shift_sd(self) -> float:
        """The normal location shift (in standard deviations) with CDF distance ``detectable``
        (infinite when the samples are too small to detect any difference reliably)."""
        from scipy.stats import norm
        return float(2 * norm.ppf((1 + self.detectable) / 2)) if self.detectable < 1 else math.inf

    def power_text(self) -> str:
        """What the family of tests can detect, in words."""
        head = (f"{len(self.checks)} two-sample KS tests, {self.n_core} core vs {self.n_mesa} Mesa replicates; "
                f"family level {self.alpha:g} (each test {self.per_test_alpha:.2g}); a single test rejects above a "
                f"CDF distance of {self.critical:.3f}")
        if self.detectable >= 1:
            return head + "; samples this small detect no difference reliably"
        return (head + f" and detects {self.detectable:.3f} (a shift of {self.detectable_shift_sd:.2f} sd) "
                       "with >= 90% power")

    def to_frame(self):
        import pandas as pd
        return pd.DataFrame([c.__dict__ for c in self.checks])

    def __str__(self) -> str:
        head = self.power_text()
        rows = [f"{'indicator':<28} {'year':>4} {'core mean':>11} {'mesa mean':>11} {'KS':>6} {'p':>8}"]
        for c in self.checks:
            flag = "  REJECTED" if c.rejected else ""
            rows.append(f"{c.indicator:<28} {c.year:>4} {c.mean_core:>11.4g} {c.mean_mesa:>11.4g} {c.ks:>6.3f} "
                        f"{c.p_value:>8.2g}{flag}")
        verdict = "equivalent" if self.passed else f"NOT equivalent ({len(self.failures)} tests reject)"
        return "\n".join([head, *rows, verdict])


def compare_engines(core, mesa, indicators, years=GOAL_YEARS, alpha: float = 0.01) -> Equivalence:
    """Two-sample KS test per (indicator, year) of two ``Results`` (core and Mesa runs of one
    scenario); ``alpha`` is the family-wise level (Bonferroni)."""
    from scipy.stats import ks_2samp

    pairs = [(name, int(year)) for name in indicators for year in years]
    per_test = alpha / max(len(pairs), 1)
    checks = []
    for name, year in pairs:
        a = core.indicator(name)[:, core.year_index(year)]
        b = mesa.indicator(name)[:, mesa.year_index(year)]
        res = ks_2samp(a, b, method="asymp")
        checks.append(Check(name, year, float(np.mean(a)), float(np.mean(b)), float(res.statistic),
                            float(res.pvalue), bool(res.pvalue < per_test)))
    return Equivalence(checks, n_core=core.n_runs, n_mesa=mesa.n_runs, alpha=alpha)
