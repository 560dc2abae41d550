"""The Mesa model (``sim.abm``): built from the scenario like the core, owning its RNG, collecting
the core's indicators, synchronous whatever the activation order, and able to explain its agents.

The statistical equivalence with the core is tested in test_mesa_equivalence.py.
"""

from __future__ import annotations

import random

import numpy as np
import pytest

from sim import load_scenario
from sim.abm.agents import Enterprise, Incubator, Institute, University
from sim.abm.model import InnovationModel
from sim.core.init import build_layout, initial_block
from sim.core.params import sample_parameters
from sim.core.step import measure
from sim.core.streams import MESA, ReplicateStreams, replicate_generator
from sim.goals import evaluate
from sim.indicators import INDICATORS

from conftest import BASELINE

SEED = 5


@pytest.fixture(scope="module")
def scenario():
    return load_scenario(BASELINE)


@pytest.fixture(scope="module")
def finished(scenario):
    """One replicate run to 2035 with every firm's history kept."""
    model = InnovationModel(scenario, seed=SEED)
    model.run_model()
    return model


def frame(model):
    return model.datacollector.get_model_vars_dataframe()


def test_agents_of_every_type_from_the_scenario(scenario):
    model = InnovationModel(scenario, seed=SEED)
    ag = scenario.agents
    assert len(model.agents_by_type[University]) == len(ag.universities) == len(model.universities)
    assert len(model.agents_by_type[Institute]) == len(ag.institutes)
    assert len(model.agents_by_type[Incubator]) == len(ag.incubators)
    firms = model.agents_by_type[Enterprise]
    assert len(firms) == int(model.p["firms"]) + len(ag.leading_firms)
    leading = sorted(f.name for f in firms if f.leading)
    assert leading == sorted(f.name for f in ag.leading_firms)


def test_base_year_agents_reproduce_the_core_start_state(scenario):
    """The agents are the core's start state for the model's own draws: the base-year indicators
    the model collects equal the core's ``measure`` of that state."""
    model = InnovationModel(scenario, seed=SEED, replicate=3)
    rng = replicate_generator(SEED, 3, MESA)
    rng.integers(np.iinfo(np.int32).max)          # mesa.Model seeds its stdlib RNG from it first
    stream = ReplicateStreams.of_generator(rng, 3)
    layout = build_layout(scenario)
    params = sample_parameters(scenario, stream)
    core = measure(initial_block(scenario, layout, params, stream), layout, layout.base_year)
    row = frame(model).iloc[0]
    for name in INDICATORS:
        assert row[name] == pytest.approx(float(core[name][0]), rel=1e-5, abs=1e-9), name


def test_datacollector_has_the_core_indicators_every_year(finished, scenario):
    df = frame(finished)
    assert list(df.columns) == list(INDICATORS)
    by_year = finished.indicator_frame()
    base = scenario.horizon.base_year
    assert by_year.index[0] == base and by_year.index[-1] == 2035
    assert by_year.loc[2026, "hte_count"] == df.iloc[2026 - base]["hte_count"]
    assert len(df) == scenario.horizon.end_year - scenario.horizon.base_year + 1
    assert np.isfinite(df.to_numpy()).all()
    assert finished.year == scenario.horizon.end_year and not finished.running


def test_goal_evaluation_works_on_the_model_output_unchanged(finished, scenario):
    odds = evaluate(scenario.goals, finished.results(), scenario.horizon.base_year)
    assert set(odds.goals) == set(scenario.goals)
    hte_2026 = frame(finished).loc[2026, "hte_count"]            # the frame is indexed by year
    assert odds.goals["hte_250"].probability == float(hte_2026 > 250)


def test_the_model_owns_its_rng(scenario):
    a, b = InnovationModel(scenario, seed=SEED), InnovationModel(scenario, seed=SEED)
    c = InnovationModel(scenario, seed=SEED, replicate=1)
    for m in (a, b, c):
        for _ in range(3):
            m.step()
    assert frame(a).equals(frame(b))
    assert not frame(a).equals(frame(c))


