"""Sweep analysis (sim/sweep/analyze.py): the Sobol' machinery on the Ishigami function, response
curves and marginal effects on synthetic sweeps with a known response, and the report of a small
real sweep (with failed points, incomplete, and no sweep at all)."""

from __future__ import annotations

import json
import math
import shutil
import sqlite3
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.scenario.errors import UserError
from sim.sweep.analyze import analyze_data, analyze_sweep, response_curves, sobol_from_saltelli, write_analysis
from sim.sweep.design import build_design
from sim.sweep.spec import Design as DesignSpec
from sim.sweep.spec import Factor, Sweep, SweepFile, SweepMeta
from sim.sweep.store import SweepData

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.toml"


# ---- Sobol' indices: the Ishigami function -------------------------------------------------------

ISHIGAMI_S1 = np.array([0.3139, 0.4424, 0.0])
ISHIGAMI_ST = np.array([0.5576, 0.4424, 0.2437])
ISHIGAMI_TOL = 0.03     # absolute; the 95% bootstrap half-widths at N = 4096 are about 0.01 to 0.04


def _ishigami(x, a=7.0, b=0.1):
    return np.sin(x[:, 0]) + a * np.sin(x[:, 1]) ** 2 + b * x[:, 2] ** 4 * np.sin(x[:, 0])


def test_sobol_reproduces_ishigami_indices():
    """The same design code (build_design's Saltelli layout) and Sobol' function as a model sweep."""
    n = 4096
    spec = SweepFile(sweep=SweepMeta(name="ishigami", base="unused.toml", replicates=1, seed=0),
                     design=DesignSpec(kind="sobol", points=n * 5, seed=3),
                     factors=[Factor(path=f"x{i}", low=-math.pi, high=math.pi) for i in (1, 2, 3)])
    sweep = Sweep(spec=spec, path=Path("ishigami.toml"), base=None, baseline={f"x{i}": 0.0 for i in (1, 2, 3)},
                  n_points=n * 5)
    design = build_design(sweep)
    assert design.n_base == n and design.roles[:n] == ["A"] * n and design.roles[-1] == "AB:x3"
    table = sobol_from_saltelli(_ishigami(design.values), n, 3, names=design.names, outputs=["ishigami"],
                                n_resamples=200)
    s1, st = table["S1"].to_numpy(), table["ST"].to_numpy()
    assert np.abs(s1 - ISHIGAMI_S1).max() < ISHIGAMI_TOL, s1
    assert np.abs(st - ISHIGAMI_ST).max() < ISHIGAMI_TOL, st
    # the analytic values lie inside the 95% bootstrap intervals (widened by 0.005 for rounding)
    assert np.all(table["S1_low"] - 0.005 <= ISHIGAMI_S1) and np.all(ISHIGAMI_S1 <= table["S1_high"] + 0.005)
    assert np.all(table["ST_low"] - 0.005 <= ISHIGAMI_ST) and np.all(ISHIGAMI_ST <= table["ST_high"] + 0.005)


def test_sobol_accepts_several_outputs_and_checks_the_layout():
    rng = np.random.default_rng(1)
    n, d = 64, 2
    x = rng.random((n * (d + 2), d))
    values = np.column_stack([x[:, 0], x[:, 0] + 0.001 * x[:, 1]])
    table = sobol_from_saltelli(values, n, d, n_resamples=20)
    assert list(table["goal"].unique()) == ["y1", "y2"] and len(table) == 4
    with pytest.raises(ValueError):
        sobol_from_saltelli(values[:-1], n, d)


# ---- synthetic sweeps with a known linear response -----------------------------------------------

SLOPE = 0.1      # probability per 100m CNY a year of factor "a"; factor "b" does nothing


