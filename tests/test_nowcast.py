"""The nowcast: the forecast starts at the latest observed year and agrees with every observed event.

- the base-year trap: a scenario whose base year is not its posterior's is an error (exit 2 and one
  paragraph), the old silent start of 2022's state "in 2025" included;
- events condition the calibration: with an observed event added (a stricter rank), every particle
  of the fit agrees with it; the distance is infinite for a simulation that contradicts one;
- the shipped posterior ends in the latest observed year, every observed event holds in every one
  of its particles, and no replicate of the baseline starts with the zone national;
- the calibration's window ends at the latest observed figure.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from conftest import BASELINE, run_cli, tiny_targets

ROOT = Path(__file__).resolve().parents[1]
OBSERVED = ROOT / "calibration" / "data" / "observed.csv"
POSTERIOR = ROOT / "calibration" / "posterior"


def variant(tmp_path: Path, body: str, name: str = "variant") -> Path:
    path = tmp_path / f"{name}.toml"
    path.write_text(f'extends = "{BASELINE.as_posix()}"\n[meta]\nname = "{name}"\n{body}', encoding="utf-8")
    return path


@pytest.mark.parametrize("command", ["validate", "run"])
def test_a_base_year_that_is_not_the_posteriors_is_an_error(tmp_path, command):
    path = variant(tmp_path, "[horizon]\nbase_year = 2022\n")
    extra = ["--runs", 4, "--quiet", "--out", tmp_path / "out"] if command == "run" else []
    code, _, err = run_cli(command, path, *extra)
    assert code == 2 and "Traceback" not in err
    for needle in ("posterior.file", "state of 2025", "base_year is 2022", "base_year = 2025"):
        assert needle in err, err
    assert not (tmp_path / "out" / "summary.json").exists()


def test_the_old_silent_trap_a_2022_posterior_started_in_2025_is_refused(tmp_path):
    """Before the nowcast, a variant with base_year = 2025 ran silently on the 2022 state."""
    old = (ROOT / "calibration" / "posterior_2022" / "posterior.csv").as_posix()
    path = variant(tmp_path, f'[posterior]\nfile = "{old}"\n')
    code, _, err = run_cli("run", path, "--runs", 4, "--quiet")
    assert code == 2 and "state of 2022" in err and "base_year is 2025" in err, err


def test_the_api_refuses_the_mismatch_too(tmp_path):
    from sim.errors import UserError
    from sim.execution import run_replicates
    from sim.scenario import load_scenario

    scenario = load_scenario(variant(tmp_path, "[horizon]\nbase_year = 2022\n"))
    with pytest.raises(UserError, match="state of 2025"):
        run_replicates(scenario, runs=2, workers=1)


def test_the_shipped_posterior_starts_in_the_latest_observed_year():
    from sim.calibration.observations import load_observations
    from sim.scenario import load_scenario

    post = pd.read_csv(POSTERIOR / "posterior.csv")
    latest = load_observations(OBSERVED).last_year
    assert set(post["base_year"]) == {latest} == {load_scenario(BASELINE).horizon.base_year}


def test_every_observed_event_holds_in_every_particle_of_the_shipped_fit():
    pred = pd.read_csv(POSTERIOR / "predictive.csv", keep_default_na=False)
    events = pred[pred["event"] != ""]
    assert {"hc_national_htz", "hc_rank_worse_than"} <= set(events["series"])
    assert (events["holds"] == 1).all(), events[["series", "year", "holds"]]


def test_no_baseline_replicate_starts_against_an_observed_event(baseline_scenario):
    from sim.execution import run_replicates

    res = run_replicates(baseline_scenario, runs=300, seed=3, workers=1)
    base = res.year_index(baseline_scenario.horizon.base_year)
    assert (res.indicator("national_htz")[:, base] == 0).all(), "the zone is not national in 2025"


def test_a_contradicted_event_makes_the_distance_infinite():
    from sim.calibration.hindcast import Summary, distance

    summaries = [Summary("hc_gdp", 2022, 1000, 10, "level", "gdp", 2017),
                 Summary("hc_rank_worse_than", 2023, 8, 0.5, "level", "innovation_rank", 2017, event="above"),
                 Summary("hc_national_htz", 2024, 0, 0.5, "level", "national_htz", 2017, event="equal")]
    x = np.array([[1000, 12, 0], [1010, 8, 0], [990, 20, 1], [1020, 9, 0]], float)
    d = distance(summaries)(x)
    assert d[0] == 0 and np.isinf(d[1]) and np.isinf(d[2]) and d[3] == pytest.approx(2.0)


@pytest.mark.slow
def test_a_synthetic_event_holds_in_every_particle(tmp_path, tiny_fit):
    """An added event (Hechuan worse than 16th in 2024, which the prior often violates) holds in
    100% of the fit's particles, and the fit's first generation needed more prior draws than the
    session's fit of the same file without it (``tiny_fit``, the same budget and seed): both draw
    the same proposals and simulate them alike, so the extra draws are exactly those the event
    turned away, and an event that were ignored would leave the counts equal. The tiny budget
    (conftest.TINY_FIT) is enough: the event turns away about 4 in 5 of the draws the other events
    let through (1,550 draws against 280 for 10 particles, when this was written), so were it
    ignored, all 10 particles would agree with it by chance with probability about 0.2^10 < 1e-6."""
    import json

    observed = tmp_path / "observed.csv"
    observed.write_text(OBSERVED.read_text(encoding="utf-8").rstrip("\n")
                        + "\nhc_rank_worse_than,2024,16,rank,0,test: a synthetic event,high,\n", encoding="utf-8")
    code, _, err = run_cli("calibrate", tiny_targets(tmp_path, observed), "--out", tmp_path / "fit", "--workers", 2,
                           "--quiet")
    assert code == 0, err
    pred = pd.read_csv(tmp_path / "fit" / "predictive.csv", keep_default_na=False)
    row = pred[(pred["series"] == "hc_rank_worse_than") & (pred["year"] == 2024)].iloc[0]
    assert row["holds"] == 1 and row["p5"] > 16
    assert float(row["prior_p5"]) > 16, "generation 0 keeps only prior draws that agree with the events"

    def first_draws(fit):
        return json.loads((fit / "history.json").read_text())["generations"][0]["simulations"]

    assert first_draws(tmp_path / "fit") > first_draws(tiny_fit["out"]), "the draws that broke the event were replaced"


def test_a_posterior_rank_is_the_start_rank_as_it_is(baseline_scenario):
    """The posterior's rank is that of the particle's own simulated state, so the forecast starts
    at exactly that rank (no shift by the start values' deviation, which would count it twice)."""
    from sim.core.engine import CoreSimulator
    from sim.core.init import initial_block
    from sim.core.params import sample_parameters
    from sim.core.step import measure
    from sim.core.streams import INITIAL, PARAMETERS, ReplicateStreams

    sim_ = CoreSimulator.of(baseline_scenario)
    reps = np.arange(12)
    params = sample_parameters(baseline_scenario, ReplicateStreams(4, reps, PARAMETERS))
    block = initial_block(baseline_scenario, sim_.layout, params, ReplicateStreams(4, reps, INITIAL))
    start = measure(block, sim_.layout, sim_.layout.base_year)
    np.testing.assert_array_equal(start["innovation_rank"], params["innovation_rank"])
    assert len(set(params["innovation_rank"])) > 1, "the ranks come from several particles"


def test_goals_whose_year_has_come_list_what_is_observed(baseline_scenario):
    """The 2026 goals (a record ending in 2025 is read in 2026) are reported with the observed
    figures of their indicators: the zone observed not national in every observed year; a goal
    whose indicator Hechuan does not publish says so; the 2030 and 2035 goals are forecasts."""
    from sim.record import format_record, goal_record

    record = goal_record(baseline_scenario)
    zone = record["national_htz"]
    assert zone["year_has_come"] and {o["year"] for o in zone["observed"]} >= {2023, 2024, 2025}
    assert all(o["observed"] == "= 0" for o in zone["observed"])
    assert record["hte_250"]["year_has_come"] and record["hte_250"]["observed"] == []
    later = [g for g, goal in baseline_scenario.goals.items() if goal.year > 2026]
    assert later and not any(record[g]["year_has_come"] for g in later)
    text = format_record(baseline_scenario, record)
    assert "national_htz = 0 in" in text and "hte_250" in text and "first_tier_2035" not in text
    assert max(len(line) for line in text.splitlines()) <= 100


def test_a_figures_band_adds_the_observations_error_to_the_model_band():
    """The figure band is the statistic plus N(0, sd): for 100 equal particles at 10 and sd 2 it is
    10 +- 1.645 x 2. With 100 x 200 error draws the 5% quantile's standard error is about
    sqrt(0.05 x 0.95 / 20,000) / phi(1.645) x 2 = 0.03, so 0.1 is over three standard errors."""
    from sim.calibration.run import FIGURE_DRAWS, _figure_band

    assert FIGURE_DRAWS * 100 == 20_000
    lo, hi = _figure_band(np.full(100, 10.0), np.full(100, 0.01), 2.0, j=0)
    assert lo == pytest.approx(10 - 3.29, abs=0.1) and hi == pytest.approx(10 + 3.29, abs=0.1)
    assert _figure_band(np.full(100, 10.0), np.full(100, 0.01), 2.0, j=0) == (lo, hi), "a fixed stream"


def test_the_flat_super_deduction_still_runs_and_the_small_firms_tax_matters(baseline_scenario):
    """rules.superdeduction_schedule = 0 (the two flat rates, one number for every firm) runs in
    the core; and small low-profit firms paying 25% instead of their reduced rates (the bracket
    limit set to 0) changes the R&D path (same seed: common random numbers)."""
    from sim.execution import run_replicates
    from sim.scenario import apply_overrides

    def rd(overrides):
        s = apply_overrides(baseline_scenario, overrides) if overrides else baseline_scenario
        return run_replicates(s, runs=8, seed=4, workers=1).indicator("rd_intensity")[:, -1]

    base = rd({})
    assert np.isfinite(rd({"rules.superdeduction_schedule": 0})).all()
    assert not np.array_equal(rd({"rules.slpe_max_income": 0}), base)


def test_an_older_posterior_without_event_columns_gives_a_record_too():
    """baseline_2022's predictive.csv (written before events were a column) is read, and from a
    2022 state no goal's year has come yet."""
    from sim.record import format_record, goal_record
    from sim.scenario import load_scenario

    s = load_scenario(ROOT / "scenarios" / "baseline_2022.toml")
    record = goal_record(s)
    assert not any(r["year_has_come"] for r in record.values()) and format_record(s, record) == ""
    assert record["national_htz"]["observed"], "the 2018 and 2021 figures are read"
