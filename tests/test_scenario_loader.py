"""The scenario loader: extends, deep merge, overrides, and errors a planner can act on.

Broken files are copies of scenarios/baseline.toml with one line changed, so the tests follow
the baseline as it evolves. The CLI side (exit codes, stderr) is in test_cli_validate.py.
"""

from __future__ import annotations

import copy
import os
import shutil
import tomllib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.scenario import (Scenario, ScenarioError, apply_overrides, load_scenario, load_scenario_dict,
                          scenario_to_dict)
from sim.scenario.distributions import DIST_NAMES
from sim.scenario.loader import deep_merge

from conftest import broken_copy, edit_toml  # shared helpers (tests/conftest.py)

BASELINE = Path(__file__).resolve().parents[1] / "scenarios" / "baseline.toml"


# ---- helpers ------------------------------------------------------------------------------------

def load_error(path: Path) -> ScenarioError:
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    return info.value


@pytest.fixture(scope="module")
def baseline() -> Scenario:
    return load_scenario(BASELINE)


@pytest.fixture(scope="module")
def baseline_dict() -> dict:
    with open(BASELINE, "rb") as fh:
        return tomllib.load(fh)


# ---- the baseline itself --------------------------------------------------------------------------

def test_baseline_loads(baseline):
    assert baseline.meta.name
    assert baseline.goals
    assert baseline.extends is None


def test_load_scenario_dict_matches_file(baseline, baseline_dict):
    # a relative posterior file is read relative to base_dir, like extends (else the working
    # directory); the baseline's "shipped:" name from the project folder, wherever the dict is
    assert load_scenario_dict(baseline_dict, base_dir=BASELINE.parent) == baseline
    assert load_scenario_dict(baseline_dict).posterior_file == baseline.posterior_file
    relative = {**baseline_dict, "posterior": {"file": "p.csv"}}
    assert load_scenario_dict(relative).posterior_file == str(Path.cwd() / "p.csv")
    assert load_scenario_dict(relative, base_dir=BASELINE.parent).posterior_file == str(BASELINE.parent / "p.csv")


def test_scenario_to_dict_round_trips(baseline):
    d = scenario_to_dict(baseline)
    assert Scenario.model_validate(d) == baseline
    assert load_scenario_dict(d, resolve_extends=False) == baseline

    def no_none(x):
        if isinstance(x, dict):
            return all(no_none(v) for v in x.values())
        if isinstance(x, list):
            return all(no_none(v) for v in x)
        return x is not None
    assert no_none(d), "TOML has no null: the dict must not contain None"


# ---- file-level errors ------------------------------------------------------------------------------

def test_missing_file(tmp_path):
    err = load_error(tmp_path / "nope.toml")
    assert "nope.toml" in str(err) and "does not exist" in str(err)


def test_directory(tmp_path):
    err = load_error(tmp_path)
    assert str(tmp_path) in str(err) and "folder" in str(err)


@pytest.mark.parametrize("content", ["", "   \n\n", "# only a comment\n"])
def test_empty_file(tmp_path, content):
    path = tmp_path / "empty.toml"
    path.write_text(content, encoding="utf-8")
    err = load_error(path)
    assert "empty.toml" in str(err)
    assert "empty" in str(err) or "no settings" in str(err)


def test_not_utf8(tmp_path):
    path = tmp_path / "latin1.toml"
    path.write_bytes('[meta]\nname = "caf\xe9"\n'.encode("latin-1"))
    err = load_error(path)
    assert "latin1.toml" in str(err) and "UTF-8" in str(err) and "line 2" in str(err)


def test_utf8_bom_is_accepted(tmp_path):
    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbf" + BASELINE.read_bytes())
    assert load_scenario(path).meta.name


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root reads any file")
def test_unreadable_file(tmp_path):
    path = broken_copy(tmp_path)
    path.chmod(0)
    try:
        err = load_error(path)
    finally:
        path.chmod(0o644)
    assert "permission" in str(err)


def test_toml_syntax_error_names_line(tmp_path):
    path = broken_copy(tmp_path, ("initial", "gdp", "= 3"))
    line_no = next(i for i, ln in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                   if ln.startswith("gdp = = 3"))
    err = load_error(path)
    assert err.file == str(path)
    assert f"line {line_no}" in str(err)
    assert "column" in str(err)
    assert "gdp = = 3" in str(err), "the offending line is quoted"


