"""Goal evaluation on hand-made trajectories whose answers are known."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import binomtest

from sim.goals import (
    compare,
    evaluate,
    first_year,
    goal_met,
    reached_by_year,
    round_floats,
    wilson_interval,
)
from sim.results import Results
from sim.scenario.schema import Condition, Goal, SeriesRef

NAN = math.nan
YEARS = np.arange(2022, 2027)  # base year 2022 (start state) .. 2026

# 4 replicates x 5 years. Goal "> 250" in 2026:
#   r0 first exceeds in 2024 and still holds in 2026;
#   r1 exceeds only in 2023;
#   r2 exceeds only in the base year (not an achievement) and equals 250 in 2026;
#   r3 exceeds in 2024, NaN in 2026.
HTE = np.array([
    [200, 240, 251, 260, 270],
    [200, 251, 249, 240, 240],
    [300, 200, 200, 200, 250],
    [200, NAN, 260, NAN, NAN],
], dtype=float)


def make(seed=1, offset=0, **indicators) -> Results:
    return Results("test", seed, YEARS, indicators, replicate_offset=offset)


def goal(indicator="hte_count", comparison=">", threshold=250.0, year=2026, **kw) -> Goal:
    return Goal(name=kw.pop("name", "g"), name_zh=kw.pop("name_zh", "目标"), year=year, indicator=indicator,
                comparison=comparison, threshold=threshold, **kw)


# ---- single goals ----------------------------------------------------------------------------

def test_goal_met_matrix_with_nan_as_not_met():
    met = goal_met(goal(), make(hte_count=HTE))
    expected = np.array([
        [0, 0, 1, 1, 1],
        [0, 1, 0, 0, 0],
        [1, 0, 0, 0, 0],
        [0, 0, 1, 0, 0],
    ], dtype=bool)
    assert met.dtype == bool and met.shape == (4, 5)
    np.testing.assert_array_equal(met, expected)


def test_probability_reached_and_first_year_by_hand():
    g = evaluate({"hte_250": goal()}, make(hte_count=HTE), base_year=2022).goals["hte_250"]
    assert g.probability == 0.25
    assert g.odds.successes == 1 and g.odds.runs == 4
    assert g.reached_by_year == {2023: 0.25, 2024: 0.75, 2025: 0.75, 2026: 0.75}
    assert g.first_year == {"2023": 0.25, "2024": 0.5, "2025": 0.0, "2026": 0.0, "never": 0.25}
    assert g.se == pytest.approx(math.sqrt(0.25 * 0.75 / 4))
    # quantiles over the non-NaN values of 2026: 270, 240, 250
    assert g.conditions[0].median == 250
    assert g.indicator == "hte_count" and g.target == "> 250"


def test_strict_and_non_strict_comparison_at_equality():
    res = make(hte_count=HTE)
    strict = evaluate({"g": goal(comparison=">")}, res).goals["g"]
    loose = evaluate({"g": goal(comparison=">=")}, res).goals["g"]
    assert strict.probability == 0.25      # r2's 250 is not > 250
    assert loose.probability == 0.5        # ... but is >= 250
    assert loose.first_year["2026"] == 0.25 and loose.first_year["never"] == 0.0
    assert loose.reached_by_year[2026] == 1.0
    below = evaluate({"g": goal(comparison="<", threshold=250)}, res).goals["g"]
    at_most = evaluate({"g": goal(comparison="<=", threshold=250)}, res).goals["g"]
    assert below.probability == 0.25       # r1 (240); r2's 250 not < 250; r3 NaN
    assert at_most.probability == 0.5


def test_base_year_is_not_an_achievement():
    res = make(hte_count=np.array([[300, 200, 200, 200, 200]], dtype=float))
    g = evaluate({"g": goal()}, res, base_year=2022).goals["g"]
    assert g.first_year["never"] == 1.0
    assert all(p == 0 for p in g.reached_by_year.values())


def test_all_nan_indicator_never_met_and_quantiles_nan():
    res = make(hte_count=np.full((3, 5), NAN))
    g = evaluate({"g": goal()}, res).goals["g"]
    assert g.probability == 0 and g.first_year["never"] == 1
    assert math.isnan(g.conditions[0].median)
    assert g.to_dict()["median"] is None or math.isnan(g.to_dict()["median"])


# ---- series thresholds and several conditions ---------------------------------------------------

def test_series_threshold_compares_same_replicate_and_year():
    rd = np.array([[2.0, 2.1, 2.2, 2.3, 2.5],
                   [2.0, 2.4, 2.4, 2.4, 2.4],
                   [2.0, 2.1, 2.2, 2.3, 2.6]])
    cq = np.array([[2.4, 2.4, 2.4, 2.4, 2.4],
                   [2.3, 2.3, 2.5, 2.5, 2.5],
                   [2.4, 2.4, 2.4, 2.4, NAN]])   # NaN threshold: not met
    g = goal(indicator="rd_intensity", threshold=SeriesRef(series="cq_rd_intensity"))
    odds = evaluate({"rd": g}, make(rd_intensity=rd, cq_rd_intensity=cq))
    rd_odds = odds.goals["rd"]
    assert rd_odds.probability == pytest.approx(1 / 3)
    assert rd_odds.first_year == {"2023": 1 / 3, "2024": 0.0, "2025": 0.0, "2026": 1 / 3, "never": 1 / 3}
    assert rd_odds.target == "> cq_rd_intensity"
    d = rd_odds.to_dict()
    assert d["series"] == "cq_rd_intensity" and d["series_median"] == pytest.approx(2.45)


def test_equal_to_series_is_not_above_it():
    x = np.full((2, 5), 2.5)
    g = goal(indicator="rd_intensity", threshold=SeriesRef(series="cq_rd_intensity"))
    res = make(rd_intensity=x, cq_rd_intensity=x.copy())
    assert evaluate({"g": g}, res).goals["g"].probability == 0
    g_ge = goal(indicator="rd_intensity", comparison=">=", threshold=SeriesRef(series="cq_rd_intensity"))
    assert evaluate({"g": g_ge}, res).goals["g"].probability == 1


def test_multi_condition_goal_needs_all_conditions():
    above = np.array([[0.5, 0.6, 0.6, 0.6, 0.7],
                      [0.5, 0.6, 0.6, 0.6, 0.7],
                      [0.5, 0.5, 0.5, 0.5, 0.5]])
    hte = np.array([[0.9, 1.0, 1.0, 1.0, 1.0],
                    [0.9, 0.9, 0.9, 1.0, 0.95],
                    [1.0, 1.0, 1.0, 1.0, 1.0]])
    g = Goal(name="platforms", name_zh="研发平台", year=2026, conditions=[
        Condition(indicator="platform_share_above_scale", comparison=">=", threshold=0.6),
        Condition(indicator="platform_share_hte", comparison=">=", threshold=1.0)])
    odds = evaluate({"p": g}, make(platform_share_above_scale=above, platform_share_hte=hte)).goals["p"]
    assert odds.probability == pytest.approx(1 / 3)                 # r0 only
    assert odds.first_year == {"2023": 1 / 3, "2024": 0.0, "2025": 1 / 3, "2026": 0.0, "never": 1 / 3}
    assert [c.probability for c in odds.conditions] == pytest.approx([2 / 3, 2 / 3])
    assert odds.indicator == "platform_share_above_scale"
    assert odds.target == "platform_share_above_scale >= 0.6 and platform_share_hte >= 1"
    assert len(odds.to_dict()["conditions"]) == 2


def test_goal_year_outside_results_is_an_error():
    with pytest.raises(ValueError, match="2030"):
        evaluate({"g": goal(year=2030)}, make(hte_count=HTE))


# ---- joint odds, precision, JSON layout ----------------------------------------------------------

def _three_goals():
    hte = np.array([[260] * 5, [260] * 5, [200] * 5, [200] * 5], dtype=float)
    tech = np.array([[1600] * 5, [1400] * 5, [1600] * 5, [1400] * 5], dtype=float)
    rank = np.array([[5] * 5, [5] * 5, [20] * 5, [5] * 5], dtype=float)
    res = make(hte_count=hte, tech_based_count=tech, innovation_rank=rank)
    goals = {
        "hte_250": goal(),
        "tech_based_1500": goal(indicator="tech_based_count", threshold=1500),
        "first_tier": goal(indicator="innovation_rank", comparison="<=", threshold=8, year=2025),
    }
    return goals, res


def test_joint_odds_per_goal_year():
    goals, res = _three_goals()
    odds = evaluate(goals, res, base_year=2022)
    assert odds.goals["hte_250"].probability == 0.5
    assert odds.goals["tech_based_1500"].probability == 0.5
    assert odds.joint[2026].probability == 0.25          # only r0 has both: not 0.5 * 0.5 by chance
    assert odds.joint[2026].goal_ids == ["hte_250", "tech_based_1500"]
    assert odds.joint[2025].probability == 0.75
    low, high = wilson_interval(1, 4)
    assert (odds.joint[2026].odds.ci_low, odds.joint[2026].odds.ci_high) == (low, high)


def test_max_half_width_is_the_widest_interval():
    goals, res = _three_goals()
    odds = evaluate(goals, res)
    halves = [(h - lo) / 2 for lo, h in (wilson_interval(k, 4) for k in (2, 2, 3, 1))]
    assert odds.max_half_width() == pytest.approx(max(halves))


def test_to_dict_layout_and_rounding():
    goals, res = _three_goals()
    res.estimates = ["hte_count"]
    d = evaluate(goals, res).to_dict()
    assert list(d)[:3] == ["scenario", "runs", "seed"]
    assert d["runs"] == 4 and d["seed"] == 1 and d["estimates"] == ["hte_count"]
    assert "joint_2026" in d and "joint_2025" in d
    assert list(d).index("joint_2025") < list(d).index("joint_2026") < list(d).index("estimates")
    g = d["goals"]["hte_250"]
    for key in ["year", "probability", "ci_low", "ci_high", "se", "reached_by_year", "first_year",
                "indicator", "target", "median", "p10", "p90", "name", "name_zh"]:
        assert key in g
    assert list(g["reached_by_year"]) == ["2023", "2024", "2025", "2026"]
    assert set(d["joint_2026"]) >= {"probability", "ci_low", "ci_high", "se"}
    json.dumps(d, allow_nan=False)
    assert round_floats(1 / 3) == 0.333333
    assert round_floats({"a": [2 / 3, NAN]}) == {"a": [0.666667, None]}


# ---- Wilson interval ----------------------------------------------------------------------------

Z = 1.959963984540054


def _wilson_by_hand(k, n):
    p = k / n
    denom = 1 + Z ** 2 / n
    center = (p + Z ** 2 / (2 * n)) / denom
    half = Z * math.sqrt(p * (1 - p) / n + Z ** 2 / (4 * n ** 2)) / denom
    return center - half, center + half


@pytest.mark.parametrize("k,n", [(0, 10), (10, 10), (3, 10), (1, 4), (50, 100), (0, 1), (1, 1), (997, 1000)])
def test_wilson_matches_formula_and_scipy(k, n):
    low, high = wilson_interval(k, n)
    hand_low, hand_high = _wilson_by_hand(k, n)
    assert low == pytest.approx(max(hand_low, 0), abs=1e-12)
    assert high == pytest.approx(min(hand_high, 1), abs=1e-12)
    ci = binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
    assert low == pytest.approx(ci.low, abs=1e-9)
    assert high == pytest.approx(ci.high, abs=1e-9)


def test_wilson_exact_at_the_edges_and_vectorized():
    assert wilson_interval(0, 25)[0] == 0.0
    assert wilson_interval(25, 25)[1] == 1.0
    assert wilson_interval(0, 0) == (0.0, 1.0)
    low, high = wilson_interval(np.array([0, 5, 10]), np.array([10, 10, 10]))
    assert low.shape == (3,) and low[0] == 0 and high[2] == 1
    assert low[1] == pytest.approx(wilson_interval(5, 10)[0])


# ---- comparing scenarios ------------------------------------------------------------------------

def test_compare_identical_results_gives_zero_difference_with_zero_width():
    goals, res = _three_goals()
    odds = evaluate(goals, res)
    cmp = compare(odds, odds, res, res, goals)
    assert cmp.paired
    for diff in [*cmp.goals.values(), *cmp.joint.values()]:
        assert diff.difference == 0 and diff.ci_low == 0 and diff.ci_high == 0 and diff.se == 0


def test_compare_uses_paired_differences():
    a = np.array([[0, 0, 0, 0, 200]] * 4 + [[0, 0, 0, 0, 300]] * 4, dtype=float)
    b = a.copy()
    b[:2, -1] = 300                        # B lifts 2 of the 4 failing replicates
    goals = {"g": goal()}
    ra, rb = make(hte_count=a), make(hte_count=b)
    cmp = compare(evaluate(goals, ra), evaluate(goals, rb), ra, rb, goals)
    d = np.array([1, 1, 0, 0, 0, 0, 0, 0], dtype=float)
    se = d.std(ddof=1) / math.sqrt(8)
    diff = cmp.goals["g"]
    assert diff.paired and diff.difference == 0.25
    assert diff.se == pytest.approx(se)
    assert (diff.ci_low, diff.ci_high) == pytest.approx((0.25 - Z * se, 0.25 + Z * se))
    unpaired = math.sqrt(0.5 * 0.5 / 8 + 0.75 * 0.25 / 8)
    assert diff.se < unpaired                   # pairing removes shared noise


def test_compare_without_common_seed_is_unpaired():
    goals = {"g": goal()}
    ra, rb = make(seed=1, hte_count=HTE), make(seed=2, hte_count=HTE)
    cmp = compare(evaluate(goals, ra), evaluate(goals, rb), ra, rb, goals)
    diff = cmp.goals["g"]
    assert not cmp.paired and diff.difference == 0
    assert diff.se == pytest.approx(math.sqrt(2 * 0.25 * 0.75 / 4))


# ---- properties ---------------------------------------------------------------------------------

@st.composite
def outcome_matrices(draw):
    r = draw(st.integers(1, 30))
    y = draw(st.integers(2, 8))
    bits = draw(st.lists(st.booleans(), min_size=r * y, max_size=r * y))
    return np.array(bits, dtype=bool).reshape(r, y)


@settings(max_examples=200, deadline=None)
@given(outcome_matrices(), st.integers(0, 7))
def test_probability_inside_interval_and_reached_monotone(met, goal_col):
    years = np.arange(2022, 2022 + met.shape[1])
    values = np.where(met, 300.0, 100.0)
    g = goal(year=int(years[1 + goal_col % (len(years) - 1)]))
    odds = evaluate({"g": g}, Results("p", 0, years, {"hte_count": values}), base_year=2022).goals["g"]
    p = odds.probability
    assert 0 <= odds.ci_low <= p <= odds.ci_high <= 1
    reached = list(odds.reached_by_year.values())
    assert all(a <= b for a, b in zip(reached, reached[1:]))
    assert reached[-1] == pytest.approx(met[:, 1:].any(axis=1).mean())
    assert sum(odds.first_year.values()) == pytest.approx(1)
    assert reached_by_year(met, years, 2022) == odds.reached_by_year
    assert first_year(met, years, 2022) == odds.first_year


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 10_000), st.integers(0, 10_000))
def test_wilson_contains_the_share(a, b):
    k, n = min(a, b), max(a, b)
    low, high = wilson_interval(k, n)
    assert 0 <= low <= high <= 1
    if n:
        assert low <= k / n <= high


def test_import_stays_light():
    import subprocess
    import sys

    code = ("import sys, sim.goals, sim.report, sim.results; "
            "print(sorted(m for m in ('matplotlib', 'pandas', 'pyarrow') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
