"""Input safety: every fault an input file can carry gives exit code 2 and one paragraph naming the
file, the field, the value and what is allowed, before anything is allocated or simulated.

Each test injects one fault into a copy of a shipped file (or writes a small file) and runs the
command line in this process. The bounds are those of ``sim/limits.py`` (docs/LIMITS.md): run
sizes, sweep designs, ``extends`` chains, TOML nesting and file sizes; referenced files must be
of their kind (.toml, .csv) and regular files; goal ids are safe file-name parts; and
``innovsim validate`` reads everything a run reads, the posterior file included.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import BASELINE, ROOT, broken_copy, edit_toml, run_cli
from sim.errors import format_value
from sim.limits import (MAX_CSV_BYTES, MAX_EXTENDS_DEPTH, MAX_RUNS, MAX_SWEEP_POINTS, MAX_TOML_BYTES,
                        MAX_TOML_DEPTH)

TARGETS = ROOT / "calibration" / "targets.toml"
SHIPPED_POSTERIOR = (ROOT / "calibration" / "posterior" / "posterior.csv").resolve()
SECRET = "root:x:0:0:root:/root:/bin/bash"      # the first line of a file that is no scenario
#: a posterior path relative to the scenario file, which misses in a copy elsewhere (the shipped
#: scenarios write "shipped:...", which does not: tests/test_shipped_posterior.py)
RELATIVE = '"../calibration/posterior/posterior.csv"'


def relative_copy() -> str:
    """The baseline's text with its posterior named by the RELATIVE path."""
    return edit_toml(BASELINE.read_text(encoding="utf-8"), "posterior", "file", RELATIVE)

SWEEP = f"""
[sweep]
name = "faults"
base = "{BASELINE.as_posix()}"
replicates = 8
seed = 3

[design]
kind = "lhs"
points = 4

[[factors]]
path = "levers.fiscal_support.annual_budget_cny"
low = 0
high = 240_000_000

[[factors]]
path = "levers.tech_recruitment.annual_budget_cny"
low = 0
high = 120_000_000

[[factors]]
path = "levers.talent_plan.annual_budget_cny"
low = 0
high = 90_000_000
"""


def assert_user_error(code: int, err: str, *needles: str) -> None:
    """Exit code 2, one paragraph, no traceback, and every needle in the message."""
    assert code == 2, err
    assert "Traceback" not in err and "\n\n" not in err.strip(), err
    for needle in needles:
        assert needle in err, f"{needle!r} not in:\n{err}"


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def sparse(path: Path, size: int) -> Path:
    """A file of ``size`` bytes that takes no disk space."""
    with open(path, "wb") as fh:
        fh.truncate(size)
    return path


def sweep_file(tmp_path: Path, old: str = "", new: str = "") -> Path:
    assert old in SWEEP
    return write(tmp_path / "sweep.toml", SWEEP.replace(old, new, 1))


def calibration_file(tmp_path: Path, *edits: tuple[str, str]) -> Path:
    """The shipped calibration file with absolute paths and ``(old, new)`` edits."""
    text = TARGETS.read_text(encoding="utf-8")
    text = text.replace('scenario = "../scenarios/baseline.toml"', f'scenario = "{BASELINE.as_posix()}"')
    text = text.replace('observations = "data/observed.csv"',
                        f'observations = "{(TARGETS.parent / "data" / "observed.csv").as_posix()}"')
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new, 1)
    return write(tmp_path / "targets.toml", text)


# ---- 1. bounds, checked before anything is allocated ----------------------------------------------

def test_replicates_above_the_run_limit(tmp_path):
    path = broken_copy(tmp_path, ("run", "replicates", str(MAX_RUNS + 1)))
    code, out, err = run_cli("validate", path)
    assert_user_error(code, err, str(path), "field 'run.replicates'", str(MAX_RUNS + 1), f"<= {MAX_RUNS}")


