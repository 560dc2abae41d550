"""Parameter recovery: can the calibration find parameter values it knows?

Each trial draws "true" values of the fitted parameters from the prior, simulates the hindcast
with them (one replicate), writes the simulated figures into a copy of the observation file in
place of the observed ones, fits that copy with the calibration's own settings (or a smaller
budget), and records whether each parameter's 90% credible interval contains its true value.
A well-calibrated posterior covers about 90% of (parameter, trial) pairs.

    python -m sim.calibration.recovery calibration/targets.toml --trials 10 --population 200 \
        --generations 4 --out /tmp/recovery

The test suite runs a small version (tests/test_calibration_run.py); docs/CALIBRATION.md reports
the fuller one.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

BAND = (0.05, 0.95)


def recover(targets, out, trials: int = 10, population: int | None = None, generations: int | None = None,
            batch: int | None = None, seed: int = 2024):
    """Run ``trials`` recovery trials of calibration file ``targets`` in folder ``out``; return one
    row per (trial, parameter): the true value, the 90% interval, whether it covers the truth, and
    the interval's width relative to the prior's."""
    import pandas as pd

    from ..execution.executors import InProcess
    from ..scenario.loader import load_scenario
    from .hindcast import Simulator, hindcast_scenario, hindcast_task, summaries_of
    from .observations import COLUMNS, load_observations
    from .run import calibrate, make_prior, weighted_quantiles
    from .targets import budget_copy, load_targets

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    cal = load_targets(targets)
    hind = hindcast_scenario(load_scenario(cal.scenario_path), cal)
    obs = load_observations(cal.observations_path)
    summaries = summaries_of(cal, obs)
    names = list(cal.spec.parameters.fit)
    prior = make_prior(hind, names)
    with InProcess().session(hindcast_task, Simulator.context(hind, summaries, {})) as session:
        simulate = Simulator(session, [n.partition(".")[2] for n in names], seed=seed + 1)
        truths = _synthetic_truths(prior, simulate, len(names), trials, seed)
    rows = []
    for trial, (truth, synthetic) in enumerate(truths):
        frame = obs.frame.copy()
        for s, value in zip(summaries, synthetic):
            frame.loc[(frame["series"] == s.series) & (frame["year"] == s.year), "value"] = round(float(value), 6)
        firms = frame["unit"] == "firms"
        frame.loc[firms, "value"] = frame.loc[firms, "value"].clip(lower=0)
        path = out / f"observed_{trial}.csv"
        frame[list(COLUMNS)].to_csv(path, index=False)
        fit = calibrate(budget_copy(targets, out, f"targets_{trial}.toml", path, population, generations, batch),
                        out / f"fit_{trial}")
        values, w = fit.result.values(), fit.result.last.weights
        for j, name in enumerate(names):
            lo, hi = weighted_quantiles(values[:, j], w, list(BAND))
            p_lo, p_hi = np.quantile(fit.prior_draws[:, j], BAND)
            rows.append({"trial": trial, "parameter": name, "truth": truth[0, j], "p5": lo, "p95": hi,
                         "covered": bool(lo - 1e-9 <= truth[0, j] <= hi + 1e-9),
                         "width_ratio": (hi - lo) / (p_hi - p_lo) if p_hi > p_lo else float("nan")})
    return pd.DataFrame(rows)


def _synthetic_truths(prior, simulate, d: int, trials: int, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per trial, a true parameter vector drawn from the prior and the summaries it simulates."""
    rng = np.random.default_rng(seed)
    out = []
    for trial in range(trials):
        truth = prior.to_values(rng.random((1, d)))
        out.append((truth, simulate(truth, np.array([10_000 + trial]))[0]))
    return out


def summary_table(rows):
    """Coverage and mean width ratio per parameter, and pooled."""
    table = rows.groupby("parameter", sort=False).agg(coverage=("covered", "mean"), width_ratio=("width_ratio", "mean"))
    table.loc["all (pooled)"] = [rows["covered"].mean(), rows["width_ratio"].mean()]
    return table


def main(argv=None) -> int:
    import argparse

    ap = argparse.ArgumentParser(prog="python -m sim.calibration.recovery", description=__doc__.split("\n\n")[0])
    ap.add_argument("targets")
    ap.add_argument("--out", required=True)
    ap.add_argument("--trials", type=int, default=10)
    ap.add_argument("--population", type=int)
    ap.add_argument("--generations", type=int)
    ap.add_argument("--seed", type=int, default=2024)
    a = ap.parse_args(argv)
    rows = recover(a.targets, a.out, a.trials, a.population, a.generations, seed=a.seed)
    rows.to_csv(Path(a.out) / "recovery.csv", index=False)
    print(summary_table(rows).to_string(float_format=lambda x: f"{x:.2f}"))
    print(f"{len(rows)} (parameter, trial) pairs; rows in {Path(a.out) / 'recovery.csv'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
