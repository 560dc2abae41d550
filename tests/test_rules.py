"""The rulebook (sim.rules) at its edges, with the RuleSet of baseline's [rules] table.

Every rule is checked at the bar (passes), just below or above it (fails), and on numpy arrays
(the same answers elementwise as one scalar call per case, as the vectorized core relies on).
"Just below/above" is the next representable float (``np.nextafter``), so the tests pin the
comparison operator itself (``>=`` versus ``>``), not a tolerance.
"""

from __future__ import annotations

import dataclasses

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import central_baseline_rules
from sim import rules as R

MIN_COST = 0.1   # the baseline's uncertainties.min_user_cost


def below(x: float) -> float:
    return float(np.nextafter(x, -np.inf))


def above(x: float) -> float:
    return float(np.nextafter(x, np.inf))


@pytest.fixture(scope="module")
def rules(baseline_rules) -> R.RuleSet:
    return baseline_rules


# ---- the RuleSet ---------------------------------------------------------------------------------

def test_ruleset_converts_percentages_and_years(rules):
    assert (rules.hte_rd_min_small, rules.hte_rd_min_mid, rules.hte_rd_min_large) == (0.05, 0.04, 0.03)
    assert (rules.hte_band_small_max, rules.hte_band_mid_max) == (50.0, 200.0)
    assert rules.hte_st_staff_min == 0.10
    assert rules.hte_hightech_revenue_min == 0.60
    assert rules.hte_min_age == 1 and isinstance(rules.hte_min_age, int)
    assert rules.hte_validity == 3 and isinstance(rules.hte_validity, int)
    assert rules.hte_knowledge_min == 1.0
    assert (rules.tsme_max_employees, rules.tsme_max_sales) == (500.0, 200.0)
    assert (rules.cit_rate, rules.cit_rate_hte) == (0.25, 0.15)
    assert (rules.superdeduction_extra, rules.superdeduction_extra_base) == (1.0, 0.75)
    assert rules.above_scale_revenue == 20.0


# ---- HTE R&D bands -------------------------------------------------------------------------------

@pytest.mark.parametrize("sales, expected", [
    (0.0, 0.05), (10.0, 0.05), (50.0, 0.05), (above(50.0), 0.04),
    (100.0, 0.04), (200.0, 0.04), (above(200.0), 0.03), (5000.0, 0.03),
])
def test_hte_rd_threshold_bands(rules, sales, expected):
    assert float(R.hte_rd_threshold(sales, rules)) == expected


def test_hte_rd_threshold_on_arrays(rules):
    sales = np.array([50.0, above(50.0), 200.0, above(200.0)])
    np.testing.assert_array_equal(R.hte_rd_threshold(sales, rules), [0.05, 0.04, 0.04, 0.03])


# ---- HTE eligibility -----------------------------------------------------------------------------

def hte_at_bar(rules, sales=10.0) -> dict:
    """Every condition exactly at its bar."""
    return dict(age=rules.hte_min_age, rd_ratio_3y=float(R.hte_rd_threshold(sales, rules)), sales=sales,
                st_share=rules.hte_st_staff_min, hightech_share=rules.hte_hightech_revenue_min,
                knowledge=rules.hte_knowledge_min)


@pytest.mark.parametrize("sales", [10.0, 50.0, 100.0, 200.0, 500.0])
def test_hte_eligible_at_every_bar(rules, sales):
    assert R.hte_eligible(**hte_at_bar(rules, sales), rules=rules)


@pytest.mark.parametrize("field", ["age", "rd_ratio_3y", "st_share", "hightech_share", "knowledge"])
@pytest.mark.parametrize("sales", [10.0, 100.0, 500.0])
def test_hte_eligible_fails_when_one_condition_is_just_below(rules, field, sales):
    args = hte_at_bar(rules, sales)
    args[field] = below(float(args[field]))
    assert not R.hte_eligible(**args, rules=rules)


def test_hte_eligible_age_in_whole_years(rules):
    args = hte_at_bar(rules)
    assert not R.hte_eligible(**{**args, "age": 0}, rules=rules)
    assert R.hte_eligible(**{**args, "age": 1}, rules=rules)
    assert R.hte_eligible(**{**args, "age": 30}, rules=rules)


def test_hte_eligible_band_follows_sales(rules):
    """4% passes at 200m sales but not at 50m; 3% passes above 200m only."""
    args = hte_at_bar(rules)
    assert R.hte_eligible(**{**args, "rd_ratio_3y": 0.04, "sales": 200.0}, rules=rules)
    assert not R.hte_eligible(**{**args, "rd_ratio_3y": 0.04, "sales": 50.0}, rules=rules)
    assert R.hte_eligible(**{**args, "rd_ratio_3y": 0.03, "sales": above(200.0)}, rules=rules)
    assert not R.hte_eligible(**{**args, "rd_ratio_3y": 0.03, "sales": 200.0}, rules=rules)


def test_hte_eligible_float32_state_agrees_with_scalars_at_the_bars(rules):
    sales = np.array([10.0, 100.0, 500.0], np.float32)
    rd = np.array([0.05, 0.04, 0.03], np.float32)
    ones = np.ones(3, np.float32)
    got = R.hte_eligible(ones, rd, sales, ones * np.float32(0.10), ones * np.float32(0.60), ones, rules)
    scalar = [bool(R.hte_eligible(1, float(r), float(s), 0.10, 0.60, 1.0, rules))
              for r, s in zip([0.05, 0.04, 0.03], [10.0, 100.0, 500.0])]
    assert scalar == [True, True, True]
    np.testing.assert_array_equal(got, scalar)


