"""The Python API as an EMA Workbench model uses it (issue 16, item 9; docs/EMA.md), without EMA:

- overriding a parameter the scenario draws from its posterior file is refused, by the same test
  (``sim.scenario.posterior.drawn_from_posterior``) that sweeps, optimisations and discovery use;
- ``apply_overrides(..., raise_budget_cap=True)`` is the one way to raise levers past the cap;
- any replicate of a seed runs alone (``run_scenario(first_replicate=i, runs=1)``), to the bit
  the row of that replicate in a full run.

The example itself (docs/examples/ema_model.py) runs under EMA in a slow test that is skipped
where ema_workbench is not installed (it needs Python >= 3.12).
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from conftest import BASELINE, ROOT

CALIBRATED = "uncertainties.knowledge_productivity"     # held by the shipped posterior
FREE = "uncertainties.peer_index_growth"                # a distribution the posterior does not hold
FISCAL = "levers.fiscal_support.annual_budget_cny"


@pytest.fixture(scope="module")
def base():
    import sim

    return sim.load_scenario(BASELINE)


# ---- a posterior-drawn parameter is refused ------------------------------------------------------

def test_the_names_above_are_what_they_claim(base):
    from sim.scenario.posterior import calibrated_names

    held = calibrated_names(base)
    assert CALIBRATED.split(".")[1] in held and FREE.split(".")[1] not in held
    assert "firms" in held


@pytest.mark.parametrize("path, value", [(CALIBRATED, 0.05), ("initial.firms", 4000),
                                         ("initial.firms.mode", 4000)])
def test_overriding_a_posterior_drawn_parameter_is_refused(base, path, value):
    import sim

    with pytest.raises(sim.ScenarioError) as info:
        sim.apply_overrides(base, {path: value})
    text = str(info.value)
    for needle in (path, "drawn from the scenario's posterior file", "posterior.csv", "ignored",
                   "enabled = false", "calibrated_names"):
        assert needle in text, f"{needle!r} not in: {text}"
    assert info.value.issues[0].field == path


def test_the_refusal_holds_with_the_budget_cap_raised_too(base):
    import sim

    with pytest.raises(sim.ScenarioError, match="drawn from the scenario's posterior file"):
        sim.apply_overrides(base, {CALIBRATED: 0.05, FISCAL: 150e6}, raise_budget_cap=True)


def test_with_the_posterior_switched_off_the_override_is_taken(base):
    import sim

    s = sim.apply_overrides(base, {CALIBRATED: 0.05, "posterior.enabled": False})
    assert s.posterior_file is None and s.uncertainties.knowledge_productivity == 0.05


def test_a_parameter_the_posterior_does_not_hold_is_taken(base):
    import sim

    s = sim.apply_overrides(base, {FREE: 3.0})
    assert s.uncertainties.peer_index_growth == 3.0 and s.posterior_file == base.posterior_file


def test_one_test_for_every_refusal(base):
    """Sweeps and optimisations word their refusal from the same function as apply_overrides."""
    from sim.scenario.posterior import drawn_from_posterior

    assert drawn_from_posterior(base, CALIBRATED) == f"{CALIBRATED} is drawn from the scenario's posterior file"
    assert drawn_from_posterior(base, CALIBRATED, "the base scenario's").endswith("the base scenario's posterior file")
    for path in (FREE, FISCAL, "levers.knowledge_productivity", "budget.annual_total_cny", "knowledge_productivity"):
        assert drawn_from_posterior(base, path) is None, path
    import sim

    priors = sim.apply_overrides(base, {"posterior.enabled": False})
    assert drawn_from_posterior(priors, CALIBRATED) is None


def test_a_sweep_of_a_posterior_drawn_parameter_uses_the_same_words(tmp_path):
    from sim.errors import UserError
    from sim.sweep.spec import load_sweep

    spec = tmp_path / "s.toml"
    spec.write_text(f'[sweep]\nname = "s"\nbase = "{BASELINE.as_posix()}"\nreplicates = 2\nseed = 1\n'
                    f'[design]\nkind = "lhs"\npoints = 2\n[[factors]]\npath = "{CALIBRATED}"\nlow = 0.04\n'
                    'high = 0.08\n', encoding="utf-8")
    with pytest.raises(UserError, match=f"{CALIBRATED} is drawn from the base scenario's posterior file"):
        load_sweep(spec)


# ---- the budget cap, raised on request ----------------------------------------------------------

def test_levers_past_the_cap_are_an_error_unless_asked(base):
    import sim
    from sim.scenario.loader import peak_lever_spending

    with pytest.raises(sim.ScenarioError, match="over budget"):
        sim.apply_overrides(base, {FISCAL: 150e6})
    s = sim.apply_overrides(base, {FISCAL: 150e6}, raise_budget_cap=True)
    assert s.levers.fiscal_support.annual_budget_cny == 150e6
    assert s.budget.annual_total_cny == peak_lever_spending(s) > base.budget.annual_total_cny


def test_the_raised_cap_is_never_lowered(base):
    import sim

    s = sim.apply_overrides(base, {FISCAL: 10e6}, raise_budget_cap=True)
    assert s.budget.annual_total_cny == base.budget.annual_total_cny
    higher = sim.apply_overrides(base, {FISCAL: 10e6, "budget.annual_total_cny": 500e6}, raise_budget_cap=True)
    assert higher.budget.annual_total_cny == 500e6, "a cap the overrides set is kept when the levers fit in it"


# ---- any replicate alone -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def full(base):
    import sim

    return sim.run_scenario(base, runs=40, seed=11, workers=1)


@pytest.mark.parametrize("replicate", [0, 7, 33, 39])
def test_any_replicate_alone_is_its_row_of_a_full_run(base, full, replicate):
    import sim

    alone = sim.run_scenario(base, runs=1, seed=11, first_replicate=replicate, workers=1)
    assert alone.results.replicates.tolist() == [replicate]
    assert set(alone.results.indicators) == set(full.results.indicators)
    for name, values in full.results.indicators.items():
        assert alone.results.indicators[name][0].tobytes() == values[replicate].tobytes(), name
    for gid, g in alone.odds.goals.items():          # one replicate: the goal met (1) or not (0)
        assert g.probability == _met(full, gid, replicate), gid


def _met(full, gid, replicate) -> float:
    from sim.goals import goal_outcomes

    return float(goal_outcomes(full.scenario.goals, full.results)[gid][replicate])


def test_a_range_of_replicates_written_keeps_their_numbers(base, full, tmp_path):
    import sim

    part = sim.run_scenario(base, runs=3, seed=11, first_replicate=20, workers=1, out=tmp_path)
    sim.write_outputs(part, tmp_path, charts=False)
    table = pd.read_parquet(tmp_path / "indicators.parquet")
    assert sorted(set(table["replicate"])) == [20, 21, 22]
    rows = table[table["replicate"] == 21].sort_values("year")
    np.testing.assert_array_equal(rows["hte_count"].to_numpy(), full.results.indicators["hte_count"][21])
    assert not (tmp_path / "checkpoints").exists()


def test_a_negative_replicate_is_a_clear_error(base):
    import sim
    from sim.errors import UserError

    with pytest.raises(UserError, match="numbered from 0"):
        sim.run_scenario(base, runs=1, first_replicate=-1, workers=1)


# ---- the example under EMA Workbench -------------------------------------------------------------

EXAMPLE = ROOT / "docs" / "examples" / "ema_model.py"


def test_the_example_names_only_what_the_api_accepts(base):
    """Without EMA: every path of the example is accepted by apply_overrides at both ends of its
    range, the budget cap raised as the example does."""
    import ast

    import sim

    tree = ast.parse(EXAMPLE.read_text(encoding="utf-8"))
    named = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and any(getattr(t, "id", "") in ("LEVERS", "UNCERTAINTIES")
                                                for t in node.targets):
            named.update(ast.literal_eval(node.value))
    assert len(named) == 4, "the example lists its levers and uncertainties"
    for path, low, high in named.values():
        for value in (low, high):
            sim.apply_overrides(base, {path: value}, raise_budget_cap=True)


@pytest.mark.slow
@pytest.mark.skipif(importlib.util.find_spec("ema_workbench") is None,
                    reason="ema_workbench is not installed (EMA Workbench 3 needs Python >= 3.12)")
def test_the_example_runs_under_ema_workbench():
    proc = subprocess.run([sys.executable, str(EXAMPLE), "4", "3"], capture_output=True, text=True, cwd=ROOT,
                          timeout=900)
    assert proc.returncode == 0, proc.stderr
    assert "odds over the experiments" in proc.stdout


def test_the_code_quoted_in_docs_ema_is_the_example_s():
    """docs/EMA.md quotes the example's model function: each quoted line is in the example."""
    import re

    doc = (ROOT / "docs" / "EMA.md").read_text(encoding="utf-8")
    quoted = [line.strip() for block in re.findall(r"```python\n(.*?)```", doc, re.S) for line in block.splitlines()]
    example = {line.strip() for line in EXAMPLE.read_text(encoding="utf-8").splitlines()}
    assert quoted and all(line in example for line in quoted if line), [q for q in quoted if q not in example]
