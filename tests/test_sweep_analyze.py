"""Sweep analysis (sim/sweep/analyze.py and its rooms in sim/sweep/analysis/): the Sobol' machinery
on the Ishigami function, response curves, marginal effects and the goal order on synthetic sweeps
with a known response, and a small real sweep: its tables recomputed from the store, its report
(with failed points, incomplete, and no sweep at all)."""

from __future__ import annotations

import json
import math
import re
import shutil
import sqlite3
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sim.scenario import load_scenario
from sim.errors import UserError
from sim.sweep.analysis import SEED
from sim.sweep.analysis.curves import response_curves
from sim.sweep.analysis.report import render_report
from sim.sweep.analysis.sobol import sobol_from_saltelli
from sim.sweep.analyze import analyze_data, analyze_sweep, write_analysis
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


def _synthetic(kind: str, noise_runs: int | None = None, slopes: dict | None = None,
               scenario_goals: list[str] | None = None) -> SweepData:
    """A two-factor sweep whose goals' odds are 0.2 + slope x (factor a in 100m CNY); goal hte_250
    with SLOPE unless ``slopes`` says otherwise; ``scenario_goals``: the goals the meta lists."""
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
    runs = noise_runs or 1000
    pts = np.arange(len(x))
    tables = []
    for goal, slope in (slopes or {"hte_250": SLOPE}).items():
        p = 0.2 + slope * x[:, 0] / 1e8
        if noise_runs:
            p = rng.binomial(noise_runs, p) / noise_runs
        tables.append(pd.DataFrame({"point": pts, "goal": goal, "year": 2026,
                                    "attained": np.round(p * runs).astype(int), "probability": p}))
    tables.append(pd.DataFrame({"point": pts, "goal": "joint_2026", "year": 2026, "attained": 0,
                                "probability": 0.0}))
    design = pd.DataFrame({"point": pts, "role": kind, "a": x[:, 0], "b": x[:, 1]})
    results = pd.DataFrame({"point": pts, "status": "ok", "error": "", "seconds": 1.0, "agent_years": 1.0,
                            "runs": runs})
    meta = {"design": json.dumps({"kind": kind, "n_base": 0}), "factors": json.dumps(factors),
            "sweep": json.dumps({"sweep": {"name": "synthetic", "base": "", "replicates": runs}}),
            "base_scenario": "synthetic"}
    if scenario_goals:
        meta["goals"] = json.dumps({g: {"name": g.title(), "name_zh": "", "year": 2026} for g in scenario_goals})
    return SweepData(meta, factors, design, results, pd.concat(tables), pd.DataFrame())


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


def test_report_answers_first_the_goals_the_levers_move_most():
    """The goals are the scenario's (meta 'goals'), answered in the order of their odds' spread over the
    points; a goal with the same odds everywhere is flat: listed, not answered."""
    slopes = {"still": 0.0, "slow": 0.02, "fast": 0.1, "calm": 0.0}
    data = _synthetic("grid", slopes=slopes, scenario_goals=["still", "slow", "unrecorded", "fast", "calm"])
    analysis = analyze_data(data, resamples=20)
    # largest spread first; equal spreads in the scenario's order (not the ids'); "unrecorded" has no odds
    assert analysis.goals == ["fast", "slow", "still", "calm", "joint_2026"]
    assert analysis.flat == ["still", "calm", "joint_2026"] and analysis.answered == ["fast", "slow"]
    x = data.design["a"].to_numpy() / 1e8
    assert analysis.spread["fast"] == pytest.approx(0.1 * x.std()) and analysis.spread["still"] == 0.0
    report = render_report(analysis)
    assert re.findall(r"^### .*\(`(\w+)`", report, flags=re.M) == analysis.answered
    flat_line = report.split("### Goals no lever moves", 1)[1].split("##", 1)[0]
    assert "(`still`) 20.0%" in flat_line and "(`joint_2026`) 0.0%" in flat_line


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
    from sim.execution import LocalProcesses
    from sim.sweep.runner import run_sweep
    from sim.sweep.spec import load_sweep

    root = tmp_path_factory.mktemp("sweep_analyze")
    toml = root / "tiny.toml"
    toml.write_text(SWEEP_TOML.format(base=BASELINE.as_posix()), encoding="utf-8")
    sweep = load_sweep(toml)
    out = root / "run"
    run_sweep(sweep, out, LocalProcesses(2))
    return sweep, out


