"""``innovsim calibrate``: fit the hindcast to the observations by ABC-SMC, write the posterior
and the diagnostics.

Steps: load the calibration file, the observations and the forecast scenario; build the 2017
hindcast; the prior of every fitted parameter is its distribution in the hindcast scenario
(mapped from the unit cube by its inverse CDF); run ABC-SMC (``abc.run_abc``) with a checkpoint
per generation in ``DIR/checkpoints``; then write into DIR

- ``posterior.csv``: weights, the fitted behavioural parameters, and the forecast's start values
  taken from each particle's simulated 2022 (``[parameters] to_forecast``): the file a scenario
  names in ``[posterior]``;
- ``report.md``: prior against posterior per parameter (and which are identified), the posterior
  predictive band of every observation and whether it covers it, the effective sample size and
  the tolerance by generation;
- ``predictive.csv``, ``parameters.csv`` and ``calibration.png``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from ..execution.files import atomic_write
from .abc import Prior, Result, Settings, run_abc
from .hindcast import distance as distance_of

GROUP_PER_WORKER = 128     # proposals simulated per worker and call: enough to keep every worker busy
IDENTIFIED_RATIO = 0.5     # a parameter is "identified" if its 90% interval shrinks to half the prior's or less
BAND = (0.05, 0.95)
# the predictive band of a figure adds the observation's error (normal, with the sd the fit used) to
# each particle's simulated statistic: this many error draws per particle, from a fixed stream
FIGURE_DRAWS = 200
FIGURE_SEED = 20171225


@dataclass
class Fit:
    """A finished calibration, with what the report needs."""

    calibration: object
    result: Result
    names: list[str]                  # fitted parameters, "section.name"
    summaries: list                   # hindcast.Summary
    state: dict[str, str]             # forecast start value <- hindcast indicator in the last year
    prior_draws: np.ndarray           # values (n, d) drawn from the prior, for the comparison
    out: Path


def make_prior(hindcast, names: list[str]) -> Prior:
    """The fitted parameters' prior: each one's distribution in the hindcast scenario."""
    from .. import parameters
    from ..scenario.distributions import as_dist

    registry = {p.name: p for p in parameters.ALL}
    specs = []
    for dotted in names:
        section, _, name = dotted.partition(".")
        p = registry[name]
        specs.append((p, as_dist(getattr(getattr(hindcast, section), name))))

    def ppf(u: np.ndarray) -> np.ndarray:
        cols = []
        for j, (p, dist) in enumerate(specs):
            x = np.clip(dist.ppf(u[:, j], (p.low, p.high)), p.low, p.high)
            cols.append(np.round(x) if p.integer else x)
        return np.column_stack(cols)
    return Prior(tuple(names), ppf)


def calibrate(path, out, progress=None, holdout_year: int | None = None, executor=None,
              restart: bool = False, holdout_from: int | None = None) -> Fit:
    """Run (or resume) the calibration of ``path`` into folder ``out``. With ``holdout_year``,
    that year's observations are left out of the fit and only predicted (out of sample); with
    ``holdout_from``, those of that year and later (a fit with the data up to the year before).
    ``executor`` (from ``sim.execution``; default: this process) runs the hindcast batches; the
    posterior does not depend on it. ``restart`` discards the checkpoints of another fit in ``out``."""
    from ..execution.checkpoints import FolderLock
    from ..execution.executors import InProcess
    from .hindcast import Simulator, hindcast_task

    problem = _problem(path, holdout_year, holdout_from)
    executor = executor if executor is not None else InProcess()
    with FolderLock(out):
        context = Simulator.context(problem.hindcast, problem.summaries, problem.state)
        with executor.session(hindcast_task, context) as session:
            simulate = Simulator(session, problem.short_names, problem.cal.spec.calibration.seed)
            settings = replace(problem.settings, group=GROUP_PER_WORKER * session.workers)
            result = run_abc(problem.prior, simulate, distance_of(problem.summaries), settings,
                             checkpoint_dir=Path(out) / "checkpoints", progress=progress, key=problem.key,
                             restart=restart)
        return _finish(problem, result, Path(out))


@dataclass
class _Problem:
    """A calibration file read and turned into what ABC-SMC needs."""

    cal: object
    hindcast: object
    summaries: list
    names: list[str]
    prior: Prior
    settings: Settings
    key: dict

    @property
    def short_names(self) -> list[str]:
        return [n.partition(".")[2] for n in self.names]

    @property
    def state(self) -> dict[str, str]:
        return dict(self.cal.spec.parameters.to_forecast)


def _problem(path, holdout_year: int | None, holdout_from: int | None = None) -> _Problem:
    from ..scenario.loader import load_scenario
    from .hindcast import hindcast_scenario, summaries_of
    from .observations import load_observations
    from .targets import CalibrationError, load_targets

    cal = load_targets(path)
    s = cal.spec
    obs = load_observations(cal.observations_path, s.hindcast.base_year, s.hindcast.end_year)
    forecast = load_scenario(cal.scenario_path)
    hindcast = hindcast_scenario(forecast, cal)
    summaries = summaries_of(cal, obs, holdout_year, holdout_from)
    if not any(not x.holdout for x in summaries):
        raise CalibrationError(str(cal.path), "no observation matches any target: nothing to fit", "targets")
    names = list(s.parameters.fit)
    settings = Settings(population=s.calibration.population, generations=s.calibration.generations,
                        quantile=s.calibration.quantile, batch=s.calibration.batch,
                        max_simulations=s.calibration.max_simulations, seed=s.calibration.seed)
    # what else fixes the numbers: the figures fitted and how (a changed observation file or target
    # makes a resume refuse instead of mixing two fits)
    key = {"summaries": [[x.series, x.year, x.value, x.sd, x.statistic, x.indicator, x.start, x.holdout]
                         for x in summaries], "hindcast": s.hindcast.model_dump(mode="json"),
           "state": s.parameters.to_forecast}
    return _Problem(cal, hindcast, summaries, names, make_prior(hindcast, names), settings, key)


def _finish(problem: _Problem, result: Result, out: Path) -> Fit:
    """The fit with its prior draws for the comparison, and its outputs written."""
    rng = np.random.default_rng(np.random.SeedSequence(problem.settings.seed, spawn_key=(999,)))
    fit = Fit(problem.cal, result, problem.names, problem.summaries, problem.state,
              problem.prior.to_values(rng.random((4000, len(problem.names)))), out)
    write_outputs(fit)
    return fit


# ---- outputs ----------------------------------------------------------------------------------

def weighted_quantiles(x: np.ndarray, w: np.ndarray, qs) -> np.ndarray:
    order = np.argsort(x)
    cw = np.cumsum(w[order]) / np.sum(w)
    return np.interp(qs, cw, x[order])


def parameter_table(fit: Fit):
    """Prior and posterior 5/50/95% per fitted parameter, and whether it is identified."""
    import pandas as pd

    values, w = fit.result.values(), fit.result.last.weights
    rows = []
    for j, name in enumerate(fit.names):
        pq = np.quantile(fit.prior_draws[:, j], [BAND[0], 0.5, BAND[1]])
        qq = weighted_quantiles(values[:, j], w, [BAND[0], 0.5, BAND[1]])
        prior_w, post_w = pq[2] - pq[0], qq[2] - qq[0]
        ratio = post_w / prior_w if prior_w > 0 else float("nan")
        rows.append({"parameter": name, "prior_p5": pq[0], "prior_median": pq[1], "prior_p95": pq[2],
                     "posterior_p5": qq[0], "posterior_median": qq[1], "posterior_p95": qq[2],
                     "width_ratio": ratio, "identified": bool(ratio <= IDENTIFIED_RATIO)})
    return pd.DataFrame(rows)


def predictive_table(fit: Fit):
    """The posterior predictive 5-95% bands of every observed figure and whether they cover it.

    Two bands per figure: ``p5``..``p95`` of the model's statistic (the simulated indicator), and
    ``figure_p5``..``figure_p95`` of the figure itself, the statistic plus the observation's error
    (normal with the sd the fit used: for a Chongqing rate standing in for Hechuan's, that sd is
    the stated gap between the two). The second is the posterior predictive check proper: where
    a figure like the observed one would fall. Also the prior predictive band (generation 0: the
    prior's particles that agree with the events) and, for a figure outside the statistic's band, a
    diagnosis of why. An event (a flag, a censored rank) is covered when it holds in every
    particle; ``holds`` is the weighted share that agree.
    """
    import pandas as pd

    s, w = fit.result.last.summaries, fit.result.last.weights
    s0 = fit.result.generations[0].summaries
    rows = []
    for j, sm in enumerate(fit.summaries):
        lo, med, hi = weighted_quantiles(s[:, j], w, [BAND[0], 0.5, BAND[1]])
        prior_lo, prior_hi = np.quantile(s0[:, j], [BAND[0], BAND[1]])
        holds = float(np.sum(w * sm.holds(s[:, j])) / np.sum(w))
        covered = holds >= 1 - 1e-12 if sm.event else bool(lo - 1e-9 <= sm.value <= hi + 1e-9)
        fig_lo, fig_hi = (lo, hi) if sm.event else _figure_band(s[:, j], w, sm.sd, j)
        figure_covered = covered if sm.event else bool(fig_lo - 1e-9 <= sm.value <= fig_hi + 1e-9)
        diagnosis = "" if covered else (
            f"the event holds in {holds:.0%} of the particles" if sm.event else diagnose(sm.value, med, prior_lo,
                                                                                         prior_hi))
        rows.append({"series": sm.series, "year": sm.year, "statistic": sm.statistic, "indicator": sm.indicator,
                     "holdout": sm.holdout, "event": sm.event,
                     "observed": sm.value, "sd_used": sm.sd, "p5": lo, "median": med, "p95": hi,
                     "covered": covered, "figure_p5": fig_lo, "figure_p95": fig_hi,
                     "figure_covered": figure_covered, "holds": holds, "z_median": (med - sm.value) / sm.sd,
                     "prior_p5": prior_lo, "prior_p95": prior_hi, "diagnosis": diagnosis})
    return pd.DataFrame(rows)


def _figure_band(statistic: np.ndarray, weights: np.ndarray, sd: float, j: int) -> tuple[float, float]:
    """The 5-95% band of a figure: each particle's statistic plus FIGURE_DRAWS normal errors of sd
    ``sd`` (a fixed stream per figure, so the report is reproducible)."""
    rng = np.random.default_rng([FIGURE_SEED, j])
    draws = statistic[:, None] + rng.normal(0.0, sd, size=(statistic.size, FIGURE_DRAWS))
    lo, hi = weighted_quantiles(draws.ravel(), np.repeat(weights, FIGURE_DRAWS), list(BAND))
    return float(lo), float(hi)


_EVENT_WORDS = {"equal": "=", "above": ">"}


def diagnose(observed: float, median: float, prior_lo: float, prior_hi: float) -> str:
    """Why a figure lies outside its posterior predictive band, from where it lies in the prior's."""
    side = "below" if median < observed else "above"
    if not prior_lo - 1e-9 <= observed <= prior_hi + 1e-9:
        return (f"the model runs {side} it even before the fit: the figure lies outside the prior predictive "
                "band, so no likely parameter value reaches it (a mechanism the model lacks, or priors too narrow)")
    return (f"the model runs {side} it after the fit, though the prior reaches it: the parameter values that "
            "reach it miss other figures, so the fit trades it off against them")


def write_outputs(fit: Fit) -> list[Path]:
    from .posterior import write_posterior

    out, res = fit.out, fit.result
    values = res.values()
    # the 2017 start values and the hindcast-only parameters stay behind
    skip = set(fit.calibration.spec.parameters.hindcast_only)
    keep = [j for j, n in enumerate(fit.names) if not n.startswith("initial.") and n not in skip]
    names = [fit.names[j].partition(".")[2] for j in keep] + list(fit.state)
    m = len(fit.summaries)
    state = res.last.summaries[:, m:m + len(fit.state)]
    samples = np.column_stack([values[:, keep], state]) if keep or fit.state else values[:, :0]
    written = [write_posterior(out / "posterior.csv", names, samples, res.last.weights,
                               fit.calibration.spec.hindcast.end_year)]
    params, pred = parameter_table(fit), predictive_table(fit)
    atomic_write(out / "parameters.csv", params.to_csv(index=False, float_format="%.6g"))
    atomic_write(out / "predictive.csv", pred.to_csv(index=False, float_format="%.6g"))
    history = [{"generation": g.t, "tolerance": g.eps, "simulations": g.simulations,
                "acceptance": g.acceptance, "ess": g.ess} for g in res.generations]
    atomic_write(out / "history.json", json.dumps({"stopped": res.stopped, "generations": history}, indent=2) + "\n")
    atomic_write(out / "report.md", render_report(fit, params, pred, history))
    written += [out / "parameters.csv", out / "predictive.csv", out / "history.json", out / "report.md"]
    written.append(plot(fit, params, pred))
    return written


def render_report(fit: Fit, params, pred, history) -> str:
    c = fit.calibration
    h = c.spec.hindcast
    lines = [f"# Calibration: {c.path.name}", "",
             f"ABC-SMC fit of a hindcast {h.base_year}-{h.end_year} of scenario `{c.scenario_path.name}` to "
             f"{len(fit.summaries)} observed figures from `{c.observations_path.name}`. All figures are model "
             "estimates.", "",
             "## Tolerance by generation", "", "| generation | tolerance | simulations | acceptance | ESS |",
             "|---|---|---|---|---|"]
    lines += [f"| {g['generation']} | {g['tolerance']:.3g} | {g['simulations']:,} | {g['acceptance']:.3f} | "
              f"{g['ess']:.0f} |" for g in history]
    lines += ["", f"Stopped after: {fit.result.stopped}. Effective sample size of the posterior: "
                  f"{fit.result.last.ess:.0f} of {len(fit.result.last.weights)} particles.", "",
              "## Parameters: prior against posterior (5%, median, 95%)", "",
              f"*Identified* = the posterior's 90% interval is at most {IDENTIFIED_RATIO:.0%} of the prior's: the "
              "data moved it. The others are carried into the forecast with (nearly) their prior uncertainty.", "",
              "| parameter | prior | posterior | width ratio | identified |", "|---|---|---|---|---|"]
    for r in params.itertuples(index=False):
        lines.append(f"| `{r.parameter}` | {r.prior_p5:.4g} / {r.prior_median:.4g} / {r.prior_p95:.4g} | "
                     f"{r.posterior_p5:.4g} / {r.posterior_median:.4g} / {r.posterior_p95:.4g} | "
                     f"{r.width_ratio:.2f} | {'yes' if r.identified else 'no'} |")
    lines += ["", "## Posterior predictive against the observations (5-95% bands)", "",
              "*Model band*: the simulated statistic. *Figure band*: the statistic plus the observation's error "
              "(normal, the sd used), where a figure like the observed one would fall: the posterior predictive "
              "check proper. For a Chongqing rate standing in for Hechuan's the sd is the stated gap between "
              "the two, so the figure band is wide and the model band is the stricter test.", "",
              "| series | year | statistic of | observed (sd used) | median | model band | in it | figure band "
              "| in it |", "|---|---|---|---|---|---|---|---|---|"]
    for r in pred.itertuples(index=False):
        observed = (f"{_EVENT_WORDS[r.event]} {r.observed:.4g} (event)" if r.event
                    else f"{r.observed:.4g} ({r.sd_used:.3g})")
        covered = (f"holds in {r.holds:.0%}" if r.event else "yes") if r.covered else "**no**"
        figure = ("" if r.event else "yes") if r.figure_covered else "**no**"
        band = "" if r.event else f"{r.figure_p5:.4g} to {r.figure_p95:.4g}"
        lines.append(f"| {r.series}{' (held out)' if r.holdout else ''} | {r.year} | {r.statistic} of `{r.indicator}` "
                     f"| {observed} | {r.median:.4g} | {r.p5:.4g} to {r.p95:.4g} | {covered} | {band} | {figure} |")
    fitted, held = pred[~pred["holdout"]], pred[pred["holdout"]]
    poor = fitted[~fitted["covered"]]
    events = fitted[fitted["event"] != ""]
    lines += ["", f"{int(fitted['figure_covered'].sum())} of {len(fitted)} observed figures "
                  f"({fitted['figure_covered'].mean():.0%}) lie within their figure band, "
                  f"{int(fitted['covered'].sum())} ({fitted['covered'].mean():.0%}) within the model band "
                  f"({len(events)} of them events, which hold in {int(events['covered'].sum())} of {len(events)} "
                  "cases in every particle)."]
    if len(poor):
        notes = {(x.series, x.year): x.note for x in fit.summaries}
        lines += ["", "### Fitted poorly, and why", "",
                  "A 90% band misses about one figure in ten by chance alone. The diagnosis compares the "
                  "observation with the prior predictive band (the fit's generation 0); the note, where the "
                  "targets file gives one, is the modeller's explanation.", ""]
        for r in poor.itertuples(index=False):
            lines.append(f"- **{r.series} {r.year}**: model median {r.median:.3g} against {r.observed:.3g} "
                         f"(prior predictive band {r.prior_p5:.3g} to {r.prior_p95:.3g}): {r.diagnosis}."
                         + (f" Note: {notes[(r.series, r.year)]}" if notes.get((r.series, r.year)) else ""))
    if len(held):
        years = sorted(set(int(y) for y in held["year"]))
        lines += ["", "## Out of sample", "",
                  f"The {len(held)} figures of {', '.join(map(str, years))} were left out of the fit and predicted: "
                  f"{int(held['figure_covered'].sum())} of {len(held)} lie within their figure band (coverage "
                  f"{held['figure_covered'].mean():.0%}), {int(held['covered'].sum())} within the model band "
                  f"({held['covered'].mean():.0%}; rows marked (held out) above)."]
    lines += ["", "## The forecast's start", "",
              "`posterior.csv` holds, per particle, the fitted behavioural parameters and the forecast's start "
              "values taken from the particle's simulated " + str(h.end_year) + ": " +
              ", ".join(f"`{k}` <- `{v}`" for k, v in fit.state.items()) + ". A scenario uses it with "
              "`[posterior] file = \"...\"`.", ""]
    return "\n".join(lines)


def plot(fit: Fit, params, pred) -> Path:
    """Prior against posterior per parameter, and the predictive bands against the observations."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    values, w = fit.result.values(), fit.result.last.weights
    d = len(fit.names)
    cols = 4
    rows = -(-d // cols) + 1
    fig = Figure(figsize=(3.4 * cols, 2.6 * rows))
    FigureCanvasAgg(fig)
    for j, name in enumerate(fit.names):
        ax = fig.add_subplot(rows, cols, j + 1)
        ax.hist(fit.prior_draws[:, j], bins=30, density=True, alpha=0.4, label="prior")
        ax.hist(values[:, j], bins=30, weights=w, density=True, alpha=0.6, label="posterior")
        ax.set_title(name, fontsize=8)
        ax.tick_params(labelsize=7)
        if j == 0:
            ax.legend(fontsize=7)
    ax = fig.add_subplot(rows, 1, rows)
    z_lo = (pred["p5"] - pred["observed"]) / pred["sd_used"]
    z_hi = (pred["p95"] - pred["observed"]) / pred["sd_used"]
    y = np.arange(len(pred))
    ax.hlines(y, (pred["figure_p5"] - pred["observed"]) / pred["sd_used"],
              (pred["figure_p95"] - pred["observed"]) / pred["sd_used"], lw=7, alpha=0.2, color="C1",
              label="figure band (with the observation's error)")
    ax.hlines(y, z_lo, z_hi, lw=3, alpha=0.6, label="model band (the simulated statistic)")
    ax.plot((pred["median"] - pred["observed"]) / pred["sd_used"], y, "o", ms=4)
    ax.axvline(0, color="k", lw=0.8)
    ax.set_yticks(y, [f"{r.series} {r.year}" for r in pred.itertuples(index=False)], fontsize=6)
    ax.legend(fontsize=7, loc="lower right")
    ax.set_xlabel("posterior predictive 5-95% bands, in sd of the observation (0 = observed)")
    fig.tight_layout()
    path = fit.out / "calibration.png"
    atomic_write(path, lambda fh: fig.savefig(fh, format="png", dpi=100))
    return path