# ---- schema errors: field, value, allowed, suggestion -------------------------------------------------

@pytest.mark.parametrize("edit, field, suggestion", [
    (("levers.fiscal_suport", "name", '"x"'), "levers.fiscal_suport", "fiscal_support"),
    (("initial", "hte_cont", "100"), "initial.hte_cont", "hte_count"),
    (("uncertainties", "gdp_grwth", "5.0"), "uncertainties.gdp_grwth", "gdp_growth"),
    ((None, "inital", "1"), "inital", "initial"),
    (("levers.fiscal_support", "rd_subsidy_rat", "0.1"), "levers.fiscal_support.rd_subsidy_rat", "rd_subsidy_rate"),
])
def test_unknown_key_suggests_nearest(tmp_path, edit, field, suggestion):
    err = load_error(broken_copy(tmp_path, edit))
    assert err.field == field
    assert f"did you mean '{suggestion}'?" in str(err)
    assert "Valid keys" in str(err)
    assert str(tmp_path / "broken.toml") in str(err)


def test_unknown_lever_lists_valid_levers(tmp_path):
    err = load_error(broken_copy(tmp_path, ("levers.fiscal_suport", "name", '"x"')))
    for lever in ("fiscal_support", "talent_plan", "htz_upgrade"):
        assert lever in str(err)


def test_missing_required_field(tmp_path):
    err = load_error(broken_copy(tmp_path, ("initial", "gdp", None)))
    assert err.field == "initial.gdp"
    assert "missing" in str(err)


def test_missing_required_lever_field(tmp_path):
    err = load_error(broken_copy(tmp_path, ("levers.fiscal_support", "rd_subsidy_rate", None)))
    assert err.field == "levers.fiscal_support.rd_subsidy_rate"
    assert "missing" in str(err)


def test_string_for_number(tmp_path):
    err = load_error(broken_copy(tmp_path, ("initial", "gdp", '"a lot"')))
    assert err.field == "initial.gdp"
    assert err.value == "a lot"
    assert "number" in str(err) and "'a lot'" in str(err)
    assert "Input should be" not in str(err), "pydantic jargon is translated"


def test_value_outside_parameter_range(tmp_path):
    err = load_error(broken_copy(tmp_path, ("initial", "rd_intensity", "50")))
    assert err.field == "initial.rd_intensity"
    assert err.value == 50
    assert err.allowed == "0..10 pct"
    assert "50" in str(err) and "0..10" in str(err)


def test_distribution_outside_parameter_range(tmp_path):
    err = load_error(broken_copy(tmp_path, ("initial", "rd_intensity", '{ dist = "uniform", low = 1, high = 60 }')))
    assert err.field == "initial.rd_intensity"
    assert "60" in str(err) and "0..10" in str(err)


def test_lever_field_bound(tmp_path):
    err = load_error(broken_copy(tmp_path, ("levers.fiscal_support", "rd_subsidy_rate", "2")))
    assert err.field == "levers.fiscal_support.rd_subsidy_rate"
    assert "<= 1" in str(err)


def test_literal_lists_allowed_values(tmp_path):
    err = load_error(broken_copy(tmp_path, ("levers.fiscal_support", "subsidy_scope", '"al"')))
    assert err.field == "levers.fiscal_support.subsidy_scope"
    assert "'tech_based'" in err.allowed and "'all'" in err.allowed
    assert "did you mean 'all'?" in str(err)


@pytest.mark.parametrize("value, words", [
    ('{ dist = "triangle", low = 1, mode = 1.5, high = 2 }', ["unknown distribution", "did you mean 'triangular'?"]),
    ('{ dist = "triangular", low = 1, mode = 3, high = 2 }', ["low <= mode <= high"]),
    ('{ dist = "uniform", low = 2, high = 2 }', ["low < high"]),
    ('{ dist = "uniform", low = 2, high = 1 }', ["low < high"]),
    ('{ dist = "normal", mean = 1.8, sd = 0 }', ["> 0"]),
    ('{ dist = "normal", mean = 1.8, sd = -1 }', ["> 0"]),
    ('{ dist = "discrete", values = [1, 2], probs = [0.5, 0.6] }', ["sum to 1"]),
    ('{ dist = "uniform", low = 1 }', ["needs 'high'"]),
    ('{ dist = "uniform", low = 1, high = 2, mode = 1.5 }', ["has no key 'mode'"]),
    ('{ low = 1, high = 2 }', ["'dist' key"]),
    ('[1, 2]', ["number or a distribution"]),
])
def test_distribution_errors(tmp_path, value, words):
    err = load_error(broken_copy(tmp_path, ("initial", "rd_intensity", value)))
    text = str(err)
    assert err.field.startswith("initial.rd_intensity")
    assert len(err.issues) == 1, "one problem, not one per union branch"
    assert "valid number" not in text, "a table is not also reported as 'not a number'"
    for w in words:
        assert w in text