# ---- certificate validity ------------------------------------------------------------------------

@pytest.mark.parametrize("t", [2022, 2023, 2026, 2035])
def test_certificate_granted_in_t_valid_through_t_plus_2(rules, t):
    until = R.hte_until_after_grant(t, rules)
    assert until == t + 2
    for year in (t, t + 1, t + 2):
        assert R.hte_valid(until, year)
    assert not R.hte_valid(until, t + 3)
    assert not R.hte_valid(until, t + 10)


def test_never_certified_is_not_valid():
    assert not R.hte_valid(0, 2023)


def test_certificate_rules_on_arrays(rules):
    grant = np.array([2023, 2024, 2030], np.int16)
    until = R.hte_until_after_grant(grant, rules)
    np.testing.assert_array_equal(until, [2025, 2026, 2032])
    np.testing.assert_array_equal(R.hte_valid(until, 2026), [False, True, True])
    np.testing.assert_array_equal(R.hte_valid(until, 2027), [False, False, True])


# ---- tech-SME size, tech-based eligibility, above-scale -----------------------------------------

@pytest.mark.parametrize("employees, sales, ok", [
    (1, 0.5, True), (500, 200.0, True), (501, 200.0, False), (above(500.0), 200.0, False),
    (500, above(200.0), False), (10_000, 5_000.0, False),
])
def test_tech_sme_size_ok(rules, employees, sales, ok):
    assert bool(R.tech_sme_size_ok(employees, sales, rules)) is ok


def tb_at_bar(rules) -> dict:
    """An SME exactly at every tech-based bar, with no HTE and no platform."""
    return dict(employees=100.0, sales=50.0, rd_ratio=rules.tb_rd_min, st_share=rules.tb_st_staff_min,
                knowledge=rules.tb_knowledge_min, hte=False, platform=R.NONE)


def test_tech_based_via_sme_path(rules):
    assert R.tech_based_eligible(**tb_at_bar(rules), rules=rules)


@pytest.mark.parametrize("field", ["rd_ratio", "st_share", "knowledge"])
def test_tech_based_sme_path_fails_just_below_a_bar(rules, field):
    args = tb_at_bar(rules)
    args[field] = below(args[field])
    assert not R.tech_based_eligible(**args, rules=rules)


@pytest.mark.parametrize("size", [dict(employees=501.0), dict(sales=above(200.0))])
def test_tech_based_sme_path_needs_sme_size(rules, size):
    assert not R.tech_based_eligible(**{**tb_at_bar(rules), **size}, rules=rules)


def test_tech_based_via_hte(rules):
    big_no_rd = dict(employees=3000.0, sales=4000.0, rd_ratio=0.0, st_share=0.0, knowledge=0.0, platform=R.NONE)
    assert not R.tech_based_eligible(**big_no_rd, hte=False, rules=rules)
    assert R.tech_based_eligible(**big_no_rd, hte=True, rules=rules)


@pytest.mark.parametrize("level, ok", [(R.NONE, False), (R.DISTRICT, False), (R.MUNICIPAL, True), (R.NATIONAL, True)])
def test_tech_based_via_municipal_platform(rules, level, ok):
    big_no_rd = dict(employees=3000.0, sales=4000.0, rd_ratio=0.0, st_share=0.0, knowledge=0.0, hte=False)
    assert bool(R.tech_based_eligible(**big_no_rd, platform=level, rules=rules)) is ok


@pytest.mark.parametrize("industrial, revenue, ok", [
    (True, 20.0, True), (True, below(20.0), False), (True, 1000.0, True), (False, 20.0, False), (False, 1000.0, False),
])
def test_above_scale(rules, industrial, revenue, ok):
    assert bool(R.above_scale(industrial, revenue, rules)) is ok


# ---- R&D decisions -------------------------------------------------------------------------------

def test_rd_user_cost_hte_and_subsidy(rules):
    assert R.rd_user_cost(0.0, False, rules, MIN_COST) == pytest.approx(1 - 0.25 * 1.0)
    assert R.rd_user_cost(0.0, True, rules, MIN_COST) == pytest.approx(1 - 0.15 * 1.0)
    assert R.rd_user_cost(0.1, False, rules, MIN_COST) == pytest.approx(0.65)
    assert R.rd_user_cost(0.1, True, rules, MIN_COST) == pytest.approx(0.75)
    # the base-year super-deduction (75%) instead of 100%
    assert R.rd_user_cost(0.0, False, rules, MIN_COST, superdeduction=0.75) == pytest.approx(1 - 0.25 * 0.75)
    assert R.rd_user_cost(0.0, False, rules, MIN_COST, superdeduction=0.0) == pytest.approx(1.0)
    # the lower HTE tax rate makes the deduction worth less: R&D costs HTEs more
    for s in (0.0, 0.05, 0.3):
        assert R.rd_user_cost(s, True, rules, MIN_COST) > R.rd_user_cost(s, False, rules, MIN_COST)
        assert R.rd_user_cost(s + 0.01, False, rules, MIN_COST) < R.rd_user_cost(s, False, rules, MIN_COST)