def test_activation_order_does_not_matter(scenario):
    """Firms read start-of-year state and commit together: shuffling them differently (another
    stdlib RNG for Mesa's shuffle_do) gives the same year, number for number."""
    a, b = InnovationModel(scenario, seed=SEED), InnovationModel(scenario, seed=SEED)
    b.random = random.Random(12345)
    for agentset in b._agents_by_type.values():
        agentset.random = b.random
    for m in (a, b):
        for _ in range(4):
            m.step()
    assert frame(a).equals(frame(b))


def test_firms_explain_their_certificates(finished):
    certified = [f for f in list(finished.firms) + finished.exited_firms
                 if any(e.kind == "hte_certified" for e in f.events)]
    assert certified, "no firm obtained a first HTE certificate in 13 years"
    for firm in certified[:20]:
        event = next(e for e in firm.events if e.kind == "hte_certified")
        hist = firm.history_frame()
        assert bool(hist.loc[event.year, "hte"]) is True
        assert event.year - 1 in hist.index and not hist.loc[event.year - 1, "hte"]
        assert "band" in event.detail and "S&T staff" in event.detail
        # the recorded HTE test of that year passes every bar
        row = hist.loc[event.year]
        assert row["rd_ratio_3y"] >= row["hte_band"] and row["st_share"] >= finished.rules.hte_st_staff_min
        assert f"{event.year}  hte_certified" in firm.explain()


def test_exits_entries_and_graduates_are_recorded(finished):
    assert finished.exited_firms
    alive = set(finished.firms)
    for firm in finished.exited_firms[:50]:
        assert firm not in alive and firm.events[-1].kind == "exited" and firm.exited == firm.events[-1].year
    graduates = [(inc, f) for inc in finished.incubators for firms in inc.graduates.values() for f in firms]
    assert graduates
    for inc, firm in graduates:
        assert firm.source == inc.name and firm.events[0].kind == "entered" and inc.name in firm.events[0].detail
    entrants = [f for f in finished.firms if f.entered > finished.innovsim_scenario.horizon.base_year]
    assert entrants and all(f.history[0][0] == f.entered for f in entrants)


def test_collaborations_form_a_network(finished):
    g = finished.network()
    kinds = {d["kind"] for _, d in g.nodes(data=True)}
    assert {"Enterprise", "University", "Institute"} <= kinds
    assert g.number_of_edges() == len({frozenset((f.unique_id, q.unique_id)) for f, q in finished.links})
    year = finished.year
    served = sum(len(u.collaborations.get(year, [])) for u in finished.universities)
    assert served == sum(isinstance(q, University) for _, q in finished.links)
    for inst in finished.institutes:
        for firm in inst.collaborations.get(year, []):
            assert firm.sector == inst.sector and inst.opens <= year


def test_batch_runs_without_history_give_the_same_numbers(scenario):
    """Recording histories is bookkeeping only: it draws nothing and changes nothing."""
    a, b = InnovationModel(scenario, seed=SEED), InnovationModel(scenario, seed=SEED, record_history=False)
    for m in (a, b):
        for _ in range(3):
            m.step()
    assert frame(a).equals(frame(b))


def test_a_released_model_is_freed(scenario):
    """Batch runs create hundreds of models in one process: each must be freed after its run
    (Mesa 3.3 alone keeps every model alive; ``release`` works around it)."""
    import gc
    import weakref

    model = InnovationModel(scenario, seed=SEED, record_history=False)
    model.step()
    ref = weakref.ref(model)
    model.release()
    del model
    gc.collect()
    assert ref() is None


# ---- Mesa's conventions: rng=, fresh entropy, batch_run, frames by year -----------------------------

