"""Everything the report says about one run, read from its results folder.

:func:`load_run` reads ``DIR/summary.json``, ``DIR/scenario.json`` and ``DIR/indicators.parquet``
(what ``innovsim run --out DIR`` writes) into a :class:`Run`; :func:`goal_rows`, :func:`joint_rows`
and :func:`lever_rows` turn it into plain dicts for the templates, numbers not yet formatted.
Nothing here depends on the language: the catalogue does the words.

Read defensively: summary.json may carry more keys than this version knows (for example what
is observed of a goal whose year has come), and a key it lacks leaves its column empty.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

import numpy as np

from ..errors import UserError
from .likelihood import likelihood_key

SUMMARY, SCENARIO, INDICATORS, INPUTS = "summary.json", "scenario.json", "indicators.parquet", "inputs.parquet"
CALIBRATED = " (calibrated)"
FAN_QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)


@dataclass
class Run:
    """One run's results folder, read."""

    folder: Path
    summary: dict
    scenario: object                 # sim.scenario.schema.Scenario
    scenario_text: str               # scenario.json as written, embedded in the audit appendix
    results: object                  # sim.results.Results
    goals: dict = field(default_factory=dict)

    @property
    def name(self) -> str:
        return str(self.summary.get("scenario", self.scenario.meta.name))

    @property
    def runs(self) -> int:
        return int(self.summary.get("runs", self.results.n_runs))

    @property
    def seed(self) -> int:
        return int(self.summary.get("seed", self.results.seed))

    @property
    def scenario_hash(self) -> str:
        return hashlib.sha256(self.scenario_text.encode("utf-8")).hexdigest()

    @property
    def estimates(self) -> list[str]:
        return [str(e) for e in self.summary.get("estimates", self.results.estimates)]


def _need(folder: Path, name: str) -> Path:
    path = folder / name
    if not path.is_file():
        where = "the folder does not exist" if not folder.is_dir() else f"it has no {name}"
        raise UserError(f"'{folder}' is not a finished run's results folder ({where}). Give the --out folder "
                        f"of a finished 'innovsim run' (it holds {SUMMARY}, {SCENARIO} and {INDICATORS}).")
    return path


def load_run(folder) -> Run:
    """Read a run's results folder.

    Raises
    ------
    UserError
        If a file is missing or cannot be read, naming the file.
    """
    from ..results import read_indicators

    folder = Path(folder)
    paths = {n: _need(folder, n) for n in (SUMMARY, SCENARIO, INDICATORS)}
    try:
        summary = json.loads(paths[SUMMARY].read_text(encoding="utf-8"))
        scenario_text = paths[SCENARIO].read_text(encoding="utf-8")
        scenario = read_scenario(json.loads(scenario_text))
        results = read_indicators(paths[INDICATORS])
    except (OSError, ValueError, KeyError) as exc:
        raise UserError(f"The results in '{folder}' cannot be read ({str(exc).splitlines()[0]}); the folder may "
                        "be damaged or from another version. Run the scenario again into a new folder.") from None
    if not isinstance(summary, dict):
        raise UserError(f"'{paths[SUMMARY]}' is not a run summary (expected a JSON object).")
    return Run(folder, summary, scenario, scenario_text, results, dict(scenario.goals))


def read_scenario(doc: dict):
    """The resolved scenario of scenario.json; for a run of an older version, whose scenario no
    longer validates as a whole (a parameter added since), the parts the report needs, each
    validated on its own: meta, horizon, budget, levers, goals, posterior."""
    from pydantic import ValidationError

    from ..scenario import schema

    try:
        return schema.Scenario.model_validate(doc)
    except ValidationError:
        pass
    try:
        parts = {"meta": schema.Meta.model_validate(doc.get("meta", {})),
                 "horizon": schema.Horizon.model_validate(doc.get("horizon", {})),
                 "budget": schema.Budget.model_validate(doc.get("budget", {})),
                 "goals": {k: schema.Goal.model_validate(v) for k, v in doc.get("goals", {}).items()}}
    except ValidationError as exc:
        raise ValueError(f"scenario.json: {exc.errors()[0].get('msg', exc)}") from None
    try:
        parts["levers"] = schema.Levers.model_validate(doc.get("levers") or {})
    except ValidationError:
        parts["levers"] = schema.Levers()
    post = doc.get("posterior")
    try:
        parts["posterior"] = schema.PosteriorRef.model_validate(post) if post else None
    except ValidationError:
        parts["posterior"] = None
    enabled = parts["posterior"] is not None and parts["posterior"].enabled
    return SimpleNamespace(**parts, posterior_file=parts["posterior"].file if enabled else None, loose=True)


# ---- rows for the templates -------------------------------------------------------------------

