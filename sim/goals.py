"""Goal evaluation: the odds of reaching each goal, and all goals of a year together.

A goal (``sim.scenario.schema.Goal``) is *met* in a (replicate, year) when all its conditions
hold there. A condition compares an indicator with a number or with another indicator of the
same replicate and year (``SeriesRef``, e.g. Chongqing's moving R&D intensity). A NaN on either
side counts as not met: a value the engine could not produce is never a success.

From the 0/1 outcomes over R replicates we report, per goal:

- ``probability``: share of replicates where the goal holds in its goal year;
- ``ci_low``/``ci_high``: the 95% Wilson score interval of that share (good coverage also near
  0 and 1, where the plain normal interval collapses to a point);
- ``se``: the Monte Carlo standard error sqrt(p(1-p)/R), the number that shrinks with more runs;
- ``reached_by_year[y]``: share of replicates where the goal has held in at least one year from
  ``base_year + 1`` up to and including ``y`` (monotone in ``y``; the base year is the start
  state, not an achievement);
- ``first_year``: share of replicates first meeting the goal in each year, plus ``"never"``;
- quantiles (median, 10%, 90%) of the first condition's indicator in the goal year.

Joint odds ``joint_<year>``: share of replicates in which every goal of that goal year holds
together in that year. Goals are correlated inside a replicate (they share the economy), so the
joint odds are not the product of the single odds.

:func:`compare` gives the difference B - A between two scenarios. Run with the same seed, the
replicates are paired (replicate i of A and of B use the same random stream: common random
numbers), so the difference is estimated from the per-replicate differences d_i = y_B,i - y_A,i
in {-1, 0, 1}: mean d, se = sd(d) / sqrt(R), 95% interval mean +- 1.96 se. Pairing removes the
noise both scenarios share and gives much narrower intervals than comparing two independent
shares. Without pairing (different seeds, replicate ranges or run counts) the independent
two-sample se sqrt(pA(1-pA)/RA + pB(1-pB)/RB) is used and ``paired`` is False.

Pure numpy: importing this module pulls in neither matplotlib, pandas nor pyarrow.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .results import Results

Z95 = 1.959963984540054
_OPS = {">": np.greater, ">=": np.greater_equal, "<": np.less, "<=": np.less_equal}


# ---- outcomes ---------------------------------------------------------------------------------

def _threshold_values(cond, results: Results):
    """The right-hand side of a condition: a number, or another indicator's (R, Y) array."""
    thr = cond.threshold
    if hasattr(thr, "series"):
        return results.indicator(thr.series)
    return float(thr)


def condition_met(cond, results: Results) -> np.ndarray:
    """Bool (R, Y): the condition holds; NaN on either side is False."""
    values = results.indicator(cond.indicator)
    thr = _threshold_values(cond, results)
    ok = _OPS[cond.comparison](values, thr) & ~np.isnan(values)
    return ok & ~np.isnan(thr)


def goal_met(goal, results: Results) -> np.ndarray:
    """Bool (R, Y): every condition of ``goal`` holds in that (replicate, year)."""
    met = np.ones((results.n_runs, results.years.size), dtype=bool)
    for cond in goal.all_conditions():
        met &= condition_met(cond, results)
    return met


def goal_outcomes(goals: dict, results: Results) -> dict[str, np.ndarray]:
    """Bool (R,) per goal id: the goal holds in its goal year."""
    return {gid: goal_met(g, results)[:, results.year_index(g.year)] for gid, g in goals.items()}


def joint_outcomes(goals: dict, results: Results, outcomes: dict | None = None) -> dict[int, np.ndarray]:
    """Bool (R,) per goal year: all goals of that year hold together in that year."""
    outcomes = goal_outcomes(goals, results) if outcomes is None else outcomes
    joint: dict[int, np.ndarray] = {}
    for year in sorted({g.year for g in goals.values()}):
        ids = [gid for gid, g in goals.items() if g.year == year]
        joint[year] = np.logical_and.reduce([outcomes[gid] for gid in ids])
    return joint


# ---- proportions ------------------------------------------------------------------------------