def test_unknown_distribution_lists_names_and_fields(tmp_path):
    err = load_error(broken_copy(tmp_path, ("initial", "rd_intensity", '{ dist = "gamma", a = 1 }')))
    for name in DIST_NAMES:
        assert name in err.allowed
    assert "triangular(low, mode, high)" in str(err)


def test_goal_unknown_indicator(tmp_path):
    err = load_error(broken_copy(tmp_path, ("goals.hte_250", "indicator", '"hte_cont"')))
    assert err.field == "goals.hte_250.indicator"
    assert "did you mean 'hte_count'?" in str(err)


def test_goal_year_outside_horizon(tmp_path):
    err = load_error(broken_copy(tmp_path, ("goals.hte_250", "year", "2040")))
    assert err.field == "goals.hte_250.year"
    assert "2040" in str(err)


def test_threshold_series_unknown(tmp_path):
    err = load_error(broken_copy(tmp_path, ("goals.rd_above_city", "threshold", '{ series = "cq_rd" }')))
    assert err.field == "goals.rd_above_city.threshold.series"
    assert "cq_rd" in str(err) and "cq_rd_intensity" in str(err)


def test_threshold_text_instead_of_number(tmp_path):
    err = load_error(broken_copy(tmp_path, ("goals.hte_250", "threshold", '"many"')))
    assert err.field == "goals.hte_250.threshold"
    assert "series" in str(err)


def test_over_budget_message_has_both_numbers(tmp_path, baseline):
    err = load_error(broken_copy(tmp_path, ("budget", "annual_total_cny", "1_000_000")))
    levers = baseline.levers.active()
    year = next(y for y in range(baseline.horizon.base_year + 1, baseline.horizon.end_year + 1)
                if sum(lv.budget_in(y) for lv in levers.values()) > 1_000_000)
    spend = sum(lv.budget_in(year) for lv in levers.values())
    assert err.field == "budget.annual_total_cny"
    assert f"{spend / 1e6:,.1f}m" in str(err)
    assert "1.0m" in str(err)
    assert str(year) in str(err)


def test_lever_end_before_start(tmp_path):
    err = load_error(broken_copy(tmp_path, ("levers.fiscal_support", "end_year", "2020")))
    assert err.field == "levers.fiscal_support.end_year"
    assert "2020" in str(err)


def test_sector_shares_not_summing_to_one(tmp_path):
    err = load_error(broken_copy(tmp_path, ("population", "sector_shares", "{ auto = 0.5, it = 0.2 }")))
    assert err.field == "population.sector_shares"
    assert "sum to 1" in str(err) and "0.7" in str(err)


def test_unknown_sector_key(tmp_path):
    err = load_error(broken_copy(tmp_path, ("population", "sector_shares", "{ auto = 0.5, itt = 0.5 }")))
    assert err.field == "population.sector_shares.itt"
    assert "did you mean 'it'?" in str(err)


def test_horizon_order(tmp_path):
    err = load_error(broken_copy(tmp_path, ("horizon", "end_year", "2020")))
    assert err.field == "horizon.end_year"


def test_misspelt_section(tmp_path):
    path = tmp_path / "t.toml"
    path.write_text(BASELINE.read_text(encoding="utf-8").replace("[budget]", "[budgetx]", 1), encoding="utf-8")
    err = load_error(path)
    fields = {i.field for i in err.issues}
    assert "budgetx" in fields and "budget" in fields
    assert "did you mean 'budget'?" in str(err)
    assert "2 problems" in str(err)


def test_nan_is_rejected(tmp_path):
    err = load_error(broken_copy(tmp_path, ("initial", "gdp", "nan")))
    assert err.field == "initial.gdp" and "nan" in str(err)