def _float(x) -> float | None:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def median_first_year(reached_by_year: dict) -> int | None:
    """The first year by which at least half the runs have reached the goal (None: not by the end)."""
    for year, share in sorted(((int(y), _float(s)) for y, s in reached_by_year.items())):
        if share is not None and share >= 0.5:
            return year
    return None


def indicator_spread(results, cond, year: int) -> dict:
    """5%, median and 95% of a condition's indicator (and of a moving threshold) in ``year``."""
    col = results.year_index(year)
    out = {}
    for key, name in (("value", cond.indicator), ("series", getattr(cond.threshold, "series", None))):
        if name is None:
            continue
        v = results.indicator(name)[:, col]
        v = v[~np.isnan(v)]
        out[key] = [float(q) for q in np.quantile(v, (0.05, 0.5, 0.95))] if v.size else [math.nan] * 3
    return out


def observed_part(entry: dict) -> dict:
    """What summary.json says is observed and what is still estimated of a goal, if anything.

    Accepts a few shapes (the lead adds these keys): ``observed`` as a value or a dict,
    ``observed_value``, ``status``, ``estimated``/``still_estimated``. Returns {} when there is none.
    """
    out = {}
    for key in ("observed", "observed_value", "observed_year", "observed_source", "status"):
        if key in entry and entry[key] not in (None, "", {}, []):
            out[key] = entry[key]
    for key in ("estimated", "still_estimated"):
        if key in entry and entry[key] not in (None, "", {}, []):
            out["still_estimated"] = entry[key]
    return out


def record_part(record: dict) -> dict:
    """What the run's ``record`` (``sim.record.goal_record``, in summary.json) says of one goal:
    the observed figures of its indicators in one line and what is still estimated; {} for a goal
    whose year has not come."""
    from ..record import grouped_text

    if not record or not record.get("year_has_come"):
        return {}
    observed = grouped_text(record.get("observed", []))
    return {**({"observed": observed} if observed else {}), "still_estimated": record.get("estimated", "")}


def goal_rows(run: Run, as_of_year: int) -> list[dict]:
    """One dict per goal, in the scenario's order: names, year, target, odds, interval, the
    likelihood word's key, the median first year, the indicator's spread in the goal year,
    whether the goal's year has come and what the summary says is observed."""
    from ..goals import condition_text, goal_target_text

    rows = []
    for gid, goal in run.goals.items():
        entry = run.summary.get("goals", {}).get(gid, {})
        p = _float(entry.get("probability"))
        conds = [{"indicator": c.indicator, "target": condition_text(c),
                  **indicator_spread(run.results, c, goal.year)} for c in goal.all_conditions()]
        rows.append({
            "id": gid, "name": goal.name, "name_zh": goal.name_zh, "year": int(goal.year),
            "target": goal_target_text(goal), "probability": p,
            "ci_low": _float(entry.get("ci_low")), "ci_high": _float(entry.get("ci_high")),
            "likelihood": likelihood_key(p), "first_year": median_first_year(entry.get("reached_by_year", {})),
            "conditions": conds, "due": int(goal.year) <= as_of_year,
            "observed": observed_part(entry) or record_part(run.summary.get("record", {}).get(gid, {})),
        })
    return rows


def joint_rows(run: Run) -> list[dict]:
    """One dict per goal year: the year, its goals and the joint odds with their interval."""
    rows = []
    for key, entry in sorted(run.summary.items()):
        if not (key.startswith("joint_") and key[6:].isdigit() and isinstance(entry, dict)):
            continue
        p = _float(entry.get("probability"))
        rows.append({"year": int(key[6:]), "goals": list(entry.get("goals", [])), "probability": p,
                     "ci_low": _float(entry.get("ci_low")), "ci_high": _float(entry.get("ci_high")),
                     "likelihood": likelihood_key(p)})
    return rows


def lever_rows(scenario) -> list[dict]:
    """One dict per active lever: names, full annual budget, years, ramp, and the total it spends
    over the forecast years (base year + 1 to the end year), all in CNY."""
    first, last = scenario.horizon.base_year + 1, scenario.horizon.end_year
    rows = []
    for key, lv in scenario.levers.active().items():
        rows.append({"id": key, "name": lv.name, "name_zh": lv.name_zh, "annual": lv.annual_budget_cny,
                     "start": lv.start_year, "end": lv.end_year, "ramp": lv.ramp_years,
                     "total": sum(lv.budget_in(y) for y in range(first, last + 1))})
    return rows


def split_estimates(estimates: list[str]) -> tuple[list[str], list[str]]:
    """(estimated from priors, calibrated from the posterior): the '(calibrated)' mark splits them."""
    calibrated = [e[: -len(CALIBRATED)] for e in estimates if e.endswith(CALIBRATED)]
    return [e for e in estimates if not e.endswith(CALIBRATED)], calibrated