def wilson_interval(k, n, z: float = Z95):
    """Wilson score interval for k successes in n trials (vectorized).

    low/high = (k + z^2/2 -+ z sqrt(k(n-k)/n + z^2/4)) / (n + z^2). Exactly 0 at k = 0 and
    exactly 1 at k = n; n = 0 gives the uninformative (0, 1). Scalars in, floats out.
    """
    k_arr = np.asarray(k, dtype=np.float64)
    n_arr = np.asarray(n, dtype=np.float64)
    nn = np.where(n_arr > 0, n_arr, 1.0)
    z2 = z * z
    center = (k_arr + z2 / 2) / (nn + z2)
    half = z / (nn + z2) * np.sqrt(np.maximum(k_arr * (nn - k_arr) / nn, 0.0) + z2 / 4)
    low = np.clip(center - half, 0.0, 1.0)
    high = np.clip(center + half, 0.0, 1.0)
    low = np.where((k_arr <= 0) | (n_arr <= 0), 0.0, low)
    high = np.where((k_arr >= n_arr) | (n_arr <= 0), 1.0, high)
    if low.ndim == 0:
        return float(low), float(high)
    return low, high


@dataclass
class Proportion:
    """A Monte Carlo share with its 95% Wilson interval and standard error."""

    probability: float
    ci_low: float
    ci_high: float
    se: float
    successes: int
    runs: int

    @classmethod
    def of(cls, outcomes: np.ndarray) -> Proportion:
        n = int(outcomes.size)
        k = int(np.count_nonzero(outcomes))
        p = k / n if n else float("nan")
        low, high = wilson_interval(k, n)
        se = math.sqrt(p * (1 - p) / n) if n else float("nan")
        return cls(p, low, high, se, k, n)

    @property
    def half_width(self) -> float:
        return (self.ci_high - self.ci_low) / 2

    def to_dict(self) -> dict:
        return {"probability": self.probability, "ci_low": self.ci_low, "ci_high": self.ci_high, "se": self.se}


# ---- per-goal statistics ----------------------------------------------------------------------

def format_number(x: float) -> str:
    """A threshold as a planner writes it: 250, 0.6, 2.5 (no trailing .0)."""
    x = float(x)
    if x.is_integer() and abs(x) < 1e15:
        return str(int(x))
    return f"{x:.6g}"


def condition_text(cond, with_indicator: bool = False) -> str:
    """'> 250' or '> cq_rd_intensity'; with the indicator: 'hte_count > 250'."""
    thr = cond.threshold
    rhs = thr.series if hasattr(thr, "series") else format_number(thr)
    text = f"{cond.comparison} {rhs}"
    return f"{cond.indicator} {text}" if with_indicator else text


def goal_target_text(goal) -> str:
    """'> 250' for one condition; 'a >= 0.6 and b >= 1' for several."""
    conds = goal.all_conditions()
    if len(conds) == 1:
        return condition_text(conds[0])
    return " and ".join(condition_text(c, with_indicator=True) for c in conds)


def _quantiles(values: np.ndarray) -> tuple[float, float, float]:
    """(median, p10, p90) ignoring NaN; NaN if there is no value."""
    finite = values[~np.isnan(values)]
    if not finite.size:
        return (math.nan, math.nan, math.nan)
    p10, med, p90 = np.quantile(finite, [0.1, 0.5, 0.9])
    return float(med), float(p10), float(p90)


@dataclass
class ConditionStats:
    """One condition of a goal in its goal year: its own odds and its indicator's spread."""

    indicator: str
    comparison: str
    target: str
    probability: float
    median: float
    p10: float
    p90: float
    series: str | None = None
    series_median: float | None = None
    series_p10: float | None = None
    series_p90: float | None = None

    def spread(self) -> dict:
        """The indicator's median, 10% and 90% quantiles, and the moving threshold's if any."""
        d = {"median": self.median, "p10": self.p10, "p90": self.p90}
        if self.series is not None:
            d.update(series=self.series, series_median=self.series_median,
                     series_p10=self.series_p10, series_p90=self.series_p90)
        return d

    def to_dict(self) -> dict:
        return {"indicator": self.indicator, "target": self.target, "probability": self.probability, **self.spread()}


def condition_stats(cond, results: Results, year: int) -> ConditionStats:
    col = results.year_index(year)
    med, p10, p90 = _quantiles(results.indicator(cond.indicator)[:, col])
    prob = float(np.mean(condition_met(cond, results)[:, col])) if results.n_runs else math.nan
    stats = ConditionStats(cond.indicator, cond.comparison, condition_text(cond), prob, med, p10, p90)
    if hasattr(cond.threshold, "series"):
        stats.series = cond.threshold.series
        stats.series_median, stats.series_p10, stats.series_p90 = _quantiles(
            results.indicator(stats.series)[:, col])
    return stats