def test_several_problems_listed_one_per_line(tmp_path):
    err = load_error(broken_copy(tmp_path, ("initial", "rd_intensity", "50"), ("uncertainties", "gdp_grwth", "3")))
    assert len(err.issues) == 2
    text = str(err)
    assert "\n\n" not in text, "one paragraph"
    assert "2 problems" in text
    assert "initial.rd_intensity" in text and "uncertainties.gdp_grwth" in text


def test_error_survives_pickling(tmp_path):
    """Worker processes send errors back pickled: file, field and message must survive."""
    import pickle

    err = load_error(broken_copy(tmp_path, ("initial", "gdp", None), ("uncertainties", "gdp_grwth", "1")))
    back = pickle.loads(pickle.dumps(err))
    assert str(back) == str(err)
    assert (back.file, back.field, back.issues) == (err.file, err.field, err.issues)


# ---- extends --------------------------------------------------------------------------------------------

def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def family(tmp_path):
    """tmp/baseline.toml, tmp/child.toml extending it, tmp/sub/grand.toml extending the child."""
    shutil.copy(BASELINE, tmp_path / "baseline.toml")
    write(tmp_path / "child.toml", """
extends = "baseline.toml"
[meta]
name = "child"
[levers.fiscal_support]
rd_subsidy_rate = 0.2
[initial]
rd_intensity = { dist = "normal", mean = 1.8, sd = 0.2, low = 1.0, high = 2.6 }
""")
    write(tmp_path / "sub" / "grand.toml", """
extends = "../child.toml"
[meta]
name = "grandchild"
[levers.fiscal_support]
hte_reward_cny = 300_000
""")
    return tmp_path


def test_extends_child_overrides_one_nested_key(family, baseline):
    s = load_scenario(family / "child.toml")
    fs, base_fs = s.levers.fiscal_support, baseline.levers.fiscal_support
    assert fs.rd_subsidy_rate == 0.2
    assert fs.hte_reward_cny == base_fs.hte_reward_cny, "sibling keys come from the parent"
    assert fs.name == base_fs.name
    assert s.meta.name == "child" and s.meta.name_zh == baseline.meta.name_zh
    assert s.goals == baseline.goals
    assert s.extends == "baseline.toml"


def test_extends_distribution_replaces_whole(family):
    s = load_scenario(family / "child.toml")
    assert s.initial.rd_intensity.dist == "normal"
    assert s.initial.rd_intensity.sd == 0.2


def test_extends_chain_relative_to_each_file(family, baseline):
    s = load_scenario(family / "sub" / "grand.toml")
    assert s.meta.name == "grandchild"
    assert s.levers.fiscal_support.hte_reward_cny == 300_000
    assert s.levers.fiscal_support.rd_subsidy_rate == 0.2
    assert (s.levers.fiscal_support.platform_grant_national_cny
            == baseline.levers.fiscal_support.platform_grant_national_cny)


def test_extends_missing_parent(tmp_path):
    child = write(tmp_path / "child.toml", 'extends = "no_such_parent.toml"\n[meta]\nname = "c"\n')
    err = load_error(child)
    assert err.field == "extends"
    assert "child.toml" in str(err) and "no_such_parent.toml" in str(err)


def test_extends_cycle(tmp_path):
    write(tmp_path / "a.toml", 'extends = "b.toml"\n[meta]\nname = "a"\n')
    write(tmp_path / "b.toml", 'extends = "a.toml"\n[meta]\nname = "b"\n')
    err = load_error(tmp_path / "a.toml")
    assert "circle" in str(err)
    assert "a.toml -> " in str(err) and "b.toml" in str(err)


def test_extends_self_cycle(tmp_path):
    write(tmp_path / "a.toml", 'extends = "a.toml"\n')
    assert "circle" in str(load_error(tmp_path / "a.toml"))


def test_extends_not_text(tmp_path):
    err = load_error(write(tmp_path / "a.toml", "extends = 3\n"))
    assert err.field == "extends"


def test_error_in_parent_names_parent_and_child(family):
    text = (family / "baseline.toml").read_text(encoding="utf-8")
    (family / "baseline.toml").write_text(edit_toml(text, "initial", "rd_enterprise_share", "5"), encoding="utf-8")
    err = load_error(family / "child.toml")
    assert err.field == "initial.rd_enterprise_share"
    assert err.file.endswith("baseline.toml")
    assert "child.toml" in str(err) and "baseline.toml" in str(err)