RESAMPLES = 100      # bootstrap resamples of the real sweep's response surface


@pytest.fixture(scope="module")
def real_analysis(real_sweep, tmp_path_factory):
    _, out = real_sweep
    analysis = analyze_sweep(out, resamples=RESAMPLES, sobol_resamples=50)
    dest = tmp_path_factory.mktemp("analysis")
    written = write_analysis(analysis, dest)
    return analysis, dest, written


def test_real_sweep_report_answers_the_goals_the_levers_move_most(real_analysis, real_sweep):
    analysis, dest, written = real_analysis
    x, p, _ = _finished_points(real_sweep[1])
    names = {p.name for p in written}
    assert {"report.md", "response.csv", "marginal.csv", "baseline.csv"} <= names
    assert {f"plot_{g}.png" for g in analysis.goals} <= names
    # the goals are the base scenario's (and the joint goals), none named in the code
    own = [g for g in analysis.goals if not g.startswith("joint_")]
    assert sorted(own) == sorted(load_scenario(BASELINE).goals)
    # answered first: the largest spread of the odds over the finished points; flat: one value at every point
    spread = p[own].std(ddof=0).where(p[own].nunique() > 1, 0.0)
    assert [analysis.spread[g] for g in own] == pytest.approx(list(spread.sort_values(ascending=False)), abs=1e-12)
    assert analysis.flat == [g for g in analysis.goals if p[g].nunique() == 1]
    report = (dest / "report.md").read_text(encoding="utf-8")
    assert re.findall(r"^### .*\(`(\w+)`", report, flags=re.M) == analysis.answered
    levers = ("fiscal_support", "talent_plan", "tech_recruitment")
    for goal in analysis.answered:
        sentence = report.split(f"(`{goal}`, ", 1)[1].split("\n\n", 1)[1].splitlines()[0]
        assert any(lever in sentence for lever in levers), sentence
    flat_line = report.split("### Goals no lever moves", 1)[1].split("##", 1)[0] if analysis.flat else ""
    for goal in analysis.flat:
        assert f"(`{goal}`) {100 * p[goal].iloc[0]:.1f}%" in flat_line
    assert "model estimates" in report and "baseline" in report
    assert "joint_2026" in set(analysis.response["goal"])
    marginal = pd.read_csv(dest / "marginal.csv")
    assert list(marginal.columns[:5]) == ["goal", "factor", "pp_per_100m", "ci_low", "ci_high"]


# ---- the real sweep's tables, recomputed from the store by the documented methods ------------------

def _finished_points(folder: Path):
    """Factor values and odds of the finished points, and one point's replicates, read with SQL alone."""
    db = sqlite3.connect(folder / "sweep.sqlite")
    ok = "(SELECT point FROM results WHERE status = 'ok')"
    x = pd.read_sql(f"SELECT * FROM factor_values WHERE point IN {ok}", db).pivot(
        index="point", columns="factor", values="value")
    p = pd.read_sql(f"SELECT point, goal, probability FROM goals WHERE point IN {ok}", db).pivot(
        index="point", columns="goal", values="probability")
    runs = db.execute("SELECT MAX(runs) FROM results WHERE status = 'ok'").fetchone()[0]
    db.close()
    return x, p, runs


def _wilson(phat: float, n: int, z: float) -> tuple[float, float]:
    """Wilson score interval: the two p with (phat - p)^2 = z^2 p (1 - p) / n, roots of a quadratic."""
    a, b, c = 1 + z * z / n, -(2 * phat + z * z / n), phat * phat
    root = math.sqrt(b * b - 4 * a * c)
    return (-b - root) / (2 * a), (-b + root) / (2 * a)


def _interval(p: np.ndarray, runs: int) -> tuple[float, float]:
    """The wider of the Student-t interval of the points' mean and one point's Wilson interval, in 0..1."""
    half = stats.t.ppf(0.975, len(p) - 1) * stats.sem(p) if len(p) > 1 else 0.0
    t_lo, t_hi = p.mean() - half, p.mean() + half
    w_lo, w_hi = _wilson(p.mean(), runs, stats.norm.ppf(0.975))
    return max(0.0, min(t_lo, w_lo)), min(1.0, max(t_hi, w_hi))