def test_sweep_replicates_above_the_run_limit(tmp_path):
    path = sweep_file(tmp_path, "replicates = 8", f"replicates = {MAX_RUNS * 5}")
    code, _, err = run_cli("sweep", path, "--out", tmp_path / "out")
    assert_user_error(code, err, str(path), "field 'sweep.replicates'", str(MAX_RUNS * 5), f"<= {MAX_RUNS}")
    assert not (tmp_path / "out").exists()


def test_grid_of_a_billion_points_is_refused_before_the_design_is_built(tmp_path, monkeypatch):
    import sim.sweep.design

    def never(*args, **kwargs):
        raise AssertionError("the design must not be built")

    monkeypatch.setattr(sim.sweep.design, "build_design", never)
    text = SWEEP.replace('kind = "lhs"\npoints = 4', 'kind = "grid"')
    text = text.replace("high = 240_000_000", "high = 240_000_000\nlevels = 1000")
    text = text.replace("high = 120_000_000", "high = 120_000_000\nlevels = 1000")
    text = text.replace("high = 90_000_000", "high = 90_000_000\nlevels = 1000")
    path = write(tmp_path / "grid.toml", text)
    code, _, err = run_cli("sweep", path, "--out", tmp_path / "out")
    assert_user_error(code, err, str(path), "field 'factors[0].levels'", "1000 x 1000 x 1000 = 1,000,000,000",
                      f"at most {MAX_SWEEP_POINTS:,}")
    assert not (tmp_path / "out").exists()


def test_a_hand_built_oversized_grid_is_refused_by_build_design():
    from sim.errors import UserError
    from sim.sweep.design import build_design
    from sim.sweep.spec import Design, Factor, Sweep, SweepFile, SweepMeta

    spec = SweepFile(sweep=SweepMeta(name="big", base="unused.toml", replicates=1, seed=0),
                     design=Design(kind="grid", levels=1000),
                     factors=[Factor(path=f"x{i}", low=0, high=1) for i in range(3)])
    sweep = Sweep(spec=spec, path=Path("big.toml"), base=None, baseline={}, n_points=10 ** 9)
    with pytest.raises(UserError, match="1,000,000,000 points"):
        build_design(sweep)


def test_design_points_above_the_limit(tmp_path):
    path = sweep_file(tmp_path, "points = 4", f"points = {MAX_SWEEP_POINTS * 2}")
    code, _, err = run_cli("sweep", path, "--out", tmp_path / "out")
    assert_user_error(code, err, str(path), "field 'design.points'", str(MAX_SWEEP_POINTS * 2),
                      f"<= {MAX_SWEEP_POINTS}")


def test_an_extends_chain_of_1200_files_is_a_clear_error(tmp_path):
    write(tmp_path / "c1200.toml", '[meta]\nname = "root"\n')
    for i in range(1200):
        write(tmp_path / f"c{i}.toml", f'extends = "c{i + 1}.toml"\n')
    code, _, err = run_cli("validate", tmp_path / "c0.toml")
    assert_user_error(code, err, str(tmp_path / "c0.toml"), f"c{MAX_EXTENDS_DEPTH}.toml", "field 'extends'",
                      f"'c{MAX_EXTENDS_DEPTH + 1}.toml'", f"at most {MAX_EXTENDS_DEPTH} links")
    assert "RecursionError" not in err


def test_an_extends_chain_at_the_limit_loads(tmp_path):
    write(tmp_path / f"c{MAX_EXTENDS_DEPTH}.toml", BASELINE.read_text(encoding="utf-8").replace(
        '"../calibration/posterior/posterior.csv"', f'"{SHIPPED_POSTERIOR.as_posix()}"'))
    for i in range(MAX_EXTENDS_DEPTH):
        write(tmp_path / f"c{i}.toml", f'extends = "c{i + 1}.toml"\n')
    code, out, err = run_cli("validate", tmp_path / "c0.toml")
    assert code == 0, err