def test_rng_argument_is_accepted_and_reproducible(scenario):
    a = InnovationModel(scenario, rng=np.random.default_rng(11), record_history=False)
    b = InnovationModel(scenario, rng=np.random.default_rng(11), record_history=False)
    c = InnovationModel(scenario, rng=42, record_history=False)
    assert a.seed == b.seed and a.p == b.p
    assert c.seed == 42 and c.p == InnovationModel(scenario, seed=42, record_history=False).p


def test_without_seed_each_model_draws_fresh_entropy(scenario):
    a, b = InnovationModel(scenario, record_history=False), InnovationModel(scenario, record_history=False)
    assert a.seed != b.seed and a.p != b.p
    assert InnovationModel(scenario, seed=a.seed, record_history=False).p == a.p   # model.seed rebuilds it


def test_the_scenario_simulated_and_mesas_own(scenario):
    """``model.innovsim_scenario`` is the scenario simulated. ``model.scenario`` is Mesa's own
    experiment object where Mesa's ``Model`` has one (3.5: SolaraViz builds the next model from
    it on Reset), and the innovsim scenario on a Mesa without one (3.3)."""
    import mesa

    m = InnovationModel(scenario, seed=1, record_history=False)
    assert m.innovsim_scenario is scenario
    if hasattr(mesa.Model, "scenario"):
        from mesa.experimental.scenarios import Scenario

        assert isinstance(m.scenario, Scenario) and m.scenario.model is m
    else:
        assert m.scenario is scenario


def test_batch_run_iterations_differ(scenario):
    """``mesa.batch_run`` with 3 iterations and no seed: 3 different replicates (the scenario goes
    in a list, since batch_run iterates over any iterable parameter). Mesa 3.5 asks for
    ``rng=[None] * 3`` (a run per value, None: fresh entropy) instead of ``iterations=3``, all that
    Mesa 3.3 knows."""
    import inspect

    import mesa

    runs = {"rng": [None] * 3} if "rng" in inspect.signature(mesa.batch_run).parameters else {"iterations": 3}
    rows = mesa.batch_run(InnovationModel, parameters={"scenario": [scenario], "record_history": False},
                          max_steps=1, display_progress=False, **runs)
    assert [r["iteration"] for r in rows] == [0, 1, 2] and all(r["Step"] == 1 for r in rows)
    assert len({(r["hte_count"], r["tech_based_count"], r["gdp"]) for r in rows}) == 3


def test_datacollector_frame_is_indexed_by_year(finished):
    df = finished.datacollector.get_model_vars_dataframe()
    assert df.index.name == "year"
    assert list(df.index) == list(range(finished.layout.base_year, finished.end_year + 1))


def test_mesa_missing_names_the_extra():
    """Without mesa, ``import sim`` and the core work, and asking for the Mesa engine is a
    UserError that names the extra (a subprocess in which importing mesa fails)."""
    import subprocess
    import sys

    code = ("import sys; sys.modules['mesa'] = None\n"
            "import sim; from sim.errors import UserError\n"
            "from sim.execution.contract import block_simulator\n"
            "s = sim.load_scenario('scenarios/baseline.toml'); block_simulator(s, 'core')\n"
            "try:\n    block_simulator(s, 'mesa')\nexcept UserError as e:\n    print(e)\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=BASELINE.parents[1],
                          timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "mesa" in proc.stdout and '.[abm]' in proc.stdout


def test_firm_totals_add_left_to_right_on_every_python():
    # Python 3.12's sum() of floats is compensated and gives 1.0 here; 3.11's gave 0.0. The Mesa
    # engine's totals must be the same bits on every Python (tests/test_pinned.py pins them).
    from sim.abm.model import float_total

    assert float_total([1e16, 1.0, -1e16]) == 0.0
    assert float_total(x for x in (0.1, 0.2, 0.3)) == (0.1 + 0.2) + 0.3
    assert float_total([]) == 0.0
