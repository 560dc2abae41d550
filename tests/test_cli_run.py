"""``innovsim run`` and ``innovsim compare`` end to end, through ``sim.cli.main``.

One run of the baseline (48 replicates, seed 1) into a results folder is shared by the layout
tests; resume, re-seeding and --precision work on copies or new folders. Only the shared run
draws the fan charts (the slow part); the other runs skip them (fixture ``no_charts``).
"""

from __future__ import annotations

import json
import math
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

from sim.indicators import INDICATORS

from conftest import BASELINE, run_cli

RUNS, SEED = 48, 1
BASE_YEAR = 2025                     # the baseline's base year: the latest observed year
YEARS = [str(y) for y in range(BASE_YEAR + 1, 2036)]
N_YEARS = 2035 - BASE_YEAR + 1        # the base year's row (the start state) and every simulated year
Z = 1.959963984540054


def run_command(out_dir, seed=SEED, *extra):
    return ["run", BASELINE, "--runs", RUNS, "--seed", seed, "--out", out_dir, "--quiet", *extra]


@pytest.fixture(scope="module")
def goal_ids(baseline_scenario) -> list[str]:
    return list(baseline_scenario.goals)


@pytest.fixture(scope="module")
def first_run(tmp_path_factory):
    """The baseline, 48 runs, seed 1, into a fresh folder (with the fan charts)."""
    out_dir = tmp_path_factory.mktemp("run") / "results"
    code, out, err = run_cli(*run_command(out_dir))
    summary_bytes = (out_dir / "summary.json").read_bytes()
    return {"dir": out_dir, "code": code, "out": out, "err": err, "summary_bytes": summary_bytes,
            "summary": json.loads(summary_bytes)}


def wilson(k: int, n: int, z: float = Z) -> tuple[float, float]:
    """The 95% Wilson score interval, written out here independently of sim.goals."""
    center = (k + z * z / 2) / (n + z * z)
    half = z / (n + z * z) * math.sqrt(k * (n - k) / n + z * z / 4)
    return max(0.0, center - half), min(1.0, center + half)


def assert_user_error(code, err, *needles):
    assert code == 2
    assert "Traceback" not in err
    assert err.strip(), "a message on stderr"
    assert "\n\n" not in err.strip(), f"one paragraph, got:\n{err}"
    for needle in needles:
        assert needle in err, f"{needle!r} not in:\n{err}"


# ---- the first run ---------------------------------------------------------------------------------

def test_run_exits_0_and_prints_every_goal(first_run, goal_ids):
    assert first_run["code"] == 0, first_run["err"]
    assert "Traceback" not in first_run["err"]
    for gid in goal_ids:
        assert gid in first_run["out"], gid
    assert f"{RUNS} runs, seed {SEED}" in first_run["out"]
    assert "Joint odds" in first_run["out"]


def test_summary_layout(first_run, goal_ids, baseline_scenario):
    s = first_run["summary"]
    assert {"scenario", "runs", "seed", "goals", "joint_2026"} <= set(s)
    assert s["scenario"] == "baseline" and s["runs"] == RUNS and s["seed"] == SEED
    assert list(s["goals"]) == goal_ids
    for gid, g in s["goals"].items():
        assert {"year", "probability", "ci_low", "ci_high", "reached_by_year"} <= set(g), gid
        assert g["year"] == baseline_scenario.goals[gid].year
        assert list(g["reached_by_year"]) == YEARS, gid
        for key in ("probability", "ci_low", "ci_high"):
            assert isinstance(g[key], float) and 0.0 <= g[key] <= 1.0, (gid, key)
    assert {"probability", "ci_low", "ci_high"} <= set(s["joint_2026"])


def _proportions(summary) -> dict:
    props = dict(summary["goals"])
    props.update({k: v for k, v in summary.items() if k.startswith("joint_")})
    assert "joint_2026" in props
    return props


def test_probability_within_its_interval(first_run):
    for key, g in _proportions(first_run["summary"]).items():
        assert g["ci_low"] <= g["probability"] <= g["ci_high"], key
        assert g["ci_low"] < g["ci_high"], key


