"""The registry's plausible ranges (``sim.plausible``): one row per parameter, inside what the
registry allows, with its basis; and the baseline's point values inside their ranges."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim import parameters
from sim.plausible import KINDS, PLAUSIBLE
from sim.scenario.distributions import as_dist
from sim.scenario.loader import load_scenario

NAMES = [f"{p.section}.{p.name}" for p in parameters.ALL]


def test_every_registry_parameter_has_a_row_and_no_row_is_stale():
    assert sorted(set(NAMES) - set(PLAUSIBLE)) == []
    assert sorted(set(PLAUSIBLE) - set(NAMES)) == []


@pytest.mark.parametrize("p", parameters.ALL, ids=NAMES)
def test_range_lies_inside_the_allowed_one_with_a_basis(p):
    r = PLAUSIBLE[f"{p.section}.{p.name}"]
    assert p.low <= r.low < r.high <= p.high
    assert r.basis.split(":")[0] in KINDS and len(r.basis) > len(r.basis.split(":")[0]) + 5
    if p.integer:
        assert float(r.low).is_integer() and float(r.high).is_integer()


def test_baseline_point_values_lie_in_their_plausible_range():
    s = load_scenario(Path(__file__).resolve().parents[1] / "scenarios" / "baseline.toml")
    outside = []
    for p in parameters.ALL:
        d = as_dist(getattr(getattr(s, p.section), p.name))
        lo, hi = d.support()
        r = PLAUSIBLE[f"{p.section}.{p.name}"]
        if lo == hi and not r.low <= lo <= r.high:
            outside.append(f"{p.section}.{p.name} = {lo:g} outside {r.low:g}..{r.high:g}")
    assert outside == []