@pytest.mark.parametrize("form", ["tables", "inline tables", "arrays"])
def test_toml_nested_5000_deep_is_a_clear_error(tmp_path, form):
    text = {"tables": "[" + ".".join(["a"] * 5000) + "]\nb = 1\n",
            "inline tables": "x = " + "{ a = " * 5000 + "1" + " }" * 5000 + "\n",
            "arrays": "x = " + "[" * 5000 + "]" * 5000 + "\n"}[form]
    path = write(tmp_path / "deep.toml", text)
    code, _, err = run_cli("validate", path)
    assert_user_error(code, err, str(path), f"nested more than {MAX_TOML_DEPTH} deep",
                      f"at most {MAX_TOML_DEPTH} are allowed")
    assert "RecursionError" not in err and "maximum recursion" not in err


def test_deep_nesting_in_sweep_and_calibration_files(tmp_path):
    deep = "\nx = " + "[" * 5000 + "]" * 5000 + "\n"
    sweep = write(tmp_path / "sweep.toml", deep + SWEEP)
    code, _, err = run_cli("sweep", sweep, "--out", tmp_path / "out")
    assert_user_error(code, err, f"In sweep file '{sweep}'", "nested more than")
    targets = calibration_file(tmp_path, ("[calibration]", deep + "[calibration]"))
    code, _, err = run_cli("calibrate", targets, "--out", tmp_path / "out")
    assert_user_error(code, err, f"In calibration file '{targets}'", "nested more than")
    assert not (tmp_path / "out").exists()


def test_brackets_in_strings_and_comments_do_not_count_as_nesting():
    from sim.scenario.inputs import parse_toml

    deep = "[" * 100
    data = parse_toml(f'a = "{deep}"\nb = \'{deep}\'\n# {deep}\nc = """\n{deep}\n"""\n', ValueError)
    assert data["a"] == deep and data["b"] == deep


def test_scenario_file_above_the_size_limit(tmp_path):
    path = tmp_path / "big.toml"
    path.write_text("# " + "x" * MAX_TOML_BYTES + '\n[meta]\nname = "big"\n', encoding="utf-8")
    code, _, err = run_cli("validate", path)
    assert_user_error(code, err, str(path), "more than the 8 MiB a scenario file may have")


def test_sweep_file_above_the_size_limit(tmp_path):
    path = sparse(tmp_path / "sweep.toml", MAX_TOML_BYTES + 1)
    code, _, err = run_cli("sweep", path, "--out", tmp_path / "out")
    assert_user_error(code, err, f"In sweep file '{path}'", "8 MiB a sweep file may have")


def test_observation_file_above_the_size_limit(tmp_path):
    observed = sparse(tmp_path / "observed.csv", MAX_CSV_BYTES + 1)
    targets = calibration_file(tmp_path)
    text = re.sub(r'^observations = ".*"', f'observations = "{observed.as_posix()}"',
                  targets.read_text(encoding="utf-8"), count=1, flags=re.M)
    write(targets, text)
    code, _, err = run_cli("calibrate", targets, "--out", tmp_path / "out")
    assert_user_error(code, err, str(observed), "64 MiB an observation file may have")
    assert not (tmp_path / "out").exists()


def test_posterior_file_above_the_size_limit(tmp_path):
    sparse(tmp_path / "huge.csv", MAX_CSV_BYTES + 1)
    path = broken_copy(tmp_path, ("posterior", "file", '"huge.csv"'))
    code, _, err = run_cli("validate", path)
    assert_user_error(code, err, str(path), "field 'posterior.file'", str(tmp_path / "huge.csv"),
                      "64 MiB a posterior file may have")


def test_posterior_dev_zero_is_refused_when_the_scenario_is_read(tmp_path):
    from sim.errors import ScenarioError
    from sim.scenario import load_scenario

    path = broken_copy(tmp_path, ("posterior", "file", '"/dev/zero"'))
    code, out, err = run_cli("validate", path)
    assert_user_error(code, err, str(path), "field 'posterior.file'", "'/dev/zero'", "must name a .csv file")
    with pytest.raises(ScenarioError, match="posterior.file"):
        load_scenario(path)          # not only validate: every load


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_posterior_csv_that_is_a_device_or_a_pipe_is_refused(tmp_path):
    os.symlink("/dev/zero", tmp_path / "zero.csv")
    os.mkfifo(tmp_path / "pipe.csv")
    for name in ("zero.csv", "pipe.csv"):
        target = (tmp_path / name).as_posix()
        path = broken_copy(tmp_path, ("posterior", "file", f'"{target}"'), name=f"with-{name}.toml")
        code, _, err = run_cli("validate", path)
        assert_user_error(code, err, str(path), "field 'posterior.file'", target, "not a regular file",
                          "posterior.enabled = false")


