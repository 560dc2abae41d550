"""innovsim discover on the model: the run's inputs table, a small discovery end to end, resume
in design mode, and the errors of bad options (exit 2, one paragraph)."""

from __future__ import annotations

import json
from contextlib import contextmanager

import numpy as np
import pytest
from conftest import ROOT, run_cli

from sim.execution import InProcess, LocalProcesses

BASELINE = ROOT / "scenarios" / "baseline.toml"
PRIORS = ROOT / "scenarios" / "baseline_priors.toml"


# ---- inputs.parquet -------------------------------------------------------------------------------

def test_inputs_table_holds_the_engines_draws(tmp_path, monkeypatch):
    """The recorded inputs are the parameter values the engine used, for any workers and chunk
    size; posterior particles name the rows whose values the replicates took."""
    import sim.core.engine as engine
    from sim.inputs_table import PARTICLE, read_inputs
    from sim.runner import run_scenario, write_outputs
    from sim.scenario.loader import load_scenario
    from sim.scenario.posterior import read_posterior

    scenario = load_scenario(BASELINE)
    seen: dict[int, dict[str, float]] = {}
    original = engine.override_parameters

    def capture(params, values, n):            # the engine's own draws, block by block
        out = original(params, values, n)
        seen.update({len(seen) + i: {k: float(v[i]) for k, v in out.items()} for i in range(n)})
        return out

    monkeypatch.setattr(engine, "override_parameters", capture)
    output = run_scenario(scenario, runs=10, seed=3, chunk_size=10, executor=InProcess())   # one block: 0..9 in order
    monkeypatch.setattr(engine, "override_parameters", original)
    out = run_scenario(scenario, runs=10, seed=3, chunk_size=3, executor=LocalProcesses(2), out=tmp_path)
    write_outputs(out, tmp_path, charts=False)
    frame, meta = read_inputs(tmp_path / "inputs.parquet")
    assert frame["replicate"].tolist() == list(range(10))
    assert "uncertainties.gdp_growth" in frame and "initial.hte_count" in frame and PARTICLE in frame
    assert "initial.firm_age_mean" not in frame                # fixed in the scenario: no column
    order = np.argsort(engine.plan_blocks(engine.CoreSimulator.of(scenario), 3, 0, 10, 10)[0])
    for col in frame.columns:
        if col in ("replicate", PARTICLE):
            continue
        name = col.split(".", 1)[1]
        drawn = np.array([seen[i][name] for i in range(10)])[order]
        assert np.array_equal(frame[col].to_numpy(), drawn), col
    post = read_posterior(scenario.posterior_file)
    j = post.names.index("knowledge_productivity")
    assert np.allclose(frame["uncertainties.knowledge_productivity"], post.samples[frame[PARTICLE], j])
    assert "uncertainties.knowledge_productivity" in meta["calibrated"]
    assert np.array_equal(output.results.indicator("hte_count"), out.results.indicator("hte_count"))


# ---- end to end ------------------------------------------------------------------------------------

def test_discover_end_to_end_on_a_small_baseline_run(tmp_path):
    code, out, err = run_cli("discover", BASELINE, "--goal", "hte_250@2030", "--runs", "160", "--check-runs", "80",
                             "--resamples", "5", "--workers", "1", "--quiet", "--out", tmp_path)
    assert code == 0, err
    doc = json.loads((tmp_path / "discovery.json").read_text(encoding="utf-8"))
    (box,) = doc["boxes"]
    assert box["goal"] == "hte_250" and box["year"] == 2030 and box["target"] in ("fail", "reach")
    for key in ("coverage", "density", "restrictions", "summary_en", "summary_zh"):
        assert key in box
    assert 0 <= box["coverage"] <= 1 and 0 <= box["density"] <= 1
    for r in box["restrictions"]:
        assert set(r) >= {"input", "low", "high", "words_en", "words_zh"}
        assert r["input"] in doc["inputs"] and (r["low"] is not None or r["high"] is not None)
    if box["restrictions"]:
        assert box["fresh"]["cases"] == 80 and "density_outside" in box["fresh"]
        assert (tmp_path / "box_hte_250_by_2030.png").is_file()
        assert "2030" in box["summary_en"] and "2030年" in box["summary_zh"]
    assert (tmp_path / "trajectory_hte_250_by_2030.png").stat().st_size > 10_000
    assert "hte_250@2030" in (tmp_path / "report.md").read_text(encoding="utf-8")
    assert (tmp_path / "run" / "inputs.parquet").is_file()
    # a run folder is a source too: the same cases, so the same box
    code, _, err = run_cli("discover", tmp_path / "run", "--goal", "hte_250@2030", "--resamples", "5", "--no-check",
                           "--quiet", "--out", tmp_path / "again")
    assert code == 0, err
    again = json.loads((tmp_path / "again" / "discovery.json").read_text(encoding="utf-8"))["boxes"][0]
    assert again["restrictions"] == box["restrictions"] and again["density"] == box["density"]


