"""The structural constants moved into the registry (``parameters.STRUCTURAL``, issue 12).

They draw from a stream of their own, so moving them changed no other draw (the pinned results
stayed byte-identical: tests/pinned.py), and both engines read them: each firm-level one is
applied in the core's ``step`` and in the Mesa ``Enterprise`` separately, so each engine is
checked to respond to it.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim import parameters
from sim.core.params import sample_parameters
from sim.core.streams import PARAMETERS, ReplicateStreams


def test_structural_parameters_are_registry_rows_with_plausible_ranges():
    from sim.plausible import PLAUSIBLE

    names = [p.name for p in parameters.STRUCTURAL]
    assert len(names) == len(set(names)) and set(names) <= {p.name for p in parameters.ALL}
    for p in parameters.STRUCTURAL:
        r = PLAUSIBLE[f"{p.section}.{p.name}"]
        assert p.low <= r.low <= r.high <= p.high, p.name


def test_structural_draws_leave_every_other_draw_unchanged(baseline_scenario):
    """Making a structural parameter uncertain moves its own values only (its stream is its own),
    and its values do not depend on the block a replicate is drawn in."""
    reps = np.arange(12)
    data = baseline_scenario.model_dump()
    assert data["uncertainties"]["min_user_cost"] == 0.1              # a point value in the baseline
    data["uncertainties"]["min_user_cost"] = {"dist": "uniform", "low": 0.05, "high": 0.2}
    varied = type(baseline_scenario).model_validate(data)
    base = sample_parameters(baseline_scenario, ReplicateStreams(3, reps, PARAMETERS))
    new = sample_parameters(varied, ReplicateStreams(3, reps, PARAMETERS))
    for name in base:
        if name != "min_user_cost":
            np.testing.assert_array_equal(base[name], new[name], err_msg=name)
    assert np.all(base["min_user_cost"] == 0.1)
    values = new["min_user_cost"]
    assert len(np.unique(values)) == len(reps) and np.all((values >= 0.05) & (values <= 0.2))
    split = np.concatenate([sample_parameters(varied, ReplicateStreams(3, part, PARAMETERS))["min_user_cost"]
                            for part in (reps[:5], reps[5:])])
    np.testing.assert_array_equal(split, values)


# (parameter, extreme value, indicator, year index, +1 if it must rise, -1 if it must fall, 0 if it
# must move; a low learning cap also lowers the start state's firm R&D, which the district's other
# R&D then makes up to the drawn intensity, so its direction is not known in advance): each
# moves R&D spending or exits through the firms' own code, which each engine writes separately
RESPONSES = [
    ("max_rd_ratio", 0.001, "rd_spending", 1, -1),
    ("min_user_cost", 0.9, "rd_spending", 1, -1),
    ("hte_bunching_target", 1.5, "rd_spending", 1, +1),
    ("max_rd_propensity", 0.001, "rd_spending", 1, 0),
    ("young_firm_age", 40.0, "exits", 1, +1),
    ("new_rd_propensity", 0.3, "rd_spending", 2, +1),
]


def _core(scenario, overrides):
    from sim.core.engine import CoreSimulator

    return CoreSimulator.of(scenario)(7, np.arange(4), parameters=overrides)


def _mesa(scenario, overrides):
    from sim.abm.model import InnovationModel

    m = InnovationModel(scenario, seed=7, record_history=False, parameters=overrides)
    for _ in range(2):   # the years the responses need
        m.step()
    frame = m.indicator_frame()
    m.release()
    return {k: frame[k].to_numpy()[None, :] for k in ("rd_spending", "exits")}


@pytest.mark.parametrize("engine", ["core", "mesa"])
def test_each_engine_reads_the_firm_level_structural_parameters(baseline_scenario, engine):
    run = _core if engine == "core" else _mesa
    base = run(baseline_scenario, None)
    for name, value, indicator, year, sign in RESPONSES:
        got = run(baseline_scenario, {name: value})
        # common random numbers: the same draws, so the change is the parameter's alone
        delta = float(np.sum(got[indicator][:, year]) - np.sum(base[indicator][:, year]))
        moved = (sign * delta > 0) if sign else (delta != 0)
        assert moved, f"{engine}: {name} = {value} did not move {indicator} as expected (change {delta:+.4g})"