def test_reading_a_device_posterior_in_python_is_refused():
    from sim.scenario.posterior import PosteriorError, content_hash, read_posterior

    with pytest.raises(PosteriorError, match="not a regular file"):
        read_posterior("/dev/zero")
    assert content_hash("/dev/zero") == "missing"


# ---- 2. no file but the user's files is ever quoted -----------------------------------------------

@pytest.fixture
def secret(tmp_path) -> Path:
    """A file that is no scenario, whose first line an error must never quote."""
    return write(tmp_path / "passwd", SECRET + "\n")


def test_extends_must_name_a_toml_file(tmp_path, secret):
    child = write(tmp_path / "child.toml", f'extends = "{secret.as_posix()}"\n[meta]\nname = "c"\n')
    code, _, err = run_cli("validate", child)
    # the value as messages quote it: shortened past 80 characters (a long temporary folder, e.g.
    # a pytest-xdist worker's, makes the path that long)
    assert_user_error(code, err, str(child), "field 'extends'", format_value(secret.as_posix()),
                      "must name a .toml file", "Allowed: the parent scenario's file name")
    assert SECRET not in err


def test_a_file_that_is_not_toml_is_never_quoted(tmp_path, secret):
    code, _, err = run_cli("validate", secret)
    assert_user_error(code, err, str(secret), "TOML syntax error at line 1")
    assert SECRET not in err and "root:" not in err


def test_sweep_base_must_name_a_toml_file(tmp_path, secret):
    path = sweep_file(tmp_path, BASELINE.as_posix(), secret.as_posix())
    code, _, err = run_cli("sweep", path, "--out", tmp_path / "out")
    assert_user_error(code, err, str(path), "field 'sweep.base'", format_value(secret.as_posix()),
                      "must name a .toml file")
    assert SECRET not in err and not (tmp_path / "out").exists()


def test_calibration_scenario_and_observations_must_be_of_their_kind(tmp_path, secret):
    targets = calibration_file(tmp_path, (f'scenario = "{BASELINE.as_posix()}"', f'scenario = "{secret.as_posix()}"'))
    text = re.sub(r'^observations = ".*"', 'observations = "/dev/zero"', targets.read_text(encoding="utf-8"),
                  count=1, flags=re.M)
    write(targets, text)
    code, _, err = run_cli("calibrate", targets, "--out", tmp_path / "out")
    assert_user_error(code, err, str(targets), "2 problems", "field 'calibration.scenario'",
                      "must name a .toml file", "field 'calibration.observations'", "'/dev/zero'",
                      "must name a .csv file")
    assert SECRET not in err and not (tmp_path / "out").exists()


# ---- 3. goal ids are safe parts of file names -----------------------------------------------------

@pytest.mark.parametrize("goal_id, shown", [('"hte/../../x"', 'goals."hte/../../x"'),
                                            ('"hte\\u0000x"', 'goals."hte\\u0000x"'),
                                            ("HTE_250", "goals.HTE_250"),
                                            ('"x' + "a" * 80 + '"', "goals.x" + "a" * 80)])
def test_unsafe_goal_id_is_a_clear_error(tmp_path, goal_id, shown):
    text = BASELINE.read_text(encoding="utf-8").replace("[goals.hte_250]", f"[goals.{goal_id}]")
    assert "[goals.hte_250]" not in text
    path = write(tmp_path / "goal.toml", text)
    code, _, err = run_cli("validate", path)
    assert_user_error(code, err, str(path), f"field '{shown}'", "is not allowed here",
                      "Allowed: goal ids of lower-case letters a-z, digits and '_', at most 64 characters")
    assert "\x00" not in err


