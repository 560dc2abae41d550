"""Lever sweeps (``innovsim sweep``): clear errors for bad sweep files, nothing lost when killed,
the same numbers on any executor, failed points recorded, common random numbers across points.

A small Latin-hypercube sweep (12 points x 16 replicates, about 5 s on one core) is run once
cleanly in-process; the kill-and-resume and Dask runs are compared with it table by table.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from sim.sweep.store import read_sweep

from conftest import BASELINE, run_cli

ROOT = Path(__file__).resolve().parents[1]

SMALL = f"""
[sweep]
name = "small"
base = "{BASELINE.as_posix()}"
replicates = 16
seed = 3

[design]
kind = "lhs"
points = 12
seed = 5

[[factors]]
path = "levers.fiscal_support.annual_budget_cny"
low = 0
high = 240_000_000

[[factors]]
path = "levers.tech_recruitment.annual_budget_cny"
low = 0
high = 120_000_000
"""


def write(tmp_path: Path, text: str, name: str = "sweep.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def tables(folder: Path) -> dict[str, pd.DataFrame]:
    """What a sweep computed (not how long it took)."""
    d = read_sweep(folder)
    return {"design": d.design, "results": d.results.drop(columns=["seconds"]), "goals": d.goals,
            "indicators": d.indicators}


def assert_same(a: dict, b: dict) -> None:
    for name in a:
        pd.testing.assert_frame_equal(a[name].reset_index(drop=True), b[name].reset_index(drop=True), obj=name)


@pytest.fixture(scope="module")
def clean(tmp_path_factory):
    """The small sweep run once, uninterrupted, in this process (one worker)."""
    folder = tmp_path_factory.mktemp("clean")
    spec = write(folder, SMALL)
    code, out, err = run_cli("sweep", spec, "--out", folder / "out", "--workers", 1, "--quiet")
    assert code == 0, err
    return {"spec": spec, "out": folder / "out", "stdout": out}


def test_clean_sweep_records_every_point(clean):
    d = read_sweep(clean["out"])
    assert len(d.design) == 12 and (d.results["status"] == "ok").all() and len(d.results) == 12
    assert set(d.goals["goal"]) >= {"hte_250", "tech_based_1500", "rd_above_city", "joint_2026"}
    assert (d.goals["attained"] <= 16).all()
    assert "12 points: 0 already done, 12 run now" in clean["stdout"]


def test_rerun_of_a_finished_sweep_runs_nothing(clean, tmp_path):
    code, out, err = run_cli("sweep", clean["spec"], "--out", clean["out"], "--workers", 1, "--quiet")
    assert code == 0, err
    assert "12 already done, 0 run now" in out


def test_sigkill_then_resume_equals_a_clean_sweep(clean, tmp_path):
    out_dir = tmp_path / "killed"
    cmd = [sys.executable, "-m", "sim", "sweep", str(clean["spec"]), "--out", str(out_dir), "--workers", "2",
           "--quiet"]
    proc = subprocess.Popen(cmd, cwd=ROOT, start_new_session=True, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    db = out_dir / "sweep.sqlite"
    deadline = time.monotonic() + 120
    finished = 0
    while time.monotonic() < deadline and proc.poll() is None:
        if db.exists():
            with contextlib.suppress(sqlite3.Error), sqlite3.connect(db, timeout=1) as con:
                finished = con.execute("SELECT COUNT(*) FROM results").fetchone()[0]
            if finished >= 3:
                break
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)        # the runner and its workers, mid-sweep
    proc.wait()
    assert 3 <= finished < 12, f"the kill should land mid-sweep (finished: {finished})"
    code, out, err = run_cli("sweep", clean["spec"], "--out", out_dir, "--workers", 2, "--quiet")
    assert code == 0, err
    reused = int(out.split(":")[1].split("already done")[0])
    assert reused >= 3
    assert_same(tables(out_dir), tables(clean["out"]))


def test_dask_local_cluster_gives_the_same_results(clean, tmp_path):
    pytest.importorskip("distributed")
    code, out, err = run_cli("sweep", clean["spec"], "--out", tmp_path / "dask", "--dask-local", 2, "--quiet")
    assert code == 0, err
    assert "Dask LocalCluster of 2" in err
    assert_same(tables(tmp_path / "dask"), tables(clean["out"]))


def test_point_at_the_baseline_equals_a_plain_run(tmp_path):
    """Common random numbers: a sweep point with the baseline's own lever values gives exactly the
    odds of ``innovsim run`` with the same replicates and seed."""
    from sim import load_scenario, run_scenario

    spec = write(tmp_path, SMALL.replace('kind = "lhs"\npoints = 12', 'kind = "grid"\nlevels = 2')
                 .replace("low = 0\nhigh = 240_000_000", "low = 80_000_000\nhigh = 160_000_000")
                 .replace("low = 0\nhigh = 120_000_000", "low = 40_000_000\nhigh = 80_000_000"))
    code, _, err = run_cli("sweep", spec, "--out", tmp_path / "grid", "--workers", 1, "--quiet")
    assert code == 0, err
    d = read_sweep(tmp_path / "grid")
    at_base = d.design[(d.design["fiscal_support"] == 80e6) & (d.design["tech_recruitment"] == 40e6)]["point"]
    assert len(at_base) == 1
    sweep_odds = d.goals[d.goals["point"] == int(at_base.iloc[0])].set_index("goal")["probability"]
    plain = run_scenario(load_scenario(BASELINE), runs=16, seed=3).odds
    for gid, g in plain.goals.items():
        assert sweep_odds[gid] == pytest.approx(g.odds.probability, abs=1e-12), gid


def test_failed_points_are_recorded_and_the_sweep_goes_on(tmp_path):
    text = SMALL.replace("seed = 3\n", "seed = 3\nraise_budget_cap = false\n", 1)
    spec = write(tmp_path, text)
    code, out, err = run_cli("sweep", spec, "--out", tmp_path / "f", "--workers", 1, "--quiet")
    assert code == 0, err
    d = read_sweep(tmp_path / "f")
    failed = d.failed()
    assert 0 < len(failed) < 12, "points over the 220m CNY cap fail, the others run"
    assert failed["error"].str.contains("over budget").all()
    assert (d.results["status"] == "ok").sum() == 12 - len(failed)
    assert f"{len(failed)} points failed" in out


# ---- bad sweep files -------------------------------------------------------------------------------

def assert_user_error(code, err, *needles):
    assert code == 2, err
    assert "Traceback" not in err and "\n\n" not in err.strip()
    for needle in needles:
        assert needle in err, f"{needle!r} not in:\n{err}"


@pytest.mark.parametrize("old, new, needles", [
    ("levers.fiscal_support.annual_budget_cny", "levers.fiscal_suport.annual_budget_cny",
     ["factors[0].path", "fiscal_suport", "did you mean 'levers.fiscal_support'"]),
    ("low = 0\nhigh = 240_000_000", "low = 240_000_000\nhigh = 100",
     ["factors[0].high", "range is empty", "100"]),
    ('kind = "lhs"\npoints = 12', 'kind = "grid"\npoints = 5\nlevels = 3',
     ["design.points", "3 x 3 = 9 points", "at least 9"]),
    ('kind = "lhs"\npoints = 12', 'kind = "sobol"\npoints = 100',
     ["design.points", "N x 4", "power of 2", "64, 128"]),
    ('kind = "lhs"', 'kind = "factorial"', ["design.kind", "factorial"]),
    ("replicates = 16", "replicates = 16\nworkers = 4", ["sweep.workers", "unknown key"]),
    ("replicates = 16", "replicates = 0", ["sweep.replicates", "0"]),
    ("levers.tech_recruitment.annual_budget_cny", "uncertainties.gdp_growth",
     ["factors[1].path", "distribution"]),
    ("levers.tech_recruitment.annual_budget_cny", "uncertainties.hte_apply_prob",
     ["factors[1].path", "posterior file", "enabled = false"]),
])
def test_bad_sweep_file_gives_a_clear_error(tmp_path, old, new, needles):
    assert old in SMALL
    spec = write(tmp_path, SMALL.replace(old, new, 1))
    code, _, err = run_cli("sweep", spec, "--out", tmp_path / "o", "--quiet")
    assert_user_error(code, err, str(spec), *needles)
    assert not (tmp_path / "o").exists(), "nothing written for a bad sweep file"


def test_missing_sweep_file_and_base(tmp_path):
    code, _, err = run_cli("sweep", tmp_path / "nope.toml", "--out", tmp_path / "o")
    assert_user_error(code, err, "nope.toml", "does not exist")
    spec = write(tmp_path, SMALL.replace(BASELINE.as_posix(), "no_such_base.toml"))
    code, _, err = run_cli("sweep", spec, "--out", tmp_path / "o")
    assert_user_error(code, err, "sweep.base", "no_such_base.toml")


def test_out_folder_of_another_sweep_is_refused(clean, tmp_path):
    other = write(tmp_path, SMALL.replace("seed = 3", "seed = 4", 1))
    code, _, err = run_cli("sweep", other, "--out", clean["out"], "--workers", 1, "--quiet")
    assert_user_error(code, err, "another sweep", str(clean["out"]))