def test_syntax_error_in_parent(family):
    (family / "baseline.toml").write_text("[meta\n", encoding="utf-8")
    err = load_error(family / "child.toml")
    assert err.file.endswith("baseline.toml") and "line 1" in str(err)


def test_error_in_child_names_child(family):
    with open(family / "child.toml", "a", encoding="utf-8") as fh:
        fh.write("[uncertainties]\ngdp_grwth = 4.0\n")
    err = load_error(family / "child.toml")
    assert err.field == "uncertainties.gdp_grwth"
    assert err.file.endswith("child.toml")


def test_load_scenario_dict_resolves_extends(family):
    s = load_scenario_dict({"extends": "baseline.toml", "meta": {"name": "from dict"}}, base_dir=family)
    assert s.meta.name == "from dict"


def test_deep_merge_rules():
    parent = {"a": {"x": 1, "y": {"p": 1, "q": 2}}, "arr": [1, 2], "d": {"dist": "uniform", "low": 0, "high": 1},
              "m": {"dist": "triangular", "low": 0, "mode": 1, "high": 2}}
    child = {"a": {"y": {"q": 3}}, "arr": [9], "d": {"dist": "normal", "mean": 0, "sd": 1}, "m": {"mode": 1.5},
             "new": 1}
    merged = deep_merge(parent, child)
    assert merged == {"a": {"x": 1, "y": {"p": 1, "q": 3}}, "arr": [9], "d": {"dist": "normal", "mean": 0, "sd": 1},
                      "m": {"dist": "triangular", "low": 0, "mode": 1.5, "high": 2}, "new": 1}
    assert parent["a"]["y"]["q"] == 2, "inputs are not modified"


# ---- overrides ------------------------------------------------------------------------------------------

def test_apply_overrides(baseline):
    # (a parameter the posterior holds, such as initial.rd_intensity, is refused: tests/test_api_ema.py)
    s = apply_overrides(baseline, {"levers.fiscal_support.rd_subsidy_rate": 0.2,
                                   "uncertainties.peer_index_growth": {"dist": "uniform", "low": 1.0, "high": 2.0},
                                   "agents.universities[0].students": 1234})
    assert s.levers.fiscal_support.rd_subsidy_rate == 0.2
    assert s.uncertainties.peer_index_growth.dist == "uniform"
    assert s.agents.universities[0].students == 1234
    assert baseline.uncertainties.peer_index_growth.dist != "uniform", "the input is not modified"


def test_apply_overrides_on_dict(baseline_dict):
    before = copy.deepcopy(baseline_dict)
    s = apply_overrides(baseline_dict, {"run.replicates": 10})
    assert s.run.replicates == 10
    assert baseline_dict == before


@pytest.mark.parametrize("path, suggestion", [
    ("levers.fiscal_suport.rd_subsidy_rate", "fiscal_support"),
    ("levers.fiscal_support.rd_subsidy_rat", "rd_subsidy_rate"),
    ("initial.hte_cont", "hte_count"),
])
def test_apply_overrides_unknown_path(baseline, path, suggestion):
    with pytest.raises(ScenarioError) as info:
        apply_overrides(baseline, {path: 0.1})
    assert f"did you mean '{suggestion}'?" in str(info.value)
    assert info.value.field == path


def test_apply_overrides_through_a_value(baseline):
    with pytest.raises(ScenarioError) as info:
        apply_overrides(baseline, {"initial.gdp.x": 1})
    assert "initial.gdp" in str(info.value)


def test_apply_overrides_invalid_value(baseline):
    with pytest.raises(ScenarioError) as info:
        apply_overrides(baseline, {"initial.rd_intensity": 50})
    assert info.value.field == "initial.rd_intensity"


# ---- property: no mutation of a valid scenario escapes as anything but ScenarioError ---------------------

