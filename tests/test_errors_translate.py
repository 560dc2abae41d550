"""One error hierarchy (sim.errors) and one translator of pydantic's errors (sim.scenario.translate)
for every file a user writes: scenario, sweep and calibration files get the same located,
complete messages (every problem listed, the field path, the value, what is allowed, "did you
mean" for a misspelt key), and the errors survive a trip through a worker process.
"""

from __future__ import annotations

import pickle
import subprocess
import sys

import pytest

from conftest import BASELINE, ROOT, run_cli
from sim.errors import MAX_LISTED_ISSUES, NO_VALUE, FileError, Issue, ScenarioError, UserError

TARGETS = ROOT / "calibration" / "targets.toml"

SWEEP = f"""
[sweep]
name = "s"
base = "{BASELINE.as_posix()}"
replicats = 16
seed = 3

[design]
kind = "grd"

[[factors]]
path = "levers.fiscal_support.annual_budget_cny"
low = "nothing"
high = 240_000_000
"""


def assert_one_paragraph(code: int, err: str, *needles: str) -> None:
    assert code == 2, err
    assert "Traceback" not in err and "\n\n" not in err.strip(), err
    for needle in needles:
        assert needle in err, f"{needle!r} not in:\n{err}"


# ---- the hierarchy ------------------------------------------------------------------------------

def test_every_file_error_is_a_user_error():
    from sim.calibration.observations import ObservationError
    from sim.calibration.targets import CalibrationError
    from sim.scenario.posterior import PosteriorError
    from sim.sweep.spec import SweepError

    for cls in (ScenarioError, SweepError, CalibrationError):
        assert issubclass(cls, FileError) and issubclass(cls, UserError), cls
    for cls in (PosteriorError, ObservationError):
        assert issubclass(cls, UserError), cls


def test_scenario_error_is_exported_where_it_was():
    import sim
    import sim.scenario

    assert sim.ScenarioError is ScenarioError and sim.scenario.ScenarioError is ScenarioError
    assert sim.scenario.UserError is UserError


def test_errors_module_is_light():
    code = ("import sys, sim.errors; print([m for m in ('pydantic', 'numpy', 'pandas') if m in sys.modules])")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"


@pytest.mark.parametrize("make", [
    lambda: __import__("sim.sweep.spec", fromlist=["SweepError"]).SweepError(
        "s.toml", "the range is empty", "factors[0].high", 3, "a number above low"),
    lambda: __import__("sim.calibration.targets", fromlist=["CalibrationError"]).CalibrationError(
        "t.toml", "unknown series", "targets[0].series", "hc_gpd"),
    lambda: ScenarioError.from_issues([Issue("bad", field="a.b", value=1, file="x.toml"),
                                       Issue("worse", field="c", file="y.toml")], source="x.toml"),
    lambda: __import__("sim.scenario.posterior", fromlist=["PosteriorError"]).PosteriorError(
        "p.csv", "7 is outside the range", line=3, column="exit_rate", allowed="0..1"),
])
def test_errors_survive_pickling(make):
    err = make()
    back = pickle.loads(pickle.dumps(err))
    assert type(back) is type(err) and str(back) == str(err)
    if isinstance(err, FileError):
        assert (back.file, back.field, back.value, back.issues, back.source) == \
               (err.file, err.field, err.value, err.issues, err.source)


def test_tool_error_without_value_shows_none():
    from sim.sweep.spec import SweepError

    err = SweepError("s.toml", "a sobol design needs the number of points", "design.points", allowed="a whole number")
    assert err.value is NO_VALUE and "You gave" not in str(err)
    assert str(err) == ("In sweep file 's.toml', field 'design.points': a sobol design needs the number of points. "
                        "Allowed: a whole number.")


# ---- one translator for every kind of file ------------------------------------------------------