def test_interval_is_the_wilson_interval(first_run):
    n = first_run["summary"]["runs"]
    for key, g in _proportions(first_run["summary"]).items():
        k = round(g["probability"] * n)
        assert abs(k - g["probability"] * n) < 1e-3, f"{key}: probability is not k/{n}"
        low, high = wilson(k, n)
        assert g["ci_low"] == pytest.approx(low, abs=1e-5), key
        assert g["ci_high"] == pytest.approx(high, abs=1e-5), key


def test_reached_by_year_non_decreasing(first_run):
    for gid, g in first_run["summary"]["goals"].items():
        shares = [g["reached_by_year"][y] for y in YEARS]
        assert all(0.0 <= x <= 1.0 for x in shares), gid
        assert all(a <= b for a, b in zip(shares, shares[1:])), (gid, shares)
        # holding in the goal year means it has been reached by then
        assert g["reached_by_year"][str(g["year"])] >= g["probability"] - 1e-9, gid


def test_indicators_table_reads_back(first_run):
    table = pd.read_parquet(first_run["dir"] / "indicators.parquet")
    assert len(table) == RUNS * N_YEARS
    assert {"replicate", "year", *INDICATORS} <= set(table.columns)
    assert sorted(table["replicate"].unique()) == list(range(RUNS))
    assert sorted(table["year"].unique()) == list(range(BASE_YEAR, 2036))
    assert not table.duplicated(["replicate", "year"]).any()
    assert table.groupby("replicate").size().eq(N_YEARS).all()


def test_goals_csv_is_the_summary_one_row_per_goal(first_run, goal_ids):
    # read as a table reader would: pandas' default CSV dialect, no options
    table = pd.read_csv(first_run["dir"] / "goals.csv")
    s = first_run["summary"]
    joints = sorted(k for k in s if k.startswith("joint_"))
    assert table["goal"].tolist() == goal_ids + joints
    assert table["kind"].tolist() == ["goal"] * len(goal_ids) + ["joint"] * len(joints)
    assert (table["scenario"] == "baseline").all() and (table["seed"] == SEED).all()
    assert (table["runs"] == RUNS).all() and (table["engine"] == "core").all()
    for row in table.itertuples():
        g = s["goals"][row.goal] if row.kind == "goal" else s[row.goal]
        for key in ("probability", "ci_low", "ci_high", "se", "successes"):
            assert getattr(row, key) == g[key], (row.goal, key)       # the same rounded numbers
        if row.kind == "goal":
            assert (row.name, row.name_zh, row.year, row.target) == (g["name"], g["name_zh"], g["year"], g["target"])
            assert row.indicator.split(";")[0] == g["indicator"] and row.unit == INDICATORS[g["indicator"]][0]
            assert row.median == pytest.approx(g["median"]) and row.p10 <= row.median <= row.p90
        else:
            assert math.isnan(row.median), "a joint row has no indicator"
    multi = [gid for gid, g in s["goals"].items() if "conditions" in g]
    for gid in multi:            # a goal of several conditions lists every indicator
        names = table.set_index("goal").loc[gid, "indicator"].split(";")
        assert names == [c["indicator"] for c in s["goals"][gid]["conditions"]]


def test_fan_chart_per_goal(first_run, goal_ids):
    for gid in goal_ids:
        png = first_run["dir"] / f"fan_{gid}.png"
        assert png.is_file(), png
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", png
    assert first_run["dir"].joinpath("report.txt").is_file()
    assert "Results in" in first_run["err"]


# ---- resume ------------------------------------------------------------------------------------------

@pytest.fixture
def copy_of_first_run(first_run, tmp_path) -> Path:
    out_dir = tmp_path / "results"
    shutil.copytree(first_run["dir"], out_dir)
    return out_dir


def test_finished_run_keeps_no_checkpoints(first_run):
    assert (first_run["dir"] / "indicators.parquet").is_file()
    assert not (first_run["dir"] / "checkpoints").exists(), "the Parquet table replaces the checkpoints"


