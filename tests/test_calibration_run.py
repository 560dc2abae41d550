"""``innovsim calibrate`` end to end on a small budget: the files it writes, resuming, a forecast
that draws its start from the posterior, and clear errors for broken calibration files (an added
official figure moving the odds: tests/test_calibration_official_figure.py).

The calibration is the shipped ``calibration/targets.toml`` with a small budget (60 particles,
3 generations), its paths made absolute so copies can live in tmp_path; the tests whose checks are
exact (a resumed or held-out fit gives the same bytes) use the tiny one of ``conftest.TINY_FIT``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from conftest import run_cli, tiny_targets
from sim.calibration.targets import budget_copy

# each fit runs the 2017-2025 hindcast with its events (about 15-25 s a fit on 2 cores): the module
# is CI's second step (python -m pytest -m slow), so the default suite stays under 5 minutes
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
TARGETS = ROOT / "calibration" / "targets.toml"
OBSERVED = ROOT / "calibration" / "data" / "observed.csv"


def small_targets(folder: Path, observed: Path = OBSERVED, name: str = "targets.toml") -> Path:
    return budget_copy(TARGETS, folder, name, observed, population=60, generations=3, batch=64)


@pytest.fixture(scope="module")
def fitted(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cal")
    targets = small_targets(folder)
    code, out, err = run_cli("calibrate", targets, "--out", folder / "fit")
    assert code == 0, err
    return {"folder": folder, "targets": targets, "out": folder / "fit", "stdout": out, "stderr": err}


def test_calibrate_writes_posterior_report_and_diagnostics(fitted):
    out = fitted["out"]
    for name in ("posterior.csv", "report.md", "parameters.csv", "predictive.csv", "history.json", "calibration.png"):
        assert (out / name).is_file(), name
    post = pd.read_csv(out / "posterior.csv")
    assert len(post) == 60 and abs(post["weight"].sum() - 1) < 1e-9
    # behavioural parameters carried to the forecast, hindcast-only ones not, and the forecast's
    # start values from the simulated state of the latest observed year (2025)
    assert {"knowledge_productivity", "hte_apply_prob", "hte_count", "tech_based_count", "rd_intensity",
            "gdp", "innovation_rank", "university_projects"} <= set(post)
    assert "gdp_growth" not in post
    assert set(post["base_year"]) == {2025}
    pred = pd.read_csv(out / "predictive.csv")
    assert {"hc_gdp", "cq_rd_intensity", "cq_hte_cagr", "hc_national_htz"} <= set(pred["series"])
    assert "generation 2:" in fitted["stderr"]
    report = fitted["stdout"]
    assert "identified" in report and "lie within their figure band" in report and "within the model band" in report


def test_report_says_which_figures_are_fitted_poorly_and_why(fitted):
    """Every figure outside its band gets a diagnosis (outside the prior predictive band: out of
    reach; inside: traded off) and the target's note; covered figures get none."""
    from sim.calibration.targets import load_targets

    pred = pd.read_csv(fitted["out"] / "predictive.csv", keep_default_na=False)
    report = (fitted["out"] / "report.md").read_text(encoding="utf-8")
    assert (pred.loc[pred["covered"], "diagnosis"] == "").all()
    poor = pred[~pred["covered"]]
    assert len(poor), "the small fit leaves the 2021 tech-based growth outside its band"
    notes = {t.series: t.note for t in load_targets(fitted["targets"]).spec.targets}
    for r in poor.itertuples(index=False):
        outside_prior = not float(r.prior_p5) - 1e-9 <= float(r.observed) <= float(r.prior_p95) + 1e-9
        assert ("even before the fit" in r.diagnosis) == outside_prior, r.diagnosis
        assert f"**{r.series} {r.year}**" in report and r.diagnosis in report
        if notes.get(r.series):
            assert notes[r.series] in report


def test_diagnosis_tells_out_of_reach_from_traded_off():
    from sim.calibration.run import diagnose

    assert "even before the fit" in diagnose(40, 22, 14, 26) and "below" in diagnose(40, 22, 14, 26)
    assert "trades it off" in diagnose(1.99, 2.06, 1.97, 2.18) and "above" in diagnose(1.99, 2.06, 1.97, 2.18)


def test_rerun_resumes_from_the_checkpoints(fitted):
    """A rerun finds every generation checkpointed: it simulates nothing and writes the same posterior."""
    checkpoints = sorted((fitted["out"] / "checkpoints").glob("gen-*.npz"))
    assert [p.name for p in checkpoints] == ["gen-0.npz", "gen-1.npz", "gen-2.npz"]
    stamps = [p.stat().st_mtime_ns for p in checkpoints]
    before = (fitted["out"] / "posterior.csv").read_bytes()
    code, _, err = run_cli("calibrate", fitted["targets"], "--out", fitted["out"])
    assert code == 0, err
    assert [p.stat().st_mtime_ns for p in checkpoints] == stamps, "no generation was simulated again"
    assert (fitted["out"] / "posterior.csv").read_bytes() == before