@pytest.mark.parametrize("subsidy", [0.75, 0.8, 1.0])
def test_rd_target_ratio_finite_for_every_valid_subsidy_rate(rules, subsidy):
    uc = R.rd_user_cost(np.float32(subsidy), np.array([False, True]), rules, MIN_COST)
    uc_ref = R.rd_user_cost(0.0, np.array([False, True]), rules, MIN_COST,
                            superdeduction=rules.superdeduction_extra_base)
    with np.errstate(all="ignore"):
        target = R.rd_target_ratio(np.array([0.0, 0.03]), uc, uc_ref, 0.7)
    assert np.all(np.isfinite(target)) and np.all(target >= 0)


def test_rd_target_ratio_monotone_in_user_cost():
    uc = np.linspace(0.2, 1.5, 50)
    for elasticity in (0.3, 0.7, 1.2):
        t = R.rd_target_ratio(0.03, uc, 0.8, elasticity)
        assert np.all(np.diff(t) < 0), "cheaper R&D, more R&D"
    assert R.rd_target_ratio(0.03, 0.8, 0.8, 0.7) == pytest.approx(0.03)   # at the reference cost
    assert np.allclose(R.rd_target_ratio(0.03, uc, 0.8, 0.0), 0.03)        # no response
    assert R.rd_target_ratio(0.03, 0.6, 0.8, 0.7, multiplier=1.5) == pytest.approx(
        1.5 * R.rd_target_ratio(0.03, 0.6, 0.8, 0.7))
    assert R.rd_target_ratio(0.0, 0.5, 0.8, 0.7) == 0.0                     # no R&D stays no R&D


@given(uc1=st.floats(0.05, 2.0), uc2=st.floats(0.05, 2.0), e=st.floats(0.0, 2.0), prop=st.floats(0.0, 0.3))
@settings(max_examples=50, deadline=None)
def test_rd_target_ratio_monotone_property(uc1, uc2, e, prop):
    lo, hi = sorted((uc1, uc2))
    assert R.rd_target_ratio(prop, lo, 0.8, e) >= R.rd_target_ratio(prop, hi, 0.8, e) - 1e-15


def test_bunch_to_threshold_only_within_margin(rules):
    thr, m = 0.05, 0.2
    edge = thr * (1 - m)
    cases = [  # target, aspiring, expected
        (0.045, True, thr * 1.02), (edge, True, thr * 1.02), (below(thr), True, thr * 1.02),
        (below(edge), True, below(edge)), (0.01, True, 0.01),
        (thr, True, thr), (0.08, True, 0.08),
        (0.045, False, 0.045), (edge, False, edge),
    ]
    for target, aspiring, expected in cases:
        assert float(R.bunch_to_threshold(target, thr, m, aspiring, 1.02)) == expected, (target, aspiring)
    got = R.bunch_to_threshold(np.array([c[0] for c in cases]), thr, m, np.array([c[1] for c in cases]), 1.02)
    np.testing.assert_array_equal(got, [c[2] for c in cases])


def test_bunching_never_lowers_rd():
    t = np.linspace(0, 0.1, 101)
    for m in (0.0, 0.1, 0.35):
        assert np.all(R.bunch_to_threshold(t, 0.04, m, np.ones_like(t, bool), 1.02) >= t)


def test_rd_adjust_staff_and_talent():
    assert R.rd_adjust(0.02, 0.04, 0.0) == 0.02
    assert R.rd_adjust(0.02, 0.04, 1.0) == pytest.approx(0.04)
    assert R.rd_adjust(0.02, 0.04, 0.4) == pytest.approx(0.028)
    assert R.rd_adjust(0.0, 0.0, 0.4) == 0.0
    assert R.rd_staff(1.5, 0.55, 0.15) == pytest.approx(5.5)
    assert R.rd_staff(0.0, 0.55, 0.15) == 0.0
    assert R.talent_factor(50.0, 100.0) == pytest.approx(0.5)
    assert R.talent_factor(200.0, 100.0) == 1.0
    assert R.talent_factor(0.0, 0.0) == 0.0
    assert R.talent_factor(10.0, 0.0) == 1.0


def test_st_share_capped_and_small_firms():
    assert R.st_share(1.0, 1.6, 1.0, 32.0) == pytest.approx(0.05)
    assert R.st_share(100.0, 1.6, 1.0, 10.0) == 1.0
    assert R.st_share(0.0, 1.6, 1.0, 10.0) == 0.0
    # fewer than one employee counts as one (no division blow-up)
    assert R.st_share(0.1, 1.6, 1.0, 0.0) == pytest.approx(0.16)


# ---- knowledge -----------------------------------------------------------------------------------

def test_innovation_probability_edges():
    assert R.innovation_probability(0.0, 0.06) == 0.0
    assert R.innovation_probability(5.0, 0.0) == 0.0
    assert R.innovation_probability(5.0, 0.06) == pytest.approx(1 - math.exp(-0.3))
    staff = np.linspace(0.0, 300.0, 3001)
    for k in (0.03, 0.06, 0.10):
        p = R.innovation_probability(staff, k)
        assert p[0] == 0.0
        assert np.all((p >= 0) & (p < 1)), "a probability below 1 for k * staff <= 30"
        assert np.all(np.diff(p) > 0), "more R&D staff, better odds"
    # more productive research, better odds
    assert R.innovation_probability(5.0, 0.10) > R.innovation_probability(5.0, 0.06)