def _synthetic(kind: str, noise_runs: int | None = None) -> SweepData:
    factors = [{"name": "a", "path": "levers.a.annual_budget_cny", "low": 0.0, "high": 3e8, "baseline": 1e8,
                "budget": True},
               {"name": "b", "path": "levers.b.annual_budget_cny", "low": 0.0, "high": 1e8, "baseline": 4e7,
                "budget": True}]
    rng = np.random.default_rng(5)
    if kind == "grid":
        a, b = np.meshgrid(np.linspace(0, 3e8, 5), np.linspace(0, 1e8, 4), indexing="ij")
        x = np.column_stack([a.ravel(), b.ravel()])
    else:
        x = rng.random((200, 2)) * [3e8, 1e8]
    p = 0.2 + SLOPE * x[:, 0] / 1e8
    runs = noise_runs or 1000
    if noise_runs:
        p = rng.binomial(noise_runs, p) / noise_runs
    pts = np.arange(len(x))
    design = pd.DataFrame({"point": pts, "role": kind, "a": x[:, 0], "b": x[:, 1]})
    results = pd.DataFrame({"point": pts, "status": "ok", "error": "", "seconds": 1.0, "agent_years": 1.0,
                            "runs": runs})
    goals = pd.concat([pd.DataFrame({"point": pts, "goal": "hte_250", "year": 2026,
                                     "attained": np.round(p * runs).astype(int), "probability": p}),
                       pd.DataFrame({"point": pts, "goal": "joint_2026", "year": 2026, "attained": 0,
                                     "probability": 0.0})])
    meta = {"design": json.dumps({"kind": kind, "n_base": 0}), "factors": json.dumps(factors),
            "sweep": json.dumps({"sweep": {"name": "synthetic", "base": "", "replicates": runs}}),
            "base_scenario": "synthetic"}
    return SweepData(meta, factors, design, results, goals, pd.DataFrame())


@pytest.mark.parametrize("kind", ["grid", "lhs"])
def test_response_and_marginal_recover_a_known_linear_response(kind):
    analysis = analyze_data(_synthetic(kind), resamples=100)
    r = analysis.response[(analysis.response["goal"] == "hte_250")]
    ra, rb = r[r["factor"] == "a"], r[r["factor"] == "b"]
    # a linear response averaged over a level or bin is the line at the level or bin's mean spend
    np.testing.assert_allclose(ra["probability"], 0.2 + SLOPE * ra["value_m_cny"] / 100, atol=1e-9)
    np.testing.assert_allclose(ra["value_m_cny"], ra["value"] / 1e6)
    assert (ra["ci_low"] <= ra["probability"]).all() and (ra["probability"] <= ra["ci_high"]).all()
    assert len(ra) == (5 if kind == "grid" else 10) and ra["points"].sum() == len(analysis.data.design)
    # b does nothing: its curve is flat at the mean over a (exactly on the grid; on random points within
    # the noise of averaging over a in a bin of 20 points: sd 0.087 / sqrt(20) = 0.02)
    assert np.abs(rb["probability"].to_numpy() - 0.35).max() < (1e-9 if kind == "grid" else 0.06)
    m = analysis.marginal[analysis.marginal["goal"] == "hte_250"].set_index("factor")
    assert m.loc["a", "pp_per_100m"] == pytest.approx(100 * SLOPE, abs=1e-6)
    assert m.loc["b", "pp_per_100m"] == pytest.approx(0.0, abs=1e-6)
    assert m.loc["a", "per"] == "100m CNY a year"
    base = analysis.baseline.set_index("goal")
    assert base.loc["hte_250", "probability"] == pytest.approx(0.2 + SLOPE * 1.0, abs=1e-6)


def test_marginal_interval_covers_the_slope_under_binomial_noise():
    analysis = analyze_data(_synthetic("lhs", noise_runs=200), resamples=300)
    m = analysis.marginal[analysis.marginal["goal"] == "hte_250"].set_index("factor")
    assert m.loc["a", "ci_low"] < 100 * SLOPE < m.loc["a", "ci_high"]
    assert m.loc["b", "ci_low"] < 0 < m.loc["b", "ci_high"]
    assert m.loc["a", "ci_low"] > m.loc["b", "ci_high"]            # a clearly ahead of b
    assert "tracks" not in analysis.goals and analysis.goals == ["hte_250", "joint_2026"]


def test_response_bins_are_equal_count():
    wide = pd.DataFrame({"a": np.arange(40.0), "g": np.linspace(0, 1, 40)})
    r = response_curves(wide, [{"name": "a", "budget": False}], ["g"], 100, "lhs")
    assert len(r) == 8 and set(r["points"]) == {5} and r["value_m_cny"].isna().all()


# ---- a real small sweep ----------------------------------------------------------------------------