def test_shipped_scenarios_have_safe_goal_ids_and_validate():
    paths = sorted((ROOT / "scenarios").glob("*.toml"))
    code, out, err = run_cli("validate", *paths)
    assert code == 0, err
    assert out.count("OK:") == len(paths)


# ---- 4. the forecast core reads posteriors without the calibration --------------------------------

def test_core_never_imports_the_calibration():
    for path in sorted((ROOT / "sim" / "core").glob("*.py")):
        imports = [ln for ln in path.read_text(encoding="utf-8").splitlines()
                   if re.match(r"\s*(from|import)\s", ln) and "calibration" in ln]
        assert not imports, f"{path.name}: {imports}"
    code = ("import sys; import numpy as np; from sim.scenario import load_scenario; "
            "from sim.core.params import sample_parameters, estimated_inputs; "
            "from sim.core.streams import PARAMETERS, ReplicateStreams; "
            "s = load_scenario('scenarios/baseline.toml'); "
            "sample_parameters(s, ReplicateStreams(1, np.arange(4), PARAMETERS)); estimated_inputs(s); "
            "print(sorted(m for m in sys.modules if m.startswith('sim.calibration')))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"


# ---- 5. "validate OK" means the run will start ----------------------------------------------------

def test_copied_baseline_with_a_broken_posterior_path_fails_validate(tmp_path):
    copy = tmp_path / "mine" / "baseline.toml"
    copy.parent.mkdir()
    copy.write_text(relative_copy(), encoding="utf-8")
    looked_for = (copy.parent / "../calibration/posterior/posterior.csv").resolve()
    code, out, err = run_cli("validate", copy)
    assert out == ""
    assert_user_error(code, err, f"In scenario file '{copy}'", "field 'posterior.file'", "does not exist",
                      str(looked_for), "relative to the folder of the scenario file",
                      "posterior.enabled = false")
    assert "calibrate" not in err, "the fix is the path, not a new calibration"


def test_broken_posterior_path_is_blamed_on_the_file_that_sets_it(tmp_path):
    (tmp_path / "sub").mkdir()
    parent = write(tmp_path / "baseline.toml", relative_copy())
    child = write(tmp_path / "sub" / "child.toml", 'extends = "../baseline.toml"\n[meta]\nname = "child"\n')
    code, _, err = run_cli("validate", child)
    assert_user_error(code, err, f"In scenario file '{parent}'", f"from '{child}'", "field 'posterior.file'",
                      "does not exist")


def test_copy_without_the_posterior_validates(tmp_path):
    path = broken_copy(tmp_path, ("posterior", "enabled", "false"))
    code, out, err = run_cli("validate", path)
    assert code == 0 and out.startswith("OK:"), err


@pytest.mark.parametrize("content, needles", [
    ("exit_rate\n0.05\n", ["no 'weight' column", "the columns are exit_rate"]),
    ("weight,exit_rte\n1,0.05\n", ["column 'exit_rte'", "did you mean 'exit_rate'"]),
    ("weight,exit_rate\n1,7\n", ["line 2, column 'exit_rate'", "7"]),
    ("", ["not a readable CSV table"]),
])
def test_validate_reads_the_posterior_in_full(tmp_path, content, needles):
    write(tmp_path / "p.csv", content)
    path = broken_copy(tmp_path, ("posterior", "file", '"p.csv"'))
    code, _, err = run_cli("validate", path)
    assert_user_error(code, err, str(path), "field 'posterior.file'", str(tmp_path / "p.csv"), *needles)


def test_sweep_on_a_base_with_a_broken_posterior_path(tmp_path):
    (tmp_path / "mine").mkdir()
    base = write(tmp_path / "mine" / "baseline.toml", relative_copy())
    path = sweep_file(tmp_path, BASELINE.as_posix(), base.as_posix())
    code, _, err = run_cli("sweep", path, "--out", tmp_path / "out")
    assert_user_error(code, err, f"In sweep file '{path}'", "field 'sweep.base'", "posterior.file",
                      "does not exist")
    assert not (tmp_path / "out").exists()