@given(s=st.floats(0.0, 1e4), k=st.floats(0.0, 1.0))
@settings(max_examples=50, deadline=None)
def test_innovation_probability_is_a_probability(s, k):
    p = R.innovation_probability(s, k)
    assert 0.0 <= p <= 1.0   # (1.0 only by rounding, for k * staff beyond ~37)


def test_partner_compatibility_edges():
    assert not R.partners_compatible(0.0, 0.0, 0.0), "no knowledge on either side: no partnership"
    assert R.partners_compatible(0.5, 1.0, 0.5)
    assert not R.partners_compatible(below(0.5), 1.0, 0.5)
    assert R.partners_compatible(0.0, 1.0, 0.0)
    assert not R.partners_compatible(0.0, 1.0, 0.5)
    assert R.partners_compatible(2.0, 2.0, 1.0)


@given(a=st.floats(0.0, 100.0), b=st.floats(0.0, 100.0), thr=st.floats(0.0, 1.0))
@settings(max_examples=100, deadline=None)
def test_partners_compatible_symmetric(a, b, thr):
    assert bool(R.partners_compatible(a, b, thr)) == bool(R.partners_compatible(b, a, thr))


def test_spillover_and_hightech_share():
    assert R.spillover(1.0, 3.0, 0.1) == pytest.approx(0.2)
    assert R.spillover(3.0, 1.0, 0.1) == 0.0, "nothing to learn from a laggard"
    assert R.hightech_share_update(0.5, True, 0.2, 0.05) == pytest.approx(0.6)
    assert R.hightech_share_update(0.5, False, 0.2, 0.05) == pytest.approx(0.475)
    assert R.hightech_share_update(1.0, True, 0.2, 0.05) == 1.0
    assert R.hightech_share_update(0.0, False, 0.2, 0.05) == 0.0


# ---- exit, platforms, the zone -------------------------------------------------------------------

def test_exit_probability_young_tech_financing():
    base = 0.04
    old = R.exit_probability(base, 10, False, 2.0, 0.4, 0.0, 5)
    assert old == pytest.approx(base)
    assert R.exit_probability(base, 4, False, 2.0, 0.4, 0.0, 5) == pytest.approx(2 * base), "young: age < 5"
    assert R.exit_probability(base, 0, False, 2.0, 0.4, 0.0, 5) == pytest.approx(2 * base)
    assert R.exit_probability(base, 5, False, 2.0, 0.4, 0.0, 5) == pytest.approx(base), "age 5 is not young"
    tech = R.exit_probability(base, 10, True, 2.0, 0.4, 0.0, 5)
    assert tech == pytest.approx(0.6 * base)
    financed = R.exit_probability(base, 10, True, 2.0, 0.4, 0.5, 5)
    assert financed == pytest.approx(0.3 * base)
    assert R.exit_probability(base, 2, True, 2.0, 0.4, 0.5, 5) == pytest.approx(2 * 0.3 * base)
    # financing relief never raises exit
    assert R.exit_probability(base, 10, False, 2.0, 0.4, 0.5, 5) <= old
    assert R.exit_probability(base, 10, True, 2.0, 1.0, 0.0, 5) == 0.0


@given(base=st.floats(0, 0.2), age=st.integers(0, 60), tech=st.booleans(), young=st.floats(1, 4),
       prot=st.floats(0, 1), relief=st.floats(0, 0.9))
@settings(max_examples=50, deadline=None)
def test_exit_probability_in_unit_interval(base, age, tech, young, prot, relief):
    p = R.exit_probability(base, age, tech, young, prot, relief, 5)
    assert 0.0 <= p <= base * young + 1e-15
    assert p <= R.exit_probability(base, age, False, young, prot, relief, 5) + 1e-15


HAZ = (0.08, 0.06, 0.01)
GRANT = (1.0, 1.2, 1.5)


@pytest.mark.parametrize("level, rd, big, expected", [
    # none -> district: R&D >= 0.3m
    (R.NONE, 0.3, False, 0.08), (R.NONE, below(0.3), True, 0.0), (R.NONE, 100.0, True, 0.08),
    # district -> municipal: R&D >= 1.5m and an above-scale firm or an HTE
    (R.DISTRICT, 1.5, True, 0.06 * 1.2), (R.DISTRICT, 1.5, False, 0.0), (R.DISTRICT, below(1.5), True, 0.0),
    # municipal -> national: R&D >= 30m (no size condition)
    (R.MUNICIPAL, 30.0, False, 0.01 * 1.5), (R.MUNICIPAL, 30.0, True, 0.01 * 1.5),
    (R.MUNICIPAL, below(30.0), True, 0.0),
    # national is the top
    (R.NATIONAL, 1000.0, True, 0.0),
])
def test_platform_upgrade_requirements(rules, level, rd, big, expected):
    p = R.platform_upgrade_probability(level, rd, big, HAZ, rules, GRANT)
    assert float(p) == pytest.approx(expected)