SWEEP_TOML = """
[sweep]
name = "tiny"
base = "{base}"
replicates = 12
seed = 7
raise_budget_cap = false     # points spending above the base's cap fail: the report must list them

[design]
kind = "sobol"
points = 40
seed = 11

[[factors]]
path = "levers.fiscal_support.annual_budget_cny"
low = 0
high = 160_000_000

[[factors]]
path = "levers.talent_plan.annual_budget_cny"
low = 0
high = 60_000_000

[[factors]]
path = "levers.tech_recruitment.annual_budget_cny"
low = 0
high = 80_000_000
"""


@pytest.fixture(scope="module")
def real_sweep(tmp_path_factory):
    from sim.sweep.executors import LocalExecutor
    from sim.sweep.runner import run_sweep
    from sim.sweep.spec import load_sweep

    root = tmp_path_factory.mktemp("sweep_analyze")
    toml = root / "tiny.toml"
    toml.write_text(SWEEP_TOML.format(base=BASELINE.as_posix()), encoding="utf-8")
    sweep = load_sweep(toml)
    out = root / "run"
    run_sweep(sweep, out, LocalExecutor(2))
    return sweep, out


@pytest.fixture(scope="module")
def real_analysis(real_sweep, tmp_path_factory):
    _, out = real_sweep
    analysis = analyze_sweep(out, resamples=100, sobol_resamples=50)
    dest = tmp_path_factory.mktemp("analysis")
    written = write_analysis(analysis, dest)
    return analysis, dest, written


def test_real_sweep_report_answers_the_three_goals(real_analysis):
    analysis, dest, written = real_analysis
    names = {p.name for p in written}
    assert {"report.md", "response.csv", "marginal.csv", "plot_hte_250.png"} <= names
    report = (dest / "report.md").read_text(encoding="utf-8")
    levers = ("fiscal_support", "talent_plan", "tech_recruitment")
    for goal in ("hte_250", "tech_based_1500", "rd_above_city"):
        section = report.split(f"(`{goal}`, 2026)", 1)[1].split("###", 1)[0]
        sentence = section.strip().splitlines()[0]
        assert any(lever in sentence for lever in levers) or "No lever moves" in sentence, sentence
    assert "model estimates" in report and "baseline" in report
    assert "joint_2026" in set(analysis.response["goal"])
    marginal = pd.read_csv(dest / "marginal.csv")
    assert list(marginal.columns[:5]) == ["goal", "factor", "pp_per_100m", "ci_low", "ci_high"]


def test_real_sweep_lists_failed_points(real_analysis):
    analysis, dest, _ = real_analysis
    assert len(analysis.failed) > 0, "the fixture's ranges should make some points exceed the budget cap"
    report = (dest / "report.md").read_text(encoding="utf-8")
    assert "Failed points" in report
    for point in analysis.failed["point"]:
        assert f"| {point} |" in report
    assert f"{analysis.points_ok} of {analysis.points_total} points" in report


def test_incomplete_sweep_uses_finished_points(real_sweep, tmp_path):
    _, out = real_sweep
    part = tmp_path / "part"
    part.mkdir()
    shutil.copy(out / "sweep.sqlite", part / "sweep.sqlite")
    with sqlite3.connect(part / "sweep.sqlite") as db:
        ok = [r[0] for r in db.execute("SELECT point FROM results WHERE status = 'ok' ORDER BY point")]
        drop = ok[-5:]
        for table in ("results", "goals", "indicators"):
            db.executemany(f"DELETE FROM {table} WHERE point = ?", [(p,) for p in drop])
    analysis = analyze_sweep(part, resamples=50, sobol_resamples=20)
    assert analysis.points_ok == len(ok) - 5 and analysis.points_pending == 5
    report = (write_analysis(analysis, tmp_path / "a", plots=False)[-1]).read_text(encoding="utf-8")
    assert f"{len(ok) - 5} of 40 points" in report and "incomplete" in report


def test_analyze_without_results_raises_user_error(real_sweep, tmp_path):
    with pytest.raises(UserError, match="no sweep.sqlite"):
        analyze_sweep(tmp_path)
    with pytest.raises(UserError, match="does not exist"):
        analyze_sweep(tmp_path / "missing")
    from sim.sweep.store import SweepStore

    sweep, _ = real_sweep
    store = SweepStore(tmp_path / "empty", sweep, build_design(sweep))
    store.close()
    with pytest.raises(UserError, match="no finished points"):
        analyze_sweep(tmp_path / "empty")
