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

    @property
    def label(self) -> str:
        return f"{self.series} {self.year}"


def summaries_of(calibration, observations, holdout_year: int | None = None) -> list[Summary]:
    """Every (target, observed year) pair: the summaries the distance compares, except those of
    ``holdout_year``, which are only predicted (an out-of-sample check)."""
    h = calibration.spec.hindcast
    out = []
    for t in calibration.spec.targets:
        rows = observations.rows(t.series)
        for row in rows.itertuples(index=False):
            year = int(row.year)
            start = t.start if t.start is not None else h.base_year
            if t.statistic == "growth" and year - 1 < h.base_year or t.statistic == "cagr" and year <= start:
                continue
            sd = 0.5 if row.unit == "flag" else float(row.sd) * t.sd_scale
            out.append(Summary(t.series, year, float(row.value), max(sd, 1e-9), t.statistic, t.indicator, start,
                               holdout=year == holdout_year, note=t.note))
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


class Simulator:
    """Proposed parameter values (n, d) -> summaries (n, len(summaries) + len(state)) on the core:
    replicate ``ids[i]`` of the calibration seed with the proposal's values."""

    def __init__(self, hindcast, names: list[str], summaries: list[Summary], state: dict[str, str], seed: int,
                 chunk: int = 64):
        from ..core.engine import Prepared

        self.prep = Prepared.of(hindcast)
        self.names, self.summaries, self.state = names, summaries, state
        self.seed, self.chunk = seed, chunk
        self.years = np.arange(hindcast.horizon.base_year, hindcast.horizon.end_year + 1)

    def __call__(self, values: np.ndarray, ids: np.ndarray) -> np.ndarray:
        from ..core.engine import simulate_block

        out = []
        for i in range(0, len(ids), self.chunk):
            part = {n: values[i:i + self.chunk, j] for j, n in enumerate(self.names)}
            ind = simulate_block(self.prep, self.seed, ids[i:i + self.chunk], part)
            cols = [compute(s, ind, self.years) for s in self.summaries]
            cols += [ind[indicator][:, -1] for indicator in self.state.values()]
            out.append(np.column_stack(cols))
        return np.concatenate(out)


def distance(summaries: list[Summary]):
    """Root mean square of (model - observed) / sd over the fitted figures (held-out figures and
    the state columns that follow them are not compared)."""
    fitted = np.array([j for j, s in enumerate(summaries) if not s.holdout], dtype=np.intp)
    obs = np.array([summaries[j].value for j in fitted])
    sd = np.array([summaries[j].sd for j in fitted])

    def d(x: np.ndarray) -> np.ndarray:
        z = (x[:, fitted] - obs) / sd
        return np.sqrt(np.mean(z * z, axis=1))
    return d