def test_htz_hazard_zero_capped_and_rising():
    assert R.htz_hazard(0, 80.0, 0.15, 1.0, 0.95) == 0.0
    assert R.htz_hazard(0, 80.0, 0.9, 10.0, 0.95) == 0.0
    assert R.htz_hazard(40, 80.0, 0.2, 1.0, 0.95) == pytest.approx(0.2 * 0.25), "readiness squared"
    assert R.htz_hazard(80, 80.0, 0.2, 1.0, 0.95) == pytest.approx(0.2)
    assert R.htz_hazard(500, 80.0, 0.2, 1.0, 0.95) == pytest.approx(0.2), "readiness capped at 1"
    assert R.htz_hazard(80, 80.0, 0.3, 100.0, 0.95) == 0.95, "capped"
    z = np.arange(0, 200)
    h = R.htz_hazard(z, 80.0, 0.3, 2.0, 0.95)
    assert np.all(np.diff(h) >= 0) and h.max() <= 0.95 and h.min() == 0.0


def test_htz_round_is_one_uniform_below_the_probability():
    assert R.htz_round(0.39, 0.4) and not R.htz_round(0.4, 0.4)
    assert not R.htz_round(0.0, 0.0), "no rounds at probability 0"
    u = (np.arange(10_000) + 0.5) / 10_000
    assert R.htz_round(u, 0.3).mean() == pytest.approx(0.3, abs=1e-3)


def test_htz_zone_update_stages_and_rounds():
    M, A, L, N = R.HTZ_MUNICIPAL, R.HTZ_APPLYING, R.HTZ_LISTED, R.HTZ_NATIONAL
    # below the list: one stage up with the hazard, whatever the round
    assert R.htz_zone_update(M, 0.1, 0.0, True, 0.2, 0.8) == A
    assert R.htz_zone_update(M, 0.3, 0.0, True, 0.2, 0.8) == M
    assert R.htz_zone_update(A, 0.1, 0.0, False, 0.2, 0.8) == L
    assert R.htz_zone_update(A, 0.1, 0.0, True, 0.2, 0.8) == L, "listed this year: waits for the next round"
    # on the list: approved only in a round year, with the round approval
    assert R.htz_zone_update(L, 0.0, 0.0, False, 0.95, 1.0) == L, "no round, no approval"
    assert R.htz_zone_update(L, 0.0, 0.79, True, 0.95, 0.8) == N
    assert R.htz_zone_update(L, 0.0, 0.81, True, 0.95, 0.8) == L
    # national is final
    assert R.htz_zone_update(N, 0.0, 0.0, True, 0.95, 1.0) == N
    assert R.htz_zone_update(N, 0.0, 0.0, False, 0.95, 1.0) == N


def test_saturating_tends_to_offers_and_to_the_pool():
    assert R.saturating(0.0, 30.0) == 0.0
    assert R.saturating(0.3, 30.0) == pytest.approx(0.3, rel=0.01)     # few offers: nearly all land
    assert R.saturating(1e6, 30.0) == pytest.approx(30.0)               # unlimited money: the pool
    xs = R.saturating(np.array([1.0, 10.0, 100.0]), 30.0)
    assert np.all(np.diff(xs) > 0) and np.all(xs < [1.0, 10.0, 100.0])  # rising, with diminishing returns


# ---- every rule on arrays: the same answers as scalars -------------------------------------------

