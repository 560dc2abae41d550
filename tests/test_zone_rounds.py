"""The national high-tech zone comes in rounds (issue 11): a zone on the expert list is approved
only in a year with a national round; rounds are drawn with one uniform per replicate and year,
so the round path of a replicate is the same whatever the levers (common random numbers); both
engines run the same district code. (The baseline's priors: the mechanism, not the posterior.)"""

from __future__ import annotations

import functools

import numpy as np

from sim.core.engine import CoreSimulator, simulate_block
from sim.scenario import apply_overrides, load_scenario

from conftest import ROOT

BASELINE = ROOT / "scenarios" / "baseline_priors.toml"


@functools.lru_cache(maxsize=None)
def _sim(**overrides) -> CoreSimulator:
    return CoreSimulator.of(apply_overrides(load_scenario(BASELINE), overrides))


def _run(parameters: dict | None = None, seed: int = 3, n: int = 6, **overrides):
    return simulate_block(_sim(**overrides), seed, np.arange(n), parameters)


def test_no_round_no_national_zone():
    ind = _run({"htz_round_prob": 0.0, "htz_readiness": 2, "htz_round_approval": 1.0})
    assert np.all(ind["htz_round"] == 0)
    assert np.all(ind["national_htz"] == 0), "a listed zone waits when there is no round"
    assert np.all(ind["htz_readiness"][:, 1:] == 2)


def test_a_listed_zone_is_approved_in_the_first_round():
    ind = _run({"htz_round_prob": 1.0, "htz_readiness": 2, "htz_round_approval": 1.0})
    assert np.all(ind["htz_round"][:, 1:] == 1)
    assert np.all(ind["national_htz"][:, 0] == 0), "listed, not yet national, in the base year"
    assert np.all(ind["national_htz"][:, 1:] == 1)
    assert np.all(ind["htz_readiness"][:, 1:] == 3)


def test_readiness_never_falls_and_national_status_stays():
    ind = _run(n=8)
    assert np.all(np.diff(ind["htz_readiness"], axis=1) >= 0)
    assert np.all(np.diff(ind["national_htz"], axis=1) >= 0)
    # from municipal, national status takes two stage steps and a round: not within two years
    start = ind["htz_readiness"][:, 0]
    assert np.all(ind["national_htz"][start == 0, :3] == 0)


def test_round_years_do_not_depend_on_the_levers():
    """Common random numbers: the zone drive changes the stages, never the national rounds."""
    base = _run(n=8)
    push = _run(n=8, **{"levers.htz_upgrade.annual_budget_cny": 120e6, "budget.annual_total_cny": 400e6})
    np.testing.assert_array_equal(base["htz_round"], push["htz_round"])
    assert np.all(push["htz_readiness"] >= base["htz_readiness"]), "a bigger drive never slows the bid"


def test_mesa_model_runs_the_same_zone_rules():
    from sim.abm import InnovationModel

    m = InnovationModel(load_scenario(BASELINE), seed=2, record_history=False,
                        parameters={"htz_round_prob": 1.0, "htz_readiness": 2, "htz_round_approval": 1.0})
    for _ in range(4):
        m.step()
    df = m.indicator_frame()
    assert list(df["htz_round"]) == [0.0, 1.0, 1.0, 1.0, 1.0]
    assert list(df["national_htz"]) == [0.0, 1.0, 1.0, 1.0, 1.0]
    assert list(df["htz_readiness"]) == [2.0, 3.0, 3.0, 3.0, 3.0]


def test_a_zone_can_start_national():
    """A calibration's simulated state of a later year may hold a national zone (stage 3)."""
    ind = _run({"htz_readiness": 3})
    assert np.all(ind["national_htz"] == 1) and np.all(ind["htz_readiness"] == 3)
