"""``innovsim validate`` and ``innovsim schema``: exit codes and messages a planner can act on.

Every broken file is a copy of scenarios/baseline.toml with one change. Each must give exit code
2 and one paragraph on stderr naming the file and the dotted field, never a traceback.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from sim.cli import build_parser, main

from conftest import broken_copy  # shared helper (tests/conftest.py)

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.toml"


def run_cli(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def assert_user_error(code, out, err, *needles):
    assert code == 2
    assert "Traceback" not in err
    assert "\n\n" not in err.strip(), "one paragraph"
    for needle in needles:
        assert needle in err, f"{needle!r} not in:\n{err}"


# ---- valid files ------------------------------------------------------------------------------------------

def test_validate_baseline(capsys):
    code, out, err = run_cli(capsys, "validate", BASELINE)
    assert code == 0, err
    assert out.startswith(f"OK: {BASELINE} (")
    assert re.search(r"\(baseline, \d+ goals?, \d+ levers?\)", out)
    assert err == ""


def test_validate_variant_with_extends(capsys, tmp_path):
    # the copy's posterior path made absolute: validate reads the posterior file (see test_input_faults.py)
    posterior = (BASELINE.parent / "../calibration/posterior/posterior.csv").resolve().as_posix()
    (tmp_path / "baseline.toml").write_text(BASELINE.read_text(encoding="utf-8").replace(
        '"../calibration/posterior/posterior.csv"', f'"{posterior}"'), encoding="utf-8")
    child = tmp_path / "more_subsidy.toml"
    child.write_text('extends = "baseline.toml"\n[meta]\nname = "more subsidy"\n'
                     '[levers.fiscal_support]\nrd_subsidy_rate = 0.1\n', encoding="utf-8")
    code, out, err = run_cli(capsys, "validate", child)
    assert code == 0, err
    assert "OK:" in out and "(more subsidy," in out


def test_validate_several_files_reports_each(capsys, tmp_path):
    bad = broken_copy(tmp_path, ("initial", "rd_intensity", "50"))
    code, out, err = run_cli(capsys, "validate", BASELINE, bad, BASELINE)
    assert code == 2
    assert out.count("OK:") == 2
    assert str(bad) in err and "initial.rd_intensity" in err


# ---- broken files -------------------------------------------------------------------------------------------

BROKEN = {
    # id: (edits, strings the message must contain besides the file name)
    "unknown lever": ([("levers.fiscal_suport", "name", '"x"')],
                      ["levers.fiscal_suport", "did you mean 'fiscal_support'?"]),
    "unknown initial key": ([("initial", "hte_cont", "100")], ["initial.hte_cont", "did you mean 'hte_count'?"]),
    "unknown uncertainty": ([("uncertainties", "gdp_grwth", "5.0")],
                            ["uncertainties.gdp_grwth", "did you mean 'gdp_growth'?"]),
    "unknown top-level key": ([(None, "horizn", "1")], ["horizn", "did you mean 'horizon'?"]),
    "missing required field": ([("initial", "gdp", None)], ["initial.gdp", "missing"]),
    "missing meta name": ([("meta", "name", None)], ["meta.name", "missing"]),
    "string for a number": ([("initial", "gdp", '"a lot"')], ["initial.gdp", "number", "'a lot'"]),
    "out of parameter range": ([("initial", "rd_intensity", "50")], ["initial.rd_intensity", "50", "0..10"]),
    "unknown dist": ([("initial", "rd_intensity", '{ dist = "triangle", low = 1, mode = 2, high = 3 }')],
                     ["initial.rd_intensity", "did you mean 'triangular'?", "uniform(low, high)"]),
    "triangular mode outside": ([("initial", "rd_intensity", '{ dist = "triangular", low = 1, mode = 3, high = 2 }')],
                                ["initial.rd_intensity", "mode"]),
    "uniform low >= high": ([("initial", "rd_intensity", '{ dist = "uniform", low = 2, high = 1 }')],
                            ["initial.rd_intensity", "low < high"]),
    "normal sd <= 0": ([("initial", "rd_intensity", '{ dist = "normal", mean = 1.8, sd = 0 }')],
                       ["initial.rd_intensity.sd", "> 0"]),
    "discrete probs": ([("initial", "rd_intensity", '{ dist = "discrete", values = [1, 2], probs = [0.3, 0.3] }')],
                       ["initial.rd_intensity", "sum to 1"]),
    "goal unknown indicator": ([("goals.hte_250", "indicator", '"hte_cont"')],
                               ["goals.hte_250.indicator", "did you mean 'hte_count'?"]),
    "goal year outside horizon": ([("goals.hte_250", "year", "2040")], ["goals.hte_250.year", "2040"]),
    "goal comparison": ([("goals.hte_250", "comparison", '"=>"')], ["goals.hte_250.comparison", "'>='"]),
    "threshold series unknown": ([("goals.rd_above_city", "threshold", '{ series = "cq_rd" }')],
                                 ["goals.rd_above_city.threshold.series", "cq_rd_intensity"]),
    "over budget": ([("budget", "annual_total_cny", "1_000_000")],
                    ["budget.annual_total_cny", "over budget", "1.0m CNY"]),
    "lever end before start": ([("levers.fiscal_support", "end_year", "2020")],
                               ["levers.fiscal_support.end_year", "2020"]),
    "sector shares sum": ([("population", "sector_shares", "{ auto = 0.5, it = 0.2 }")],
                          ["population.sector_shares", "sum to 1"]),
    "horizon order": ([("horizon", "end_year", "2020")], ["horizon.end_year"]),
    "lever literal": ([("levers.fiscal_support", "subsidy_scope", '"everyone"')],
                      ["levers.fiscal_support.subsidy_scope", "'tech_based'", "'all'"]),
}


@pytest.mark.parametrize("case", list(BROKEN), ids=list(BROKEN))
def test_validate_broken(capsys, tmp_path, case):
    edits, needles = BROKEN[case]
    path = broken_copy(tmp_path, *edits)
    code, out, err = run_cli(capsys, "validate", path)
    assert out == ""
    assert_user_error(code, out, err, str(path), *needles)


def test_validate_over_budget_names_the_spend(capsys, tmp_path):
    path = broken_copy(tmp_path, ("budget", "annual_total_cny", "1_000_000"))
    code, out, err = run_cli(capsys, "validate", path)
    assert_user_error(code, out, err, str(path))
    assert re.search(r"spend [\d,]+\.\dm CNY", err), err


def test_validate_toml_syntax_error(capsys, tmp_path):
    path = broken_copy(tmp_path, ("levers.fiscal_support", "rd_subsidy_rate", "0.05.1"))
    line_no = 1 + path.read_text(encoding="utf-8").splitlines().index("rd_subsidy_rate = 0.05.1")
    code, out, err = run_cli(capsys, "validate", path)
    assert_user_error(code, out, err, str(path), f"line {line_no}", "rd_subsidy_rate = 0.05.1")


def test_validate_missing_parent(capsys, tmp_path):
    child = tmp_path / "child.toml"
    child.write_text('extends = "gone.toml"\n', encoding="utf-8")
    code, out, err = run_cli(capsys, "validate", child)
    assert_user_error(code, out, err, str(child), "extends", "gone.toml")


def test_validate_extends_cycle(capsys, tmp_path):
    (tmp_path / "a.toml").write_text('extends = "b.toml"\n', encoding="utf-8")
    (tmp_path / "b.toml").write_text('extends = "a.toml"\n', encoding="utf-8")
    code, out, err = run_cli(capsys, "validate", tmp_path / "a.toml")
    assert_user_error(code, out, err, "a.toml", "b.toml", "circle")


def test_validate_empty_file(capsys, tmp_path):
    path = tmp_path / "empty.toml"
    path.write_text("", encoding="utf-8")
    code, out, err = run_cli(capsys, "validate", path)
    assert_user_error(code, out, err, str(path), "empty")


def test_validate_directory(capsys, tmp_path):
    code, out, err = run_cli(capsys, "validate", tmp_path)
    assert_user_error(code, out, err, str(tmp_path), "folder")


def test_validate_missing_file(capsys, tmp_path):
    code, out, err = run_cli(capsys, "validate", tmp_path / "nope.toml")
    assert_user_error(code, out, err, "nope.toml", "does not exist")


def test_validate_not_utf8(capsys, tmp_path):
    path = tmp_path / "gbk.toml"
    path.write_bytes('[meta]\nname = "合川"\n'.encode("gbk"))
    code, out, err = run_cli(capsys, "validate", path)
    assert_user_error(code, out, err, str(path), "UTF-8")


def test_validate_subprocess_no_traceback(tmp_path):
    path = broken_copy(tmp_path, ("levers.fiscal_suport", "name", '"x"'))
    proc = subprocess.run([sys.executable, "-m", "sim", "validate", str(path)], capture_output=True,
                          text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert "Traceback" not in proc.stderr
    assert str(path) in proc.stderr and "levers.fiscal_suport" in proc.stderr


# ---- options and other commands ----------------------------------------------------------------------

def test_bad_option_value_is_exit_2(capsys):
    code, out, err = run_cli(capsys, "run", BASELINE, "--runs", "0")
    assert code == 2 and "--runs" in err and "Traceback" not in err


def test_no_command_is_exit_2(capsys):
    code, out, err = run_cli(capsys)
    assert code == 2


def test_help_is_exit_0(capsys):
    code, out, err = run_cli(capsys, "--help")
    assert code == 0 and "validate" in out


def test_run_and_compare_arguments_parse():
    args = build_parser().parse_args(["run", "s.toml", "--runs", "100", "--seed", "7", "--workers", "4",
                                      "--out", "out", "--chunk-size", "16", "--precision", "0.01",
                                      "--engine", "mesa", "--quiet"])
    assert (args.scenario, args.runs, args.seed, args.workers, args.out, args.chunk_size, args.precision,
            args.engine, args.quiet) == ("s.toml", 100, 7, 4, "out", 16, 0.01, "mesa", True)
    args = build_parser().parse_args(["compare", "a.toml", "b.toml", "--runs", "10", "--seed", "1",
                                      "--workers", "2", "--out", "d"])
    assert (args.a, args.b, args.runs, args.seed, args.workers, args.out) == ("a.toml", "b.toml", 10, 1, 2, "d")


def test_schema_is_json_with_levers_and_goals(capsys):
    code, out, err = run_cli(capsys, "schema")
    assert code == 0, err
    schema = json.loads(out)
    assert schema["$schema"].startswith("https://json-schema.org/")
    assert schema["title"]
    assert "levers" in schema["properties"] and "goals" in schema["properties"]
    # a complete scenario requires its sections; a variant (with extends) requires none
    assert "initial" in schema["$defs"]["CompleteScenario"]["required"] and "required" not in schema
    assert schema["if"] == {"not": {"required": ["extends"]}}


def test_schema_to_file(capsys, tmp_path):
    target = tmp_path / "schema.json"
    code, out, err = run_cli(capsys, "schema", "--output", target)
    assert code == 0 and out == ""
    assert "levers" in json.loads(target.read_text(encoding="utf-8"))["properties"]


def test_schema_to_unwritable_place_is_user_error(capsys, tmp_path):
    code, out, err = run_cli(capsys, "schema", "--output", tmp_path / "no" / "such" / "dir" / "s.json")
    assert_user_error(code, out, err, "cannot write")


def test_cli_import_is_light():
    code = ("import sys, sim.cli; heavy = [m for m in ('pydantic', 'numpy', 'matplotlib', 'mesa', 'pandas') "
            "if m in sys.modules]; print(heavy)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"


def test_scenario_package_does_not_import_plotting_or_mesa():
    code = ("import sys; from sim.scenario import load_scenario, Scenario; "
            "print([m for m in ('matplotlib', 'mesa') if m in sys.modules])")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"