def _vector_cases(rules):
    """(name, function, list of scalar argument tuples). Cases sit on and around the bars."""
    b = below
    hte_cases = [
        (1, 0.05, 10.0, 0.1, 0.6, 1.0), (0, 0.05, 10.0, 0.1, 0.6, 1.0), (1, b(0.05), 10.0, 0.1, 0.6, 1.0),
        (1, 0.04, 100.0, 0.1, 0.6, 1.0), (1, 0.04, 50.0, 0.1, 0.6, 1.0), (1, 0.03, 300.0, 0.1, 0.6, 1.0),
        (1, 0.05, 10.0, b(0.1), 0.6, 1.0), (1, 0.05, 10.0, 0.1, b(0.6), 1.0), (1, 0.05, 10.0, 0.1, 0.6, b(1.0)),
    ]
    tb_cases = [
        (100.0, 50.0, 0.02, 0.05, 0.1, False, 0), (100.0, 50.0, b(0.02), 0.05, 0.1, False, 0),
        (600.0, 50.0, 0.02, 0.05, 0.1, False, 0), (600.0, 50.0, 0.02, 0.05, 0.1, True, 0),
        (600.0, 500.0, 0.0, 0.0, 0.0, False, 2), (600.0, 500.0, 0.0, 0.0, 0.0, False, 1),
        (100.0, 50.0, 0.02, 0.05, b(0.1), False, 3),
    ]
    return [
        ("hte_rd_threshold", lambda s: R.hte_rd_threshold(s, rules), [(10.0,), (50.0,), (above(50.0),), (200.0,), (201.0,)]),
        ("hte_eligible", lambda *a: R.hte_eligible(*a, rules), hte_cases),
        ("hte_valid", R.hte_valid, [(2025, 2024), (2025, 2025), (2025, 2026), (0, 2023)]),
        ("hte_until_after_grant", lambda y: R.hte_until_after_grant(y, rules), [(2023,), (2030,)]),
        ("tech_sme_size_ok", lambda e, s: R.tech_sme_size_ok(e, s, rules), [(500, 200.0), (501, 200.0), (500, 201.0), (10, 1.0)]),
        ("tech_based_eligible", lambda *a: R.tech_based_eligible(*a, rules), tb_cases),
        ("above_scale", lambda i, r: R.above_scale(i, r, rules), [(True, 20.0), (True, b(20.0)), (False, 50.0)]),
        ("rd_user_cost", lambda s, h: R.rd_user_cost(s, h, rules, MIN_COST), [(0.0, False), (0.0, True), (0.1, False), (0.3, True)]),
        ("rd_target_ratio", R.rd_target_ratio, [(0.03, 0.6, 0.8, 0.7), (0.0, 0.6, 0.8, 0.7), (0.05, 0.9, 0.8, 1.2)]),
        ("bunch_to_threshold", R.bunch_to_threshold,
         [(0.045, 0.05, 0.2, True, 1.02), (0.045, 0.05, 0.2, False, 1.02), (0.03, 0.05, 0.2, True, 1.02),
          (0.05, 0.05, 0.2, True, 1.02)]),
        ("rd_adjust", R.rd_adjust, [(0.02, 0.04, 0.4), (0.0, 0.0, 0.4), (0.05, 0.01, 1.0)]),
        ("rd_staff", R.rd_staff, [(1.5, 0.55, 0.15), (0.0, 0.55, 0.15)]),
        ("st_share", R.st_share, [(1.0, 1.6, 1.0, 32.0), (100.0, 1.6, 1.0, 10.0), (0.1, 1.6, 1.0, 0.0)]),
        ("talent_factor", R.talent_factor, [(50.0, 100.0), (200.0, 100.0), (0.0, 0.0)]),
        ("innovation_probability", R.innovation_probability, [(0.0, 0.06), (5.0, 0.06), (100.0, 0.1)]),
        ("partners_compatible", R.partners_compatible, [(0.0, 0.0, 0.0), (0.5, 1.0, 0.5), (b(0.5), 1.0, 0.5), (1.0, 0.5, 0.5)]),
        ("spillover", R.spillover, [(1.0, 3.0, 0.1), (3.0, 1.0, 0.1)]),
        ("hightech_share_update", R.hightech_share_update, [(0.5, True, 0.2, 0.05), (0.5, False, 0.2, 0.05)]),
        ("exit_probability", R.exit_probability,
         [(0.04, 4, False, 2.0, 0.4, 0.1, 5), (0.04, 5, False, 2.0, 0.4, 0.1, 5), (0.04, 4, True, 2.0, 0.4, 0.1, 5),
          (0.04, 10, True, 2.0, 0.4, 0.0, 5)]),
        ("platform_upgrade_probability", lambda lv, rd, big: R.platform_upgrade_probability(lv, rd, big, HAZ, rules, GRANT),
         [(0, 0.3, False), (0, 0.29, True), (1, 1.5, True), (1, 1.5, False), (2, 30.0, False), (2, 29.9, True), (3, 99.0, True)]),
        ("htz_hazard", R.htz_hazard, [(0, 80.0, 0.15, 1.0, 0.95), (40, 80.0, 0.2, 1.0, 0.95), (500, 80.0, 0.3, 100.0, 0.95)]),
        ("htz_round", R.htz_round, [(0.1, 0.4), (0.5, 0.4), (0.0, 0.0)]),
        ("htz_zone_update", R.htz_zone_update,
         [(0, 0.1, 0.5, True, 0.2, 0.8), (0, 0.5, 0.5, True, 0.2, 0.8), (1, 0.1, 0.0, False, 0.2, 0.8),
          (2, 0.0, 0.5, True, 0.2, 0.8), (2, 0.0, 0.5, False, 0.2, 0.8), (2, 0.0, 0.9, True, 0.2, 0.8),
          (3, 0.0, 0.0, True, 0.2, 0.8)]),
        ("saturating", R.saturating, [(0.0, 30.0), (10.0, 30.0), (1e6, 30.0)]),
        ("knowledge_update", R.knowledge_update,
         [(2.0, 0.15, True, False, 0.5, True, 0.3, 0.1, False, 0.5), (0.0, 0.15, False, True, 0.5, False, 0.3, 0.0, True, 0.5)]),
        ("rd_learning_update", R.rd_learning_update, [(0.02, True, 0.05, 0.3), (0.02, False, 0.05, 0.3), (0.299, True, 0.05, 0.3)]),
        ("rd_start_probability", R.rd_start_probability, [(0.03, 5.0, 0.0), (0.03, 5.0, 0.05)]),
        ("new_rd_propensity", R.new_rd_propensity, [(0.0, 0.02, 0.5), (0.5, 0.02, 0.5), (0.999, 0.02, 0.5)]),
        ("rd_ratio_3y", R.rd_ratio_3y, [(1.0, 1.0, 1.0, 20.0, 20.0, 20.0), (0.0, 0.0, 0.5, 0.0, 0.0, 10.0)]),
        ("superdeduction_rate", lambda y, m, t: R.superdeduction_rate(y, m, t, rules, 2022),
         [(2017, False, False), (2017, True, True), (2020, True, False), (2021, True, False), (2021, False, True),
          (2022, False, True), (2022, False, False), (2023, False, False), (2030, True, True)]),
        ("income_tax_rate", lambda y, h, e, i: R.income_tax_rate(y, h, e, i, rules),
         [(2017, False, 50.0, 0.5), (2018, True, 50.0, 0.5), (2019, False, 50.0, 2.0), (2021, False, 20.0, 0.4),
          (2022, False, 20.0, 2.5), (2023, True, 400.0, 0.5), (2024, False, 50.0, 3.5), (2035, False, 50.0, 2.9)]),
        ("campaign_probability", R.campaign_probability, [(0.6, 0.0, 0.5), (0.6, 0.2, 0.5), (0.6, 1.0, 1.0)]),
        ("hte_fresh_ip_probability", R.hte_fresh_ip_probability, [(0.0, 0.7), (1.0, 0.7), (2.5, 0.7), (3.0, 1.0)]),
        ("hte_score_pass_probability", R.hte_score_pass_probability,
         [(78.0, 8.0, 70.0), (70.5, 8.0, 70.0), (60.0, 8.0, 70.0), (78.0, 0.0, 70.0), (70.0, 0.0, 70.0)]),
        ("hte_renewal_probability", R.hte_renewal_probability, [(0.0, 0.7, 0.9, 0.8), (2.0, 0.7, 0.9, 0.8)]),
        ("ip_since_update", R.ip_since_update, [(1.5, True, False), (1.5, False, False), (1.5, True, True)]),
        ("hte_grant_probability", R.hte_grant_probability,
         [(True, False, 0.6, 1.0, 0.2, 0.7, 0.9), (False, True, 0.6, 1.0, 0.2, 0.7, 0.9), (False, False, 0.6, 1.0, 0.2, 0.7, 0.9)]),
        ("tech_based_update", R.tech_based_update,
         [(True, False, 0.1, 0.6, 0.3), (True, False, 0.5, 0.6, 0.3), (False, True, 0.5, 0.6, 0.3), (False, True, 0.7, 0.6, 0.3)]),
        ("growth_shock", R.growth_shock, [(0.0,), (0.25,), (0.5,), (0.9,)]),
        ("revenue_after_growth", R.revenue_after_growth, [(10.0, 0.05, 0.05, True, 0.2, 0.3), (10.0, 0.05, 0.05, False, 0.2, -1.0)]),
        ("grant_multiplier", R.grant_multiplier, [(0.5, 0.0), (0.5, 2.0)]),
        ("subsidy_rate_paid", R.subsidy_rate_paid, [(0.05, 100.0, 1000.0), (0.05, 10.0, 1000.0), (0.05, 0.0, 0.0)]),
        ("maker_upgrade_probability", R.maker_upgrade_probability, [(0.05, 0.5, 0.0), (0.05, 0.5, 1.0)]),
        ("capacity_share", R.capacity_share, [(30.0, 100.0), (30.0, 10.0), (5.0, 0.0)]),
        ("university_collab_threshold", R.university_collab_threshold, [(0.1, 0.3, 0.5), (0.3, 0.3, 1.0), (0.0, 0.3, 0.2)]),
        ("entrant_state", _entrant_propensity_and_knowledge,
         [(True, False, 0.3, 0.7), (False, True, 0.5, 0.2), (False, False, 0.9, 0.9), (False, False, 0.1, 0.4)]),
    ]


