"""ABC-SMC (``sim.calibration.abc``) on a model whose posterior is known, its checkpoints and a
SIGKILL-and-resume; and scenarios drawing calibrated parameters from a posterior file.

The toy model: one parameter x with a uniform prior on [0, 10] and one observation y = x + e,
e ~ N(0, 1). With y = 4.3 the posterior is N(4.3, 1) (truncation at 0 and 10 is negligible).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from sim.calibration.abc import Settings, run_abc
from sim.execution.checkpoints import KeyMismatch

ROOT = Path(__file__).resolve().parents[1]
OBSERVED = 4.3

TOY = """
import numpy as np
from sim.calibration.abc import Prior

OBSERVED = 4.3

def simulate(values, ids):
    # y = x + N(0, 1); the noise of simulation `id` is its own stream, so results are reproducible
    noise = np.array([np.random.default_rng(int(r)).normal() for r in ids])
    return (values[:, 0] + noise)[:, None]

def distance(summaries):
    return np.abs(summaries[:, 0] - OBSERVED)

prior = Prior(("x",), lambda u: 10.0 * u)
"""


@pytest.fixture(scope="module")
def toy(tmp_path_factory):
    folder = tmp_path_factory.mktemp("toy")
    (folder / "toy_model.py").write_text(TOY, encoding="utf-8")
    sys.path.insert(0, str(folder))
    import toy_model
    yield toy_model
    sys.path.remove(str(folder))


def weighted_mean_sd(values, weights):
    m = float(np.sum(weights * values))
    return m, float(np.sqrt(np.sum(weights * (values - m) ** 2)))


def test_abc_recovers_the_known_posterior(toy):
    res = run_abc(toy.prior, toy.simulate, toy.distance, Settings(population=500, generations=6, seed=1))
    assert len(res.generations) == 6
    eps = [g.eps for g in res.generations]
    assert all(a > b for a, b in zip(eps[1:], eps[2:])), "the tolerance shrinks every generation"
    m, sd = weighted_mean_sd(res.values()[:, 0], res.last.weights)
    # 500 weighted particles (ESS > 300): the mean is within 0.25 (> 4 SE) of 4.3, the sd within 25% of 1
    assert res.last.ess > 300
    assert abs(m - OBSERVED) < 0.25
    assert 0.75 < sd < 1.25


def test_same_seed_same_posterior_and_resume_from_checkpoints(toy, tmp_path):
    settings = Settings(population=100, generations=4, seed=2)
    clean = run_abc(toy.prior, toy.simulate, toy.distance, settings)
    partial = run_abc(toy.prior, toy.simulate, toy.distance, Settings(**{**settings.__dict__, "generations": 2}),
                      checkpoint_dir=tmp_path / "c")
    assert len(partial.generations) == 2
    extended = run_abc(toy.prior, toy.simulate, toy.distance, settings, checkpoint_dir=tmp_path / "c")
    assert len(extended.generations) == 4
    np.testing.assert_array_equal(extended.last.u, clean.last.u)
    np.testing.assert_array_equal(extended.last.weights, clean.last.weights)
    # another seed: the old checkpoints are never resumed by mistake; it refuses, or restarts afresh
    other = Settings(population=100, generations=2, seed=9)
    with pytest.raises(KeyMismatch, match="seed 2 there, 9 now"):
        run_abc(toy.prior, toy.simulate, toy.distance, other, checkpoint_dir=tmp_path / "c")
    fresh = run_abc(toy.prior, toy.simulate, toy.distance, other, checkpoint_dir=tmp_path / "c", restart=True)
    np.testing.assert_array_equal(fresh.last.u, run_abc(toy.prior, toy.simulate, toy.distance, other).last.u)
    assert sorted(p.name for p in (tmp_path / "c").glob("gen-*.npz")) == ["gen-0.npz", "gen-1.npz"]


def test_sigkill_then_resume_gives_the_same_posterior(toy, tmp_path):
    settings = "Settings(population=300, generations=7, seed=3)"
    script = (f"import sys; sys.path.insert(0, {str(Path(toy.__file__).parent)!r})\n"
              "import numpy as np, toy_model as t\nfrom sim.calibration.abc import Settings, run_abc\n"
              f"r = run_abc(t.prior, t.simulate, t.distance, {settings}, checkpoint_dir=sys.argv[1])\n"
              "np.save(sys.argv[2], np.column_stack([r.last.u[:, 0], r.last.weights]))\n")
    clean_out, resumed_out = tmp_path / "clean.npy", tmp_path / "resumed.npy"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    subprocess.run([sys.executable, "-c", script, str(tmp_path / "a"), str(clean_out)], check=True, env=env)

    ckpt = tmp_path / "b"
    proc = subprocess.Popen([sys.executable, "-c", script, str(ckpt), str(resumed_out)], env=env,
                            start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None and not (ckpt / "gen-2.npz").exists():
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    saved = sorted(p.name for p in ckpt.glob("gen-*.npz"))
    assert "gen-2.npz" in saved and "gen-6.npz" not in saved, f"killed mid-run, checkpoints: {saved}"
    subprocess.run([sys.executable, "-c", script, str(ckpt), str(resumed_out)], check=True, env=env)
    np.testing.assert_array_equal(np.load(resumed_out), np.load(clean_out))


# ---- scenarios drawing from a posterior file -------------------------------------------------------

def test_scenario_takes_calibrated_parameters_from_the_posterior(tmp_path):
    from sim import load_scenario
    from sim.calibration.posterior import write_posterior
    from sim.core.params import sample_parameters
    from sim.core.streams import PARAMETERS, ReplicateStreams

    from conftest import BASELINE

    post = write_posterior(tmp_path / "post" / "posterior.csv", ["exit_rate", "hte_apply_prob"],
                           np.array([[0.03, 0.5], [0.09, 0.7], [0.05, 0.9]]), np.array([0.2, 0.0, 0.8]), 2025)
    variant = tmp_path / "calibrated.toml"
    variant.write_text(f'extends = "{BASELINE.as_posix()}"\n[meta]\nname = "calibrated"\n'
                       '[posterior]\nfile = "post/posterior.csv"\n', encoding="utf-8")
    s = load_scenario(variant)
    assert Path(s.posterior.file) == post.resolve()
    reps = np.arange(2000)
    p = sample_parameters(s, ReplicateStreams(1, reps, PARAMETERS))
    priors = load_scenario(BASELINE.parent / "baseline_priors.toml")      # the same distributions, no posterior
    base = sample_parameters(priors, ReplicateStreams(1, reps, PARAMETERS))
    pairs = set(zip(p["exit_rate"], p["hte_apply_prob"]))
    assert pairs <= {(0.03, 0.5), (0.05, 0.9)}, "rows are taken whole, the zero-weight row never"
    share = np.mean(p["exit_rate"] == 0.05)
    assert abs(share - 0.8) < 4 * np.sqrt(0.8 * 0.2 / len(reps))
    # every other parameter keeps its own draw
    assert np.array_equal(p["gdp_growth"], base["gdp_growth"]) and np.array_equal(p["firms"], base["firms"])
    # the row depends on the replicate only, not on the block it runs in
    q = sample_parameters(s, ReplicateStreams(1, reps[100:110], PARAMETERS))
    assert np.array_equal(q["exit_rate"], p["exit_rate"][100:110])


def test_shipped_baseline_draws_from_the_posterior_and_the_priors_variant_does_not():
    """scenarios/baseline.toml names the shipped posterior; baseline_priors.toml switches it off
    (``enabled = false``) and then draws exactly what a baseline without [posterior] draws."""
    from sim import load_scenario
    from sim.scenario.posterior import read_posterior
    from sim.core.params import sample_parameters
    from sim.core.streams import PARAMETERS, ReplicateStreams
    from sim.scenario import load_scenario_dict, scenario_to_dict

    from conftest import BASELINE

    base, priors = load_scenario(BASELINE), load_scenario(BASELINE.parent / "baseline_priors.toml")
    post = read_posterior(base.posterior_file)
    assert Path(base.posterior_file) == (BASELINE.parent.parent / "calibration/posterior/posterior.csv").resolve()
    assert priors.posterior_file is None
    plain = scenario_to_dict(base)
    del plain["posterior"]
    plain = load_scenario_dict(plain, resolve_extends=False)
    reps = np.arange(256)
    p_base, p_priors, p_plain = (sample_parameters(x, ReplicateStreams(3, reps, PARAMETERS))
                                 for x in (base, priors, plain))
    for name in p_plain:
        assert np.array_equal(p_priors[name], p_plain[name]), name
    for name in post.names:                      # the calibrated ones come from the posterior's rows
        column = post.samples[:, post.names.index(name)]
        assert np.isin(p_base[name], np.concatenate([column, np.round(column)])).all(), name
        assert not np.array_equal(p_base[name], p_plain[name]), name
    # reports mark the calibrated inputs
    from sim.core.params import estimated_inputs

    assert "initial.hte_count (calibrated)" in estimated_inputs(base)
    assert "initial.hte_count" in estimated_inputs(priors) and not any("calibrated" in e for e in
                                                                     estimated_inputs(priors))


def test_posterior_enabled_without_a_file_is_a_clear_error(tmp_path):
    from sim import load_scenario
    from sim.errors import ScenarioError

    from conftest import BASELINE, edit_toml

    text = edit_toml(BASELINE.read_text(encoding="utf-8"), "posterior", "file", None)
    (tmp_path / "b.toml").write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError, match="posterior.file is missing") as info:
        load_scenario(tmp_path / "b.toml")
    assert "b.toml" in str(info.value) and "posterior.enabled = false" in str(info.value)


@pytest.mark.parametrize("content, needle", [
    ("weight,exit_rte\n1,0.05\n", "did you mean 'exit_rate'"),
    ("exit_rate\n0.05\n", "no 'weight' column"),
    ("weight,exit_rate\n1,7\n", "line 2, column 'exit_rate'"),
    ("weight,exit_rate\n-1,0.05\n", "column 'weight'"),
])
def test_bad_posterior_file_gives_a_clear_error(tmp_path, content, needle):
    from sim.scenario.posterior import PosteriorError, read_posterior

    path = tmp_path / "p.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(PosteriorError, match=needle) as info:
        read_posterior(path)
    assert str(path) in str(info.value)
