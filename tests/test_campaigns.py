"""The registration campaign lever (issue 11): the tech-based registration drive and the HTE
cultivation pool, read only through LeverYear, in both engines."""

from __future__ import annotations

import functools

import numpy as np
import pytest

from sim import rules as R
from sim.core import district as D
from sim.core.engine import CoreSimulator, simulate_block
from sim.core.policy import build_policy
from sim.scenario import apply_overrides, load_scenario

from conftest import ROOT

BASELINE = ROOT / "scenarios" / "baseline_priors.toml"
BIG = {"levers.registration_campaign.annual_budget_cny": 200e6, "levers.registration_campaign.end_year": None,
       "budget.annual_total_cny": 500e6}


@functools.lru_cache(maxsize=None)
def _scenario(kind: str):
    base = load_scenario(BASELINE)
    if kind == "none":
        return apply_overrides(base, {"levers.registration_campaign.annual_budget_cny": 0})
    if kind == "big":
        return apply_overrides(base, BIG)
    return base


def test_campaign_probability_closes_part_of_the_gap():
    assert R.campaign_probability(0.6, 0.0, 0.5) == 0.6, "no reach, no change"
    assert R.campaign_probability(0.6, 1.0, 0.5) == pytest.approx(0.8)
    assert R.campaign_probability(0.6, 0.5, 1.0) == pytest.approx(0.8)
    assert R.campaign_probability(0.6, 1.0, 1.0) == 1.0


def test_lever_year_splits_the_budget_and_is_zero_without_the_lever():
    sc = load_scenario(BASELINE)
    lever = sc.levers.registration_campaign
    assert lever is not None and lever.start_year == 2023
    pol = build_policy(sc)
    lv = pol.year(0)                                   # 2023
    total = lever.annual_budget_cny / 1e6
    assert lv.campaign_registration + lv.campaign_cultivation == pytest.approx(total)
    assert lv.campaign_cultivation == pytest.approx(total * lever.cultivation_share)
    after = pol.year(list(pol.years).index(2028))      # the plan ends in 2027
    assert after.campaign_registration == 0 and after.campaign_cultivation == 0
    none = build_policy(apply_overrides(sc, {"levers": {}})).year(0)
    assert none.campaign_registration == 0 and none.campaign_cultivation == 0


def test_reach_is_within_what_the_budget_pays_for():
    lv = build_policy(_scenario("base")).year(0)
    p = {"campaign_reach_cost": np.array([0.02]), "campaign_pool_cost": np.array([0.05])}
    reach, pool = D.campaign_reach(p, lv, np.array([10_000]), np.array([20.0]))
    assert reach[0] == pytest.approx(lv.campaign_registration / 0.02 / 10_000)
    assert pool[0] == 1.0, "the pool can coach every candidate"
    reach0, pool0 = D.campaign_reach(p, build_policy(_scenario("none")).year(0), np.array([10_000]), np.array([20.0]))
    assert reach0[0] == 0 and pool0[0] == 0


def test_a_bigger_campaign_registers_and_certifies_more():
    none = simulate_block(CoreSimulator.of(_scenario("none")), 8, np.arange(6))
    big = simulate_block(CoreSimulator.of(_scenario("big")), 8, np.arange(6))
    col = 2027 - 2022
    np.testing.assert_array_equal(none["tech_based_count"][:, 0], big["tech_based_count"][:, 0])
    assert big["tech_based_count"][:, col].mean() > none["tech_based_count"][:, col].mean()
    assert big["hte_first"][:, 1:col + 1].sum() > none["hte_first"][:, 1:col + 1].sum()
    assert np.all(big["lever_spend"][:, 1] > none["lever_spend"][:, 1])


def test_mesa_model_reads_the_campaign():
    from sim.abm import InnovationModel

    m = InnovationModel(_scenario("big"), seed=4, record_history=False)
    lv = m.policy.year(0)
    y, _, _ = m._start_year(2023, lv, list(m.firms))
    assert 0 < y.campaign_reach <= 1 and y.campaign_pool == 1.0