def _entrant_draws(u_rd, u_has_rd):
    return {"revenue": 0.5, "rd": u_rd, "has_rd": u_has_rd, "st": 0.5, "knowledge": 0.5, "hightech": 0.5}


def _entrant_propensity_and_knowledge(recruited, incubated, u_rd, u_has_rd):
    """entrant_state reduced to one number per entrant, for the scalar/array agreement test."""
    state = R.entrant_state(recruited, incubated, 2024, _entrant_draws(u_rd, u_has_rd), True, 50.0, 1.5,
                            0.5, 0.03, True, 0.4, 0.4, 0.03, 0.5)
    return state["propensity"] * 1000 + state["knowledge"] + state["hte_until"]


VECTOR_CASES = _vector_cases(central_baseline_rules())


@pytest.mark.parametrize("name, fn, arg_rows", VECTOR_CASES, ids=[c[0] for c in VECTOR_CASES])
def test_rule_on_arrays_matches_scalars(name, fn, arg_rows):
    scalar = [np.asarray(fn(*row)).item() for row in arg_rows]
    columns = [np.array(col) for col in zip(*arg_rows)]
    vector = np.asarray(fn(*columns))
    assert vector.shape == (len(arg_rows),), name
    np.testing.assert_array_equal(vector, np.array(scalar), err_msg=name)
    # and as a (replicates, agents) block: the core's shape
    block = np.asarray(fn(*[np.tile(c, (3, 1)) for c in columns]))
    np.testing.assert_array_equal(block, np.tile(np.array(scalar), (3, 1)), err_msg=name)


def test_every_public_rule_is_covered_on_arrays():
    names = {n for n, *_ in VECTOR_CASES}
    public = {n for n, obj in vars(R).items()
              if callable(obj) and not n.startswith("_") and getattr(obj, "__module__", "") == R.__name__
              and not isinstance(obj, type)}
    assert public <= names, f"rules without an array test: {sorted(public - names)}"


