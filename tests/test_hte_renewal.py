"""HTE re-certification by the real rules (issue 11): fresh IP since the last certificate (class II
IP counts once), products in the supported fields (a share per sector) and a score ABOVE 70."""

from __future__ import annotations

import functools
import math

import numpy as np
import pytest

from sim import parameters
from sim import rules as R
from sim.core.engine import CoreSimulator, simulate_block
from sim.scenario import apply_overrides, load_scenario
from sim.sectors import SECTORS

from conftest import ROOT

BASELINE = ROOT / "scenarios" / "baseline_priors.toml"


def test_registry_sectors_are_the_schema_sectors():
    assert tuple(SECTORS) == parameters.SECTORS
    names = {p.name for p in parameters.ALL}
    assert {f"hte_field_share_{s}" for s in SECTORS} <= names


def test_fresh_ip_needs_an_innovation_since_the_last_certificate():
    assert R.hte_fresh_ip_probability(0, 0.7) == 0.0, "no new IP: class II IP cannot be used twice"
    assert R.hte_fresh_ip_probability(1, 0.7) == pytest.approx(0.7)
    assert R.hte_fresh_ip_probability(2, 0.7) == pytest.approx(1 - 0.3 ** 2)
    assert R.hte_fresh_ip_probability(2.5, 1.0) == 1.0


def test_score_must_be_strictly_above_the_bar():
    # whole-point scores: a score of exactly 70 fails, so a firm centred on 70.5 passes half the time
    assert R.hte_score_pass_probability(70.5, 8.0, 70) == pytest.approx(0.5)
    assert R.hte_score_pass_probability(70.0, 8.0, 70) < 0.5, "70 itself fails (不含70)"
    assert R.hte_score_pass_probability(78.0, 8.0, 70) == pytest.approx(0.5 * math.erfc((70.5 - 78) / 8 / math.sqrt(2)))
    assert R.hte_score_pass_probability(78.0, 0.0, 70) == 1.0
    assert R.hte_score_pass_probability(70.0, 0.0, 70) == 0.0, "no spread: exactly 70 never passes"
    xs = R.hte_score_pass_probability(np.array([60.0, 70.0, 80.0, 90.0]), 8.0, 70)
    assert np.all(np.diff(xs) > 0)


def test_renewal_probability_is_the_product_of_the_three_conditions():
    p = R.hte_renewal_probability(1, 0.7, 0.9, 0.8)
    assert p == pytest.approx(0.7 * 0.9 * 0.8)
    assert R.hte_renewal_probability(0, 0.7, 1.0, 1.0) == 0.0
    assert R.hte_grant_probability(True, False, 0.6, 1.0, 0.2, 0.7, p) == pytest.approx(p)


def test_ip_since_counts_innovations_and_a_grant_uses_them():
    assert R.ip_since_update(1.5, True, False) == 2.5
    assert R.ip_since_update(1.5, False, False) == 1.5
    assert R.ip_since_update(1.5, True, True) == 0.0


@functools.lru_cache(maxsize=None)
def _sim() -> CoreSimulator:
    return CoreSimulator.of(load_scenario(BASELINE))


def test_without_fresh_ip_no_certificate_is_renewed():
    """With IP that never qualifies, every certificate of 2022 has lapsed by 2025 (the valid ones
    were granted 2020-2022) except those of recruited firms, which arrive with theirs."""
    sim = _sim()
    base = simulate_block(sim, 4, np.arange(4))
    none = simulate_block(sim, 4, np.arange(4), {"hte_ip_per_innovation": 0.0})
    col = 2025 - 2022
    assert np.all(none["hte_count"][:, col] < base["hte_count"][:, col])
    assert np.all(none["hte_count"][:, col] <= none["hte_first"][:, 1:col + 1].sum(axis=1)
                  + none["recruited"][:, 1:col + 1].sum(axis=1))


def test_a_higher_score_bar_renews_fewer():
    sim = _sim()
    easy = simulate_block(sim, 6, np.arange(4), {"hte_renew_score_mean": 95.0})
    hard = simulate_block(sim, 6, np.arange(4), {"hte_renew_score_mean": 60.0})
    assert np.all(hard["hte_count"][:, -1] < easy["hte_count"][:, -1])


def test_mesa_firms_carry_their_innovations_since_the_last_certificate():
    from sim.abm import InnovationModel

    m = InnovationModel(apply_overrides(load_scenario(BASELINE), {}), seed=3, record_history=False)
    before = {f.unique_id: (f.ip_since, f.hte_until) for f in m.firms}
    m.step()
    for f in m.firms:
        if f.unique_id in before and f.hte_until == m.year + 2:      # certified this year
            assert f.ip_since == 0.0
    assert all(f.ip_since >= 0 for f in m.firms)
    assert any(f.ip_since > 0 for f in m.firms)
