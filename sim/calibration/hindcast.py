"""The hindcast: the forecast scenario started in 2017 (with the start values and rules of then)
and run to 2022 on the vectorized core, and the summaries compared with the observations.

``hindcast_scenario`` builds the 2017 scenario from the forecast one and the calibration file's
``[hindcast.set]``. A lever runs in the hindcast only if ``[hindcast.set]`` moves its
``start_year`` into the window (the shipped targets run the baseline's current-policy levers
from 2018).
``Simulator`` runs a batch of proposed parameter values (one replicate each) and returns, per
replicate, the summary of every observed figure (``Summaries``: what the model says for each
(series, year) of the observation file) followed by the 2022 state the forecast starts from.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import UserError
from .observations import EVENTS


def hindcast_scenario(forecast, calibration):
    """The forecast scenario moved to the hindcast window with ``[hindcast.set]`` applied; its one
    goal (the zone not yet national in the window's last year) only satisfies the schema."""
    from ..scenario.loader import apply_overrides, scenario_to_dict

    h = calibration.spec.hindcast
    data = scenario_to_dict(forecast)
    data.pop("extends", None)
    data.pop("posterior", None)            # the hindcast draws from the priors
    data["horizon"] = {"base_year": h.base_year, "end_year": h.end_year}
    data["meta"] = {**data["meta"], "name": f"{forecast.meta.name}_hindcast_{h.base_year}",
                    "description": f"hindcast {h.base_year}-{h.end_year} for calibration"}
    data["goals"] = {"hindcast": {"name": "zone not yet national", "name_zh": "", "year": h.end_year,
                                  "indicator": "national_htz", "comparison": "<=", "threshold": 0}}
    return apply_overrides(data, dict(h.set), source=f"{calibration.path} [hindcast]")


@dataclass(frozen=True)
class Summary:
    """One observed figure and how the model produces it."""

    series: str
    year: int
    value: float
    sd: float                 # the observation's sd times the target's sd_scale (flags: 0.5)
    statistic: str
    indicator: str
    start: int
    holdout: bool = False     # predicted, not fitted (out-of-sample check)
    note: str = ""            # the target's note: why the model may fit it poorly
    event: str = ""           # "" a measurement; "equal" or "above": a fact the hindcast must agree with

    @property
    def label(self) -> str:
        return f"{self.series} {self.year}"

    def holds(self, x: np.ndarray) -> np.ndarray:
        """Per replicate, whether the model's value ``x`` agrees with this event (always True for
        a measurement): equal to a flag, or a rank worse (greater) than a tier's size."""
        if self.event == "equal":
            return np.abs(x - self.value) < 0.5
        if self.event == "above":
            return x > self.value
        return np.ones(len(x), bool)


def summaries_of(calibration, observations, holdout_year: int | None = None,
                 holdout_from: int | None = None) -> list[Summary]:
    """Every (target, observed year) pair: the summaries the distance compares, except those of
    ``holdout_year`` and of ``holdout_from`` on, which are only predicted (out-of-sample checks)."""
    h = calibration.spec.hindcast
    out = []
    for t in calibration.spec.targets:
        rows = observations.rows(t.series)
        for row in rows.itertuples(index=False):
            year = int(row.year)
            start = t.start if t.start is not None else h.base_year
            if t.statistic == "growth" and year - 1 < h.base_year or t.statistic == "cagr" and year <= start:
                continue
            event = EVENTS.get(row.unit, "")     # a fact the hindcast must agree with
            sd = 0.5 if event else float(row.sd) * t.sd_scale
            out.append(Summary(t.series, year, float(row.value), max(sd, 1e-9), t.statistic, t.indicator, start,
                               holdout=year == holdout_year or holdout_from is not None and year >= holdout_from,
                               note=t.note, event=event))
    return out


def compute(summary: Summary, indicators: dict, years: np.ndarray) -> np.ndarray:
    """The model's value of one summary for every replicate: a level, a growth over the year
    before (pct) or a compound growth per year since ``start`` (pct per year)."""
    x = indicators[summary.indicator]
    col = {int(y): j for j, y in enumerate(years)}
    now = x[:, col[summary.year]]
    if summary.statistic == "level":
        return now
    before = x[:, col[summary.year - 1]] if summary.statistic == "growth" else x[:, col[summary.start]]
    ratio = now / np.maximum(before, 1e-9)
    if summary.statistic == "growth":
        return 100 * (ratio - 1)
    return 100 * (ratio ** (1 / (summary.year - summary.start)) - 1)


@dataclass(frozen=True)
class HindcastContext:
    """What every batch of a calibration shares, sent once per worker: the hindcast's block
    simulator, the summaries to compute and the state columns that follow them."""

    simulator: object
    summaries: tuple
    state: tuple                 # hindcast indicators whose last-year value starts the forecast
    years: np.ndarray


def hindcast_task(context: HindcastContext, task: tuple) -> np.ndarray:
    """The worker's side of one batch ``(seed, ids, {name: values})``: its summaries (n, m + state)."""
    seed, ids, parameters = task
    ind = context.simulator(seed, ids, parameters)
    cols = [compute(s, ind, context.years) for s in context.summaries]
    cols += [state_value(spec, ind, context.years) for spec in context.state]
    return np.column_stack(cols)


def state_value(spec: str, indicators: dict, years: np.ndarray) -> np.ndarray:
    """A forecast start value from the hindcast's last year: ``"INDICATOR"`` is the indicator's
    value then; ``"INDICATOR since YEAR"`` (a cumulative indicator) what it gained from YEAR on,
    e.g. the university projects carried out since the plan began in 2022."""
    indicator, _, since = spec.partition(" since ")
    x = indicators[indicator]
    if not since or int(since) <= int(years[0]):
        return x[:, -1]
    return x[:, -1] - x[:, int(since) - 1 - int(years[0])]


class Simulator:
    """Proposed parameter values (n, d) -> summaries (n, len(summaries) + len(state)) on the core:
    replicate ``ids[i]`` of the calibration seed with the proposal's values. A batch is split into
    one task per worker (at most ``max_chunk`` proposals each) on ``session`` (an open session
    of an execution-layer executor for ``hindcast_task``) and put back in order; a replicate's
    numbers do not depend on the block it runs in, so neither the workers nor the split change
    them."""

    def __init__(self, session, names: list[str], seed: int, max_chunk: int = 256):
        self.session, self.names, self.seed, self.max_chunk = session, names, seed, max_chunk

    @staticmethod
    def context(hindcast, summaries: list[Summary], state: dict[str, str]) -> HindcastContext:
        from ..execution.contract import block_simulator

        years = np.arange(hindcast.horizon.base_year, hindcast.horizon.end_year + 1)
        return HindcastContext(block_simulator(hindcast), tuple(summaries), tuple(state.values()), years)

    def __call__(self, values: np.ndarray, ids: np.ndarray) -> np.ndarray:
        from ..execution.executors import TaskFailed

        chunk = min(self.max_chunk, max(1, -(-len(ids) // self.session.workers)))
        tasks = [(self.seed, ids[i:i + chunk], {n: values[i:i + chunk, j] for j, n in enumerate(self.names)})
                 for i in range(0, len(ids), chunk)]
        out: list = [None] * len(tasks)
        for k, result in self.session.run(tasks):
            if isinstance(result, TaskFailed):
                raise CalibrationFailed(f"a batch of {len(tasks[k][1])} hindcast simulations could not be run: "
                                        f"{result}. The finished generations are kept: run the same command again "
                                        "to resume, with fewer --workers if memory is short.")
            out[k] = result
        return np.concatenate(out)


class CalibrationFailed(UserError):
    """A batch's worker died on every attempt; the finished generations stay checkpointed."""


def distance(summaries: list[Summary]):
    """Root mean square of (model - observed) / sd over the fitted measurements; infinite where a
    fitted event does not hold, so that no accepted particle contradicts what has happened.
    Held-out figures and the state columns that follow the summaries are not compared."""
    fitted = np.array([j for j, s in enumerate(summaries) if not s.holdout and not s.event], dtype=np.intp)
    events = [(j, s) for j, s in enumerate(summaries) if not s.holdout and s.event]
    obs = np.array([summaries[j].value for j in fitted])
    sd = np.array([summaries[j].sd for j in fitted])

    def d(x: np.ndarray) -> np.ndarray:
        z = (x[:, fitted] - obs) / sd
        rms = np.sqrt(np.mean(z * z, axis=1)) if len(fitted) else np.zeros(len(x))
        agree = np.ones(len(x), bool)
        for j, s in events:
            agree &= s.holds(x[:, j])
        return np.where(agree, rms, np.inf)
    return d