def test_hte_grant_probability_renewal_versus_first_application():
    renew = R.hte_grant_probability(True, False, 0.6, 1.0, 0.2, 0.7, 0.9)
    first = R.hte_grant_probability(False, True, 0.6, 1.0, 0.2, 0.7, 0.9)
    neither = R.hte_grant_probability(False, False, 0.6, 1.0, 0.2, 0.7, 0.9)   # a valid certificate
    assert renew == pytest.approx(0.9)
    assert first == pytest.approx(min(1, 0.6 * 1.2) * 0.7)
    assert neither == 0


def test_tech_based_update_registers_and_lapses():
    assert R.tech_based_update(False, True, 0.59, 0.6, 0.3)          # eligible, draw below 0.6: registers
    assert not R.tech_based_update(False, True, 0.61, 0.6, 0.3)
    assert not R.tech_based_update(False, False, 0.0, 0.6, 0.3)      # never without eligibility
    assert not R.tech_based_update(True, False, 0.29, 0.6, 0.3)      # no longer eligible: lapses
    assert R.tech_based_update(True, False, 0.31, 0.6, 0.3)
    assert R.tech_based_update(True, True, 0.0, 0.6, 0.3)            # eligible firms keep it


def test_growth_shock_is_a_finite_unit_variance_laplace():
    u = (np.arange(200_000, dtype=np.float32) + 0.5) / 200_000      # an even grid of quantiles
    z = R.growth_shock(u)
    assert np.all(np.isfinite(z)) and np.isfinite(R.growth_shock(np.float32(0.0)))
    assert abs(float(z.mean())) < 1e-3 and abs(float(z.var()) - 1) < 0.01
    assert abs(float(np.median(np.abs(z))) - np.log(2) / np.sqrt(2)) < 1e-3   # Laplace: median |z| = b ln 2


def test_entrant_state_by_kind():
    draws = _entrant_draws(0.5, 0.2)     # has_rd draw 0.2: below the 0.4 certificate share
    rec = R.entrant_state(True, False, 2024, draws, True, 50.0, 1.5, 0.5, 0.03, True, 0.4, 0.4, 0.03, 0.5)
    assert rec["tech_based"] and rec["platform"] == R.DISTRICT and rec["in_zone"]
    assert rec["propensity"] >= 0.03 * 1.05                       # the plan's minimum R&D intensity
    assert rec["hte_until"] == 2024 + np.floor(3 * 0.2 / 0.4)     # brings a certificate
    inc = R.entrant_state(False, True, 2024, draws, False, 50.0, 1.5, 0.5, 0.03, True, 0.4, 0.4, 0.03, 0.5)
    assert not inc["tech_based"] and inc["platform"] == R.NONE and inc["propensity"] > 0
    assert inc["hte_until"] == 0 and 1 <= inc["knowledge"] <= 2
    spont = R.entrant_state(False, False, 2024, _entrant_draws(0.5, 0.9), False, 50.0, 1.5, 0.5, 0.03, True, 0.4, 0.4, 0.03, 0.5)
    assert spont["propensity"] == 0                                # draw 0.9 above the 0.5 R&D share


def test_small_low_profit_tax_by_year_bracket_and_size(rules):
    rate = lambda y, income, hte=False, staff=50.0: R.income_tax_rate(y, hte, staff, income, rules)   # noqa: E731
    # the lower bracket (taxable income up to 1m CNY) by year: 10%, 5%, 2.5%, 5%
    assert [rate(y, 0.5) for y in (2017, 2018, 2019, 2020, 2021, 2022, 2023, 2035)] == \
        [0.10, 0.10, 0.05, 0.05, 0.025, 0.025, 0.05, 0.05]
    # the upper bracket (1-3m): no relief before 2019, 10% in 2019-2021, 5% from 2022
    assert [rate(y, 2.0) for y in (2018, 2019, 2021, 2022, 2027)] == [0.25, 0.10, 0.10, 0.05, 0.05]
    assert rate(2024, 3.5) == 0.25, "above 3m CNY of taxable income a firm is not small low-profit"
    assert rate(2024, 0.5, staff=301.0) == 0.25, "nor with more than 300 staff"
    assert rate(2018, 2.0, hte=True) == 0.15 and rate(2024, 0.5, hte=True) == 0.05, "the lower rate applies"


def test_superdeduction_schedule_by_year_and_firm_type(rules):
    rate = lambda y, manu=False, tsme=False: R.superdeduction_rate(y, manu, tsme, rules, 2022)   # noqa: E731
    assert [rate(y) for y in (2016, 2017, 2018, 2022, 2023, 2035)] == [0.5, 0.5, 0.75, 0.75, 1.0, 1.0]
    assert [rate(y, manu=True) for y in (2020, 2021, 2022, 2023)] == [0.75, 1.0, 1.0, 1.0]
    assert [rate(y, tsme=True) for y in (2017, 2021, 2022)] == [0.75, 0.75, 1.0]
    assert rate(2017, manu=True, tsme=True) == 0.75, "a firm of two types takes the higher rate"
    flat = dataclasses.replace(rules, superdeduction_schedule=0)
    assert R.superdeduction_rate(2022, True, True, flat, 2022) == flat.superdeduction_extra_base
    assert R.superdeduction_rate(2023, False, False, flat, 2022) == flat.superdeduction_extra