def reached_by_year(met: np.ndarray, years: np.ndarray, base_year: int) -> dict[int, float]:
    """Share of rows where ``met`` has been true in some year in (base_year, y], for each y."""
    after = years > base_year
    ever = np.logical_or.accumulate(met[:, after], axis=1) if met.shape[0] else met[:, after]
    shares = ever.mean(axis=0) if met.shape[0] else np.full(after.sum(), math.nan)
    return {int(y): float(s) for y, s in zip(years[after], shares)}


def first_year(met: np.ndarray, years: np.ndarray, base_year: int) -> dict[str, float]:
    """Share of rows first meeting the goal in each year after base_year, plus 'never'."""
    after = years > base_year
    sub = met[:, after]
    n = max(sub.shape[0], 1)
    hit = sub.any(axis=1)
    first = np.argmax(sub, axis=1)
    counts = np.bincount(first[hit], minlength=sub.shape[1])
    out = {str(int(y)): float(c / n) for y, c in zip(years[after], counts)}
    out["never"] = float(np.count_nonzero(~hit) / n)
    return out


def _of_odds(name: str) -> property:
    """A read-only attribute that is the same attribute of the object's ``odds`` (a Proportion)."""
    return property(lambda self: getattr(self.odds, name), doc=f"``odds.{name}``")


@dataclass
class GoalOdds:
    """Everything the reports say about one goal."""

    goal_id: str
    name: str
    name_zh: str
    year: int
    odds: Proportion
    reached_by_year: dict[int, float]
    first_year: dict[str, float]
    conditions: list[ConditionStats]
    target: str

    probability = _of_odds("probability")
    ci_low = _of_odds("ci_low")
    ci_high = _of_odds("ci_high")
    se = _of_odds("se")

    @property
    def indicator(self) -> str:
        return self.conditions[0].indicator

    def to_dict(self) -> dict:
        c0 = self.conditions[0]
        d = {"year": self.year, **self.odds.to_dict(),
             "reached_by_year": {str(y): p for y, p in self.reached_by_year.items()},
             "first_year": dict(self.first_year),
             "indicator": c0.indicator, "target": self.target, **c0.spread(),
             "name": self.name, "name_zh": self.name_zh, "successes": self.odds.successes}
        if len(self.conditions) > 1:
            d["conditions"] = [c.to_dict() for c in self.conditions]
        return d


def evaluate_goal(goal_id: str, goal, results: Results, base_year: int) -> GoalOdds:
    met = goal_met(goal, results)
    col = results.year_index(goal.year)
    return GoalOdds(
        goal_id=goal_id, name=goal.name, name_zh=goal.name_zh, year=int(goal.year),
        odds=Proportion.of(met[:, col]),
        reached_by_year=reached_by_year(met, results.years, base_year),
        first_year=first_year(met, results.years, base_year),
        conditions=[condition_stats(c, results, goal.year) for c in goal.all_conditions()],
        target=goal_target_text(goal),
    )


# ---- all goals ----------------------------------------------------------------------------------

@dataclass
class JointOdds:
    """All goals of one goal year holding together in that year."""

    year: int
    goal_ids: list[str]
    odds: Proportion

    probability = _of_odds("probability")

    def to_dict(self) -> dict:
        return {**self.odds.to_dict(), "goals": list(self.goal_ids), "successes": self.odds.successes}


@dataclass
class Odds:
    """The odds of every goal and of each goal year's goals together, for one scenario run."""

    scenario: str
    runs: int
    seed: int
    base_year: int
    goals: dict[str, GoalOdds]
    joint: dict[int, JointOdds]
    estimates: list[str] = field(default_factory=list)

    def max_half_width(self) -> float:
        """Largest 95% interval half-width over goals and joints (for a --precision loop)."""
        widths = [g.odds.half_width for g in self.goals.values()]
        widths += [j.odds.half_width for j in self.joint.values()]
        return max(widths) if widths else 0.0

    def max_se(self) -> float:
        """Largest Monte Carlo standard error over goals and joints."""
        ses = [g.odds.se for g in self.goals.values()] + [j.odds.se for j in self.joint.values()]
        return max(ses) if ses else 0.0

    def to_dict(self) -> dict:
        """The summary.json layout; floats rounded to 6 significant digits, NaN as null."""
        d: dict = {"scenario": self.scenario, "runs": self.runs, "seed": self.seed,
                   "base_year": self.base_year,
                   "goals": {gid: g.to_dict() for gid, g in self.goals.items()}}
        for year, j in sorted(self.joint.items()):
            d[f"joint_{year}"] = j.to_dict()
        d["estimates"] = list(self.estimates)
        return round_floats(d)