class _Interrupted(InProcess):
    """Runs ``limit`` tasks, then stops as a user's Ctrl-C would."""

    def __init__(self, limit: int):
        self.limit = limit

    @contextmanager
    def session(self, fn, context):
        with super().session(fn, context) as s:
            inner = s.run

            def run(tasks):
                for n, item in enumerate(inner(tasks)):
                    if n == self.limit:
                        raise KeyboardInterrupt
                    yield item
            s.run = run
            yield s


def test_design_mode_resumes_to_identical_results(tmp_path):
    from sim.discovery import discover, discovery_document

    kwargs = dict(goals=["platforms_60"], inputs=["uncertainties.gdp_growth", "uncertainties.hte_apply_prob=0.3:0.9"],
                  design="lhs", points=8, replicates=3, resamples=3)
    whole = discover(PRIORS, tmp_path / "whole", executor=InProcess(), **kwargs)
    with pytest.raises(KeyboardInterrupt):
        discover(PRIORS, tmp_path / "cut", executor=_Interrupted(3), **kwargs)
    resumed = discover(PRIORS, tmp_path / "cut", executor=InProcess(), **kwargs)
    assert resumed.cases.clustered and len(resumed.cases) == 8 and set(resumed.cases.trials) == {3.0}
    a, b = discovery_document(whole), discovery_document(resumed)
    assert json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


# ---- bad options ------------------------------------------------------------------------------------

@pytest.mark.parametrize("argv, words", [
    (["--goal", "hte_25"], "did you mean 'hte_250'"),
    (["--goal", "hte_250@2040"], "outside the simulated years"),
    (["--joint", "2027"], "goal years are"),
    (["--points", "10"], "--design"),
    (["--inputs", "uncertainties.gdp_grwth", "--runs", "20"], "did you mean 'uncertainties.gdp_growth'"),
    (["--design", "lhs", "--inputs", "uncertainties.knowledge_productivity"], "posterior"),
    (["--design", "lhs", "--inputs", "uncertainties.gdp_growth=5:2"], "LOW < HIGH"),
    (["--design", "lhs", "--inputs", "levers.fiscal_support.annual_budget_cny"], "=LOW:HIGH"),
    (["--design", "sobol", "--points", "10", "--inputs", "uncertainties.gdp_growth"], "--points"),
    (["--design", "lhs", "--goal", "hte_250@2030", "--inputs", "uncertainties.gdp_growth"], "reached by"),
])
def test_bad_options_exit_2_with_one_paragraph(tmp_path, argv, words):
    code, out, err = run_cli("discover", BASELINE, "--out", tmp_path, "--quiet", "--workers", "1", *argv)
    assert code == 2, (out, err)
    assert words in err and "Traceback" not in err and err.strip().count("\n") == 0


def test_missing_source_and_old_run_folder(tmp_path):
    code, _, err = run_cli("discover", tmp_path / "nope.toml", "--out", tmp_path / "o")
    assert code == 2 and "no such file" in err
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "indicators.parquet").write_bytes(b"")
    code, _, err = run_cli("discover", tmp_path / "old", "--out", tmp_path / "o")
    assert code == 2 and "inputs.parquet" in err