@pytest.mark.parametrize("old, new, needles", [
    ('"uncertainties.htz_hazard_ready",', '"uncertainties.htz_hazard_redy",',
     ["parameters.fit[10]", "did you mean 'uncertainties.htz_hazard_ready'"]),
    ('series = "hc_gdp"', 'series = "hc_gpd"', ["targets[0].series", "did you mean 'hc_gdp'"]),
    ('indicator = "gdp"', 'indicator = "gdpp"', ["targets[0].indicator", "gdpp"]),
    ('hindcast_only = ["uncertainties.gdp_growth"]', 'hindcast_only = ["uncertainties.exit_rate"]',
     ["parameters.hindcast_only[0]", "not fitted"]),
    ("population = 300", "population = 2", ["calibration.population", "2"]),
])
def test_bad_calibration_file_gives_a_clear_error(tmp_path, old, new, needles):
    text = small_targets(tmp_path).read_text(encoding="utf-8").replace("population = 60", "population = 300")
    assert old in text
    path = tmp_path / "bad.toml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    code, _, err = run_cli("calibrate", path, "--out", tmp_path / "o")
    assert code == 2, err
    assert "Traceback" not in err and str(path) in err
    for needle in needles:
        assert needle in err, err
    assert not (tmp_path / "o").exists()


def test_out_of_sample_years_are_predicted_not_fitted(tmp_path):
    """With --holdout-from 2024 (a fit with the data up to 2023) the figures of 2024 and 2025 are
    only predicted: changing one changes nothing in the posterior, and the report gives their
    coverage. An exact check, so on the tiny budget (conftest.TINY_FIT): its second generation
    keeps particles by their distance, which a held-out figure that leaked into it would change."""
    targets = tiny_targets(tmp_path)
    code, out, err = run_cli("calibrate", targets, "--out", tmp_path / "a", "--holdout-from", 2024, "--quiet")
    assert code == 0, err
    assert "## Out of sample" in out and "(held out)" in out and "2024, 2025" in out
    pred = pd.read_csv(tmp_path / "a" / "predictive.csv")
    assert set(pred.loc[pred["holdout"], "year"]) == {2024, 2025}
    assert not pred.loc[~pred["holdout"], "year"].ge(2024).any()

    changed = tmp_path / "observed.csv"
    changed.write_text(OBSERVED.read_text(encoding="utf-8").replace("cq_tech_based_growth,2025,10.1",
                                                                    "cq_tech_based_growth,2025,99.9"), encoding="utf-8")
    assert "99.9" in changed.read_text(encoding="utf-8")
    code, _, err = run_cli("calibrate", tiny_targets(tmp_path, changed, "t2.toml"), "--out", tmp_path / "b",
                           "--holdout-from", 2024, "--quiet")
    assert code == 0, err
    assert (tmp_path / "a" / "posterior.csv").read_bytes() == (tmp_path / "b" / "posterior.csv").read_bytes()


def test_parameter_recovery_on_a_small_budget(tmp_path):
    """Figures simulated from known parameter values (drawn from the prior) are fitted; the 90%
    credible intervals contain the true values in at least 80% of (parameter, trial) pairs over 3
    trials (20 fitted parameters: 60 pairs; a well-calibrated posterior covers 90%, and with 60 pairs
    the binomial sd of the pooled coverage is about 3.9 points, so 80% is 2.6 sd below it; pairs of
    one trial are correlated, so the real sd is larger). Two generations: with a third, the
    small-budget posteriors covered 77% (docs/CALIBRATION.md). The fuller study: docs/CALIBRATION.md."""
    from sim.calibration.recovery import recover
    from sim.calibration.targets import load_targets

    rows = recover(TARGETS, tmp_path, trials=3, population=60, generations=2, batch=64)
    assert len(rows) == 3 * len(load_targets(TARGETS).spec.parameters.fit) and rows["truth"].notna().all()
    assert rows["covered"].mean() >= 0.8, f"coverage {rows['covered'].mean():.2f} of {len(rows)}"


def test_sigkill_then_resume_gives_the_same_posterior(tiny_fit, tmp_path):
    """``innovsim calibrate`` killed with SIGKILL after its first checkpoint and started again ends
    with the posterior of the uninterrupted run (the session's ``tiny_fit``: same file and seed;
    an exact check, so on the tiny budget, whose second generation the kill interrupts)."""
    import os
    import signal
    import subprocess
    import sys
    import time

    out = tmp_path / "killed"
    cmd = [sys.executable, "-m", "sim", "calibrate", str(tiny_fit["targets"]), "--out", str(out), "--quiet"]
    proc = subprocess.Popen(cmd, cwd=ROOT, start_new_session=True, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None and not (out / "checkpoints" / "gen-0.npz").exists():
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert (out / "checkpoints" / "gen-0.npz").exists(), "the kill should land after the first checkpoint"
    assert not (out / "posterior.csv").exists(), "the kill should land before the end"
    first = (out / "checkpoints" / "gen-0.npz").stat().st_mtime_ns
    code, _, err = run_cli("calibrate", tiny_fit["targets"], "--out", out, "--quiet")
    assert code == 0, err
    assert (out / "checkpoints" / "gen-0.npz").stat().st_mtime_ns == first, "resumed, not started again"
    assert (out / "posterior.csv").read_bytes() == (tiny_fit["out"] / "posterior.csv").read_bytes()