def test_sweep_file_lists_every_problem_like_a_scenario(tmp_path):
    path = tmp_path / "sweep.toml"
    path.write_text(SWEEP, encoding="utf-8")
    code, _, err = run_cli("sweep", path, "--out", tmp_path / "out")
    assert_one_paragraph(code, err, f"In sweep file '{path}', 4 problems:",
                         "field 'sweep.replicats': unknown key 'replicats'; did you mean 'replicates'?",
                         "field 'sweep.replicates': required field 'replicates' is missing",
                         "field 'design.kind': 'grd' is not one of the allowed values; did you mean 'grid'?",
                         "Allowed: 'grid', 'lhs', 'sobol'",
                         "field 'factors[0].low': expected a number, got text 'nothing'")


def test_calibration_file_lists_every_problem_like_a_scenario(tmp_path):
    text = TARGETS.read_text(encoding="utf-8")
    text = text.replace("population = 300", "population = 2\npopulaton = 3", 1)
    text = text.replace('statistic = "cagr"', 'statistic = "cgar"', 1)
    path = tmp_path / "targets.toml"
    path.write_text(text, encoding="utf-8")
    code, _, err = run_cli("calibrate", path, "--out", tmp_path / "out")
    assert_one_paragraph(code, err, f"In calibration file '{path}', 3 problems:",
                         "field 'calibration.population': value 2 is out of range: it must be >= 10",
                         "field 'calibration.populaton': unknown key 'populaton'; did you mean 'population'?",
                         "statistic': 'cgar' is not one of the allowed values; did you mean 'cagr'?",
                         "Allowed: 'level', 'growth', 'cagr'")
    assert not (tmp_path / "out").exists()


def test_many_problems_are_counted_beyond_the_listed_ones(tmp_path):
    keys = "".join(f"wrong_{i} = 1\n" for i in range(MAX_LISTED_ISSUES + 3))
    path = tmp_path / "sweep.toml"
    path.write_text(SWEEP.replace("replicats = 16", "replicates = 16\n" + keys).replace('"grd"', '"grid"')
                    .replace('"nothing"', "0"), encoding="utf-8")
    code, _, err = run_cli("sweep", path, "--out", tmp_path / "out")
    assert_one_paragraph(code, err, f"{MAX_LISTED_ISSUES + 3} problems", "- ... and 3 more.")
    assert err.count("\n- ") == MAX_LISTED_ISSUES + 1


def test_translator_takes_the_model_it_validated():
    from pydantic import ValidationError

    from sim.scenario.translate import issues_from_validation_error
    from sim.sweep.spec import SweepFile

    raw = {"sweep": {"name": "s", "base": "b.toml", "replicates": 1, "seed": 0, "seeed": 1},
           "design": {"kind": "lhs", "points": 4}, "factors": [{"path": "x", "low": 0, "high": 1}]}
    with pytest.raises(ValidationError) as info:
        SweepFile.model_validate(raw)
    (issue,) = issues_from_validation_error(info.value, raw, "s.toml", root=SweepFile)
    assert (issue.field, issue.file) == ("sweep.seeed", "s.toml")
    assert "did you mean 'seed'?" in issue.message and "Valid keys under 'sweep'" in issue.message


# ---- paths --------------------------------------------------------------------------------------

def test_paths_show_unusual_keys_quoted_on_one_line():
    from sim.scenario.introspect import field_parts, path_text

    assert path_text(("agents", "universities", 0, "name")) == "agents.universities[0].name"
    assert field_parts("agents.universities[0].name") == ("agents", "universities", 0, "name")
    assert path_text(("goals", "a/b")) == 'goals."a/b"'
    assert path_text(("goals", "a\nb\x00")) == 'goals."a\\nb\\u0000"'
    assert path_text(("hindcast", "set", "initial.hte_count")) == 'hindcast.set."initial.hte_count"'


def test_nesting_is_measured_without_recursion():
    from sim.scenario.introspect import nesting_too_deep

    deep: dict = {}
    node = deep
    for _ in range(100_000):
        node["a"] = {}
        node = node["a"]
    assert nesting_too_deep(deep, 32) == ("a",) * 32
    assert nesting_too_deep({"a": [{"b": [1]}]}, 32) is None