def _paths(node, prefix=()):
    """Every path in a nested dict/list (tables, arrays and leaves)."""
    yield prefix
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _paths(v, prefix + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _paths(v, prefix + (i,))


def _get(node, path):
    for p in path:
        node = node[p]
    return node


_junk = st.recursive(
    st.just("") | st.text(max_size=12) | st.integers(-10**12, 10**12)
    | st.floats(allow_nan=True, allow_infinity=True) | st.booleans(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=6)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_mutations_raise_only_scenario_error(baseline_dict, data):
    d = copy.deepcopy(baseline_dict)
    for _ in range(data.draw(st.integers(1, 3), label="mutations")):
        paths = [p for p in _paths(d) if p]
        op = data.draw(st.sampled_from(["delete", "insert", "replace"]), label="op")
        if op == "insert":
            tables = [p for p in _paths(d) if isinstance(_get(d, p), dict)]
            where = data.draw(st.sampled_from(tables), label="table")
            key = data.draw(st.text(min_size=1, max_size=12), label="key")
            _get(d, where)[key] = data.draw(_junk, label="value")
            continue
        path = data.draw(st.sampled_from(paths), label="path")
        parent = _get(d, path[:-1])
        if op == "delete":
            del parent[path[-1]]
        else:
            parent[path[-1]] = data.draw(_junk, label="value")
    try:
        s = load_scenario_dict(d, base_dir=Path("/nonexistent-folder"))
    except ScenarioError as exc:
        text = str(exc)
        assert text and "Traceback" not in text
        assert "\n\n" not in text
    else:
        assert isinstance(s, Scenario)


def test_error_in_an_array_the_child_replaced_names_the_child(family):
    """Arrays are replaced whole: a bad item of the child's array is the child's mistake."""
    write(family / "arr.toml", 'extends = "baseline.toml"\n[meta]\nname = "arr"\n'
          '[[agents.universities]]\nname = "only one"\n')
    err = load_error(family / "arr.toml")
    assert err.file.endswith("arr.toml"), str(err)
    assert "agents.universities[0]" in str(err) and "baseline.toml" not in str(err).split(":")[0]


@pytest.mark.parametrize("edits, names", [
    ([("initial", "hte_count", "3000"), ("initial", "tech_based_count", "1000")], ("hte_count", "tech_based_count")),
    ([("initial", "tech_based_count", "9000")], ("tech_based_count", "firms")),
    ([("initial", "above_scale_industrial", '{ dist = "uniform", low = 300, high = 4000 }')],
     ("above_scale_industrial", "firms")),
])
def test_start_counts_that_cannot_hold_together(tmp_path, edits, names):
    err = load_error(broken_copy(tmp_path, *edits))
    text = str(err)
    assert all(f"initial.{n}" in text for n in names), text
    assert "broken.toml" in text


# ---- silent mistakes made errors ------------------------------------------------------------------

def _variant(tmp_path: Path, body: str) -> Path:
    shutil.copy(BASELINE, tmp_path / "baseline.toml")
    return write(tmp_path / "mine.toml", 'extends = "baseline.toml"\n[meta]\nname = "mine"\n' + body)


def test_lever_starting_after_the_horizon_is_an_error(tmp_path):
    err = load_error(_variant(tmp_path, "[levers.talent_plan]\nstart_year = 2040\n"))
    assert err.file == str(tmp_path / "mine.toml") and err.field == "levers.talent_plan.start_year"
    assert "2040" in str(err) and "never be funded" in str(err) and "2035" in str(err)


def test_lever_ending_before_the_first_simulated_year_is_an_error(tmp_path):
    err = load_error(_variant(tmp_path, "[levers.talent_plan]\nend_year = 2024\n"))
    assert err.field == "levers.talent_plan.end_year" and "never be funded" in str(err)


@pytest.mark.parametrize("section, key", [("levers.fiscal_support", "start_year"), ("goals.hte_250", "year")])
def test_a_year_written_as_text_is_an_error(tmp_path, section, key):
    err = load_error(_variant(tmp_path, f'[{section}]\n{key} = "2027"\n'))
    assert err.field == f"{section}.{key}" and "whole number" in str(err) and "'2027'" in str(err)


def test_over_budget_in_a_variant_names_the_variant_and_its_lever(tmp_path):
    path = _variant(tmp_path, "[levers.fiscal_support]\nannual_budget_cny = 500_000_000\n")
    err = load_error(path)
    assert err.file == str(path), "the file the planner edited, not baseline.toml"
    assert err.field == "levers.fiscal_support.annual_budget_cny"
    assert "over budget in 2026" in str(err) and "500.0m" in str(err) and "220.0m" in str(err)


def test_over_budget_from_a_lowered_cap_names_the_cap(tmp_path):
    path = _variant(tmp_path, "[budget]\nannual_total_cny = 100_000_000\n")
    err = load_error(path)
    assert err.file == str(path) and err.field == "budget.annual_total_cny"
