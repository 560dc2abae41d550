"""Machine-readable output and logs a CI page can show: ``--json`` on ``validate``, ``run`` and
``compare``, ``compare --quiet``, ``validate`` on sweep and calibration files, and progress that
writes whole lines (never carriage returns) when stderr is not a terminal.

The runs are small (16 replicates, one worker process): the odds themselves are tested in
tests/test_cli_run.py; here only the shape of the output and its agreement with the files.
"""

from __future__ import annotations

import io
import json

import pytest

from sim.progress import LineProgress, progress_bar

from conftest import BASELINE, ROOT, broken_copy, run_cli

SWEEP = ROOT / "scenarios" / "sweeps" / "levers.toml"
CALIBRATION = ROOT / "calibration" / "targets.toml"
VARIANT = ROOT / "scenarios" / "fiscal_boost.toml"
SMALL = ["--runs", 16, "--seed", 3, "--workers", 1]


# ---- validate: every kind of file --------------------------------------------------------------

def test_validate_tells_sweep_and_calibration_files_apart():
    code, out, err = run_cli("validate", SWEEP, CALIBRATION, BASELINE)
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].startswith(f"OK: {SWEEP} (sweep file levers: 160 sobol points x 200 replicates, 3 factors")
    assert lines[1].startswith(f"OK: {CALIBRATION} (calibration file: ")
    assert lines[2].startswith(f"OK: {BASELINE} (baseline, ")
    assert "meta" not in out + err


def test_a_broken_sweep_is_reported_as_a_sweep(tmp_path):
    text = SWEEP.read_text(encoding="utf-8").replace("replicates = 200", "replicats = 200")
    text = text.replace('"../baseline.toml"', f'"{BASELINE.as_posix()}"')
    path = tmp_path / "levers.toml"
    path.write_text(text, encoding="utf-8")
    code, out, err = run_cli("validate", path)
    assert code == 2 and out == ""
    assert f"In sweep file '{path}'" in err
    assert "did you mean 'replicates'?" in err
    assert "meta" not in err, "not read as a scenario"


def test_validate_json_lists_each_file_with_its_kind(tmp_path):
    broken = broken_copy(tmp_path, ("budget", "annual_total_cny", '"lots"'))
    code, out, err = run_cli("validate", "--json", SWEEP, CALIBRATION, VARIANT, broken)
    assert code == 2
    doc = json.loads(out)                      # stdout is the JSON document and nothing else
    assert doc["ok"] is False
    files = doc["files"]
    assert [f["kind"] for f in files] == ["sweep", "calibration", "scenario", "scenario"]
    assert [f["ok"] for f in files] == [True, True, True, False]
    assert files[0]["points"] == 160 and files[0]["factors"] == 3 and files[0]["base"] == "baseline"
    assert files[1]["targets"] > 0 and files[1]["hindcast"][0] == 2017
    assert files[2]["name"] == "fiscal_boost" and files[2]["error"] is None
    fields = [i["field"] for i in files[3]["error"]["issues"]]
    assert "budget.annual_total_cny" in fields
    assert files[3]["error"]["message"] in err, "the problem is on stderr too"


def test_validate_quiet_prints_only_problems(tmp_path):
    code, out, err = run_cli("validate", "--quiet", BASELINE)
    assert (code, out, err) == (0, "", "")


# ---- run and compare --------------------------------------------------------------------------------

def test_run_json_is_the_summary_file(tmp_path):
    out_dir = tmp_path / "run"
    code, out, err = run_cli("run", BASELINE, *SMALL, "--out", out_dir, "--json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc == json.loads((out_dir / "summary.json").read_text(encoding="utf-8"))
    assert doc["runs"] == 16 and doc["seed"] == 3 and doc["goals"]
    assert "Results in" in err                 # the human lines went to stderr


def test_compare_json_and_quiet(tmp_path):
    out_dir = tmp_path / "cmp"
    code, out, err = run_cli("compare", BASELINE, VARIANT, *SMALL, "--out", out_dir, "--json", "--quiet")
    assert code == 0, err
    assert err == "", "--quiet: no progress"
    doc = json.loads(out)
    assert doc == json.loads((out_dir / "compare.json").read_text(encoding="utf-8"))
    assert doc["a"] == "baseline" and doc["b"] == "fiscal_boost" and doc["paired"] is True
    assert doc["goals"] and all({"a", "b", "difference", "ci_low", "ci_high"} <= set(g) for g in doc["goals"].values())


def test_compare_quiet_without_json_prints_the_table_only():
    code, out, err = run_cli("compare", BASELINE, BASELINE, *SMALL, "--quiet")
    assert code == 0 and err == ""
    assert "B − A" in out


def test_progress_in_a_log_has_no_carriage_returns():
    # run_cli's stderr is a StringIO, not a terminal: the progress comes as whole lines
    code, _, err = run_cli("run", BASELINE, *SMALL, "--chunk-size", 4)
    assert code == 0, err
    assert "\r" not in err
    lines = [ln for ln in err.splitlines() if ln.startswith("baseline: ")]
    assert [ln.split()[1] for ln in lines] == ["25%", "50%", "75%", "100%"]   # 16 runs in blocks of 4


# ---- the progress writer itself -------------------------------------------------------------------

def test_line_progress_writes_a_line_per_ten_percent():
    stream = io.StringIO()
    bar = progress_bar("sweep", "point", stream)
    assert isinstance(bar, LineProgress)       # a StringIO is no terminal
    bar.total = 50
    for _ in range(50):
        bar.update(1)
    bar.close()
    lines = stream.getvalue().splitlines()
    assert [ln.split()[1] for ln in lines] == [f"{p}%" for p in range(10, 101, 10)]
    assert lines[-1].startswith("sweep: 100% (50/50 points, ")


def test_line_progress_follows_a_growing_total_and_says_where_it_stopped():
    stream = io.StringIO()
    bar = LineProgress("run", "run", stream, step=50)
    bar.total = 10
    bar.update(10)                             # 100%
    bar.total = 20                             # --precision doubled the runs
    bar.update(7)                              # 85%: past the 50% step again
    bar.close()                                # stopped at 17 of 20
    assert [ln.split()[1] for ln in stream.getvalue().splitlines()] == ["100%", "85%"]


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_terminal_gets_a_tqdm_bar():
    tqdm = pytest.importorskip("tqdm")
    bar = progress_bar("run", "run", _Terminal())
    try:
        assert isinstance(bar, tqdm.tqdm)
    finally:
        bar.close()


def test_readme_documents_the_json_shapes():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    for needle in ("--json", "validate --json", "compare --quiet"):
        assert needle in text, needle