def test_real_sweep_response_curves_are_bin_means_of_the_store(real_analysis, real_sweep):
    analysis, dest, _ = real_analysis
    x, p, runs = _finished_points(real_sweep[1])
    table = pd.read_csv(dest / "response.csv")
    assert len(x) < 30 and analysis.data.kind == "sobol"   # so: equal-count bins of about 5 points
    rows = 0
    for f in analysis.factors:
        bins = pd.qcut(x[f["name"]], q=len(x) // 5, labels=False, duplicates="drop")
        for goal in analysis.goals:
            got = table[(table["factor"] == f["name"]) & (table["goal"] == goal)].sort_values("value")
            for (_, r), (_, points) in zip(got.iterrows(), x.groupby(bins).groups.items()):
                v, odds = x.loc[points, f["name"]], p.loc[points, goal].to_numpy()
                assert (r["points"], r["bin_low"], r["bin_high"]) == (len(points), v.min(), v.max())
                assert r["value"] == pytest.approx(v.mean(), rel=1e-12)
                assert r["value_m_cny"] == pytest.approx(v.mean() / 1e6, rel=1e-12)
                assert r["probability"] == pytest.approx(odds.mean(), abs=1e-12)
                assert (r["ci_low"], r["ci_high"]) == pytest.approx(_interval(odds, runs), abs=1e-9)
                rows += 1
    assert rows == len(table)


def test_real_sweep_marginal_odds_are_the_slopes_of_a_quadratic_fit(real_analysis, real_sweep):
    analysis, dest, _ = real_analysis
    x, p, runs = _finished_points(real_sweep[1])
    names = [f["name"] for f in analysis.factors]
    z = (x[names].to_numpy() - [f["baseline"] for f in analysis.factors]) / 1e8     # 100m CNY from baseline
    terms = np.column_stack([np.ones(len(z)), z, z ** 2] + [z[:, i] * z[:, j] for i in range(3)
                                                            for j in range(i + 1, 3)])
    assert analysis.surface == "quadratic" and len(z) >= terms.shape[1] + 3
    goals = analysis.goals
    y = p[goals].to_numpy()
    coef = np.linalg.lstsq(terms, y, rcond=None)[0]
    rng = np.random.default_rng(SEED)
    boot = np.array([np.linalg.lstsq(terms[i], y[i], rcond=None)[0]
                     for i in (rng.integers(0, len(z), len(z)) for _ in range(RESAMPLES))])
    lo, hi = np.quantile(boot, [0.025, 0.975], axis=0)
    marginal = pd.read_csv(dest / "marginal.csv").set_index(["goal", "factor"])
    assert list(marginal.index) == [(g, n) for g in goals for n in names]
    for j, g in enumerate(goals):
        for i, n in enumerate(names):
            row = marginal.loc[(g, n)]
            expect = 100 * np.array([coef[1 + i, j], lo[1 + i, j], hi[1 + i, j]])
            assert [row["pp_per_100m"], row["ci_low"], row["ci_high"]] == pytest.approx(expect, abs=1e-9)
    # the odds at the baseline: the fit's intercept, its interval widened to one point's Wilson interval
    baseline = pd.read_csv(dest / "baseline.csv").set_index("goal")
    distance = (np.abs(x[names] - [f["baseline"] for f in analysis.factors])
                / [f["high"] - f["low"] for f in analysis.factors]).max(axis=1)
    for j, g in enumerate(goals):
        row, fit = baseline.loc[g], float(np.clip(coef[0, j], 0, 1))
        w_lo, w_hi = _interval(np.array([fit]), runs)
        expect = [fit, min(np.clip(lo[0, j], 0, 1), w_lo), max(np.clip(hi[0, j], 0, 1), w_hi)]
        assert [row["probability"], row["ci_low"], row["ci_high"]] == pytest.approx(expect, abs=1e-9)
        assert row["nearest_point"] == distance.idxmin() and row["nearest_distance"] == distance.min()
        assert row["nearest_probability"] == p.loc[distance.idxmin(), g]


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