def test_resume_after_an_interruption(first_run, tmp_path, no_charts, baseline_scenario):
    """Blocks checkpointed by an interrupted run are reused; the result equals an uninterrupted run."""
    from sim.runner import run_scenario

    out_dir = tmp_path / "results"
    run_scenario(baseline_scenario, runs=RUNS, seed=SEED, out=out_dir)   # stopped before the outputs
    blocks = sorted((out_dir / "checkpoints").glob("block-*.npz"))
    assert len(blocks) == 2   # 48 runs in blocks of 32 (the scenario's chunk size)
    blocks[-1].unlink()       # this block was still in flight when the run was killed
    code, out, err = run_cli(*run_command(out_dir))
    assert code == 0, err
    assert re.search(r"\b1 finished blocks? reused", err), err
    assert (out_dir / "summary.json").read_bytes() == first_run["summary_bytes"]
    assert out == first_run["out"]


def test_sigkill_then_rerun_equals_a_clean_run(tmp_path):
    """A run killed with SIGKILL mid-way and started again ends with the clean run's summary."""
    import signal
    import subprocess
    import sys
    import time

    cmd = [sys.executable, "-m", "sim", "run", BASELINE, "--runs", "256", "--seed", "5", "--chunk-size", "8",
           "--workers", "1", "--quiet"]
    clean, killed = tmp_path / "clean", tmp_path / "killed"
    assert subprocess.run(cmd + ["--out", str(clean)], capture_output=True).returncode == 0
    proc = subprocess.Popen(cmd + ["--out", str(killed)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 60
    while time.time() < deadline and len(list((killed / "checkpoints").glob("block-*.npz"))) < 5:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    saved = len(list((killed / "checkpoints").glob("block-*.npz")))
    assert 5 <= saved < 32, f"the kill should land mid-run ({saved} of 32 blocks saved)"
    again = subprocess.run(cmd + ["--out", str(killed)], capture_output=True, text=True)
    assert again.returncode == 0, again.stderr
    assert "finished blocks reused" in again.stderr
    assert (killed / "summary.json").read_bytes() == (clean / "summary.json").read_bytes()


def test_rerun_with_another_seed_into_the_same_folder(first_run, copy_of_first_run, no_charts, baseline_scenario):
    from sim.report import summary_json
    from sim.runner import run_scenario

    code, out, err = run_cli(*run_command(copy_of_first_run, 2))
    assert code == 0, err
    assert "reused" not in err, "blocks of seed 1 must not be reused for seed 2"
    summary = json.loads((copy_of_first_run / "summary.json").read_text(encoding="utf-8"))
    assert summary["seed"] == 2 and summary["runs"] == RUNS
    assert f"{RUNS} runs, seed 2" in out
    from sim.record import goal_record
    from sim.report import hangs_on
    expected = summary_json(run_scenario(baseline_scenario, runs=RUNS, seed=2).odds,
                            record=goal_record(baseline_scenario), hangs_on=hangs_on(baseline_scenario.goals))
    assert (copy_of_first_run / "summary.json").read_text(encoding="utf-8") == expected
    table = pd.read_parquet(copy_of_first_run / "indicators.parquet")
    assert len(table) == RUNS * N_YEARS, "no rows left over from seed 1"


# ---- --precision -------------------------------------------------------------------------------------

def test_precision_adds_runs_until_half_width_is_met(tmp_path, no_charts):
    code, out, err = run_cli("run", BASELINE, "--runs", "8", "--seed", "1", "--precision", "0.2",
                             "--out", tmp_path / "p", "--quiet")
    assert code == 0, err
    assert "note: stopped" not in err
    summary = json.loads((tmp_path / "p" / "summary.json").read_text(encoding="utf-8"))
    assert summary["runs"] > 8, "8 runs cannot give +-0.2 for every goal"
    half_widths = [(g["ci_high"] - g["ci_low"]) / 2 for g in _proportions(summary).values()]
    assert max(half_widths) <= 0.2 + 1e-6
    assert f"{summary['runs']} runs" in out
    table = pd.read_parquet(tmp_path / "p" / "indicators.parquet")
    assert len(table) == summary["runs"] * N_YEARS


# ---- compare -----------------------------------------------------------------------------------------

def test_compare_same_scenario_gives_zero_differences(tmp_path, goal_ids):
    code, out, err = run_cli("compare", BASELINE, BASELINE, "--runs", "32", "--out", tmp_path)
    assert code == 0, err
    rows = {line.split()[0]: line for line in out.splitlines() if line.split()
            and (line.split()[0] in goal_ids or line.split()[0].startswith("joint_"))}
    assert set(goal_ids) <= set(rows)
    assert "joint_2026" in rows
    for line in rows.values():
        assert line.rstrip().endswith("+0.0 pp (+0.0 to +0.0)"), line
    doc = json.loads((tmp_path / "compare.json").read_text(encoding="utf-8"))
    assert doc["paired"] is True and doc["runs"] == 32
    diffs = [d for d in doc["goals"].values()] + [v for k, v in doc.items() if k.startswith("joint_")]
    for d in diffs:
        assert d["difference"] == 0 and d["ci_low"] == 0 and d["ci_high"] == 0 and d["se"] == 0, d
        assert d["a"] == d["b"]


# ---- user errors -------------------------------------------------------------------------------------

# ---- the Mesa engine ---------------------------------------------------------------------------------

def test_engine_mesa_writes_the_same_files_as_the_core(first_run, tmp_path, baseline_scenario):
    """``--engine mesa`` goes through the same runner: the same files, the same summary layout and
    table columns, the engine named in summary.json; results independent of the worker count."""
    out_dir = tmp_path / "mesa"
    code, out, err = run_cli("run", BASELINE, "--runs", 3, "--seed", SEED, "--engine", "mesa", "--out", out_dir,
                             "--quiet", "--workers", 2)
    assert code == 0, err
    assert "Mesa agent model" in out
    assert sorted(p.name for p in out_dir.iterdir()) == sorted(p.name for p in first_run["dir"].iterdir())
    summary = json.loads((out_dir / "summary.json").read_text(encoding="utf-8"))
    assert summary["engine"] == "mesa" and first_run["summary"]["engine"] == "core"
    assert set(summary) == set(first_run["summary"]) and list(summary["goals"]) == list(first_run["summary"]["goals"])
    assert summary["runs"] == 3
    mesa_table = pd.read_parquet(out_dir / "indicators.parquet")
    core_table = pd.read_parquet(first_run["dir"] / "indicators.parquet")
    assert list(mesa_table.columns) == list(core_table.columns)
    assert sorted(mesa_table["replicate"].unique()) == [0, 1, 2]

    again = tmp_path / "mesa1"
    code, _, err = run_cli("run", BASELINE, "--runs", 3, "--seed", SEED, "--engine", "mesa", "--out", again,
                           "--quiet", "--workers", 1)
    assert code == 0, err
    assert (again / "summary.json").read_bytes() == (out_dir / "summary.json").read_bytes()


@pytest.mark.parametrize("command", ["run", "validate"])
def test_nonexistent_scenario_is_a_user_error(tmp_path, command):
    missing = tmp_path / "no_such_scenario.toml"
    code, out, err = run_cli(command, missing)
    assert_user_error(code, err, "no_such_scenario.toml", "does not exist")


def test_nonexistent_scenario_in_compare_is_a_user_error(tmp_path):
    code, out, err = run_cli("compare", BASELINE, tmp_path / "missing.toml", "--runs", "4")
    assert_user_error(code, err, "missing.toml")


@pytest.mark.parametrize("make_out", [
    lambda tmp: tmp / "a_file",                       # an existing file, not a folder
    lambda tmp: Path("/proc/no_such_dir/results"),    # a place nobody can create a folder
])
def test_unusable_out_folder_is_a_user_error(tmp_path, make_out):
    (tmp_path / "a_file").write_text("x")
    out = make_out(tmp_path)
    code, _, err = run_cli("run", BASELINE, "--runs", "4", "--out", out, "--quiet")
    assert code == 2, err
    assert "Traceback" not in err and "--out" in err and str(out) in err
    assert len(err.strip().splitlines()) == 1