def evaluate(goals: dict, results: Results, base_year: int | None = None) -> Odds:
    """Odds of every goal and joint odds per goal year, from the replicates in ``results``."""
    base_year = results.base_year if base_year is None else int(base_year)
    per_goal = {gid: evaluate_goal(gid, g, results, base_year) for gid, g in goals.items()}
    joint = {year: JointOdds(year, [gid for gid, g in goals.items() if g.year == year], Proportion.of(out))
             for year, out in joint_outcomes(goals, results).items()}
    return Odds(results.scenario, results.n_runs, results.seed, base_year, per_goal, joint,
                list(results.estimates))


def round_floats(obj, digits: int = 6):
    """Round every float in a nested structure to ``digits`` significant digits; NaN -> None."""
    if isinstance(obj, dict):
        return {k: round_floats(v, digits) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [round_floats(v, digits) for v in obj]
    if isinstance(obj, (float, np.floating)):
        x = float(obj)
        if not math.isfinite(x):
            return None
        return float(f"{x:.{digits}g}")
    if isinstance(obj, np.integer):
        return int(obj)
    return obj


# ---- comparing two scenarios ------------------------------------------------------------------

@dataclass
class Difference:
    """B - A for one goal or joint, with a 95% normal interval (paired when possible)."""

    key: str
    a: Proportion
    b: Proportion
    difference: float
    ci_low: float
    ci_high: float
    se: float
    paired: bool

    def to_dict(self) -> dict:
        return {"a": self.a.to_dict(), "b": self.b.to_dict(), "difference": self.difference,
                "ci_low": self.ci_low, "ci_high": self.ci_high, "se": self.se, "paired": self.paired}


@dataclass
class Comparison:
    """Differences of odds between scenario A and scenario B, per goal and per joint."""

    scenario_a: str
    scenario_b: str
    runs_a: int
    runs_b: int
    paired: bool
    goals: dict[str, Difference]
    joint: dict[int, Difference]

    def to_dict(self) -> dict:
        d: dict = {"a": self.scenario_a, "b": self.scenario_b, "runs_a": self.runs_a, "runs_b": self.runs_b,
                   "paired": self.paired, "goals": {k: v.to_dict() for k, v in self.goals.items()}}
        for year, diff in sorted(self.joint.items()):
            d[f"joint_{year}"] = diff.to_dict()
        return round_floats(d)


def can_pair(results_a: Results, results_b: Results) -> bool:
    """Replicate i of A and B share a random stream: same seed, same replicate rows."""
    return (results_a.seed == results_b.seed and results_a.n_runs == results_b.n_runs
            and results_a.replicate_offset == results_b.replicate_offset and results_a.n_runs > 0)


def paired_difference(ya: np.ndarray, yb: np.ndarray, z: float = Z95) -> tuple[float, float, float, float]:
    """(mean d, low, high, se) of d = yB - yA over paired replicates (normal interval)."""
    d = yb.astype(np.float64) - ya.astype(np.float64)
    n = d.size
    mean = float(d.mean())
    se = float(d.std(ddof=1) / math.sqrt(n)) if n > 1 else 0.0
    return mean, mean - z * se, mean + z * se, se


def unpaired_difference(a: Proportion, b: Proportion, z: float = Z95) -> tuple[float, float, float, float]:
    """(pB - pA, low, high, se) treating the two shares as independent samples."""
    diff = b.probability - a.probability
    se = math.sqrt(a.se ** 2 + b.se ** 2)
    return diff, diff - z * se, diff + z * se, se


def _difference(key, ya, yb, paired) -> Difference:
    a, b = Proportion.of(ya), Proportion.of(yb)
    diff, low, high, se = paired_difference(ya, yb) if paired else unpaired_difference(a, b)
    return Difference(key, a, b, diff, low, high, se, paired)


def compare(odds_a: Odds, odds_b: Odds, results_a: Results, results_b: Results, goals: dict) -> Comparison:
    """B - A per goal and per goal-year joint, using the replicate pairing when it exists."""
    paired = can_pair(results_a, results_b)
    out_a, out_b = goal_outcomes(goals, results_a), goal_outcomes(goals, results_b)
    per_goal = {gid: _difference(gid, out_a[gid], out_b[gid], paired) for gid in goals}
    ja, jb = joint_outcomes(goals, results_a, out_a), joint_outcomes(goals, results_b, out_b)
    joint = {year: _difference(f"joint_{year}", ja[year], jb[year], paired) for year in ja}
    return Comparison(odds_a.scenario, odds_b.scenario, odds_a.runs, odds_b.runs, paired, per_goal, joint)
