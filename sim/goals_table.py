"""``goals.csv``: the odds of a run as a flat table, one row per goal, beside ``summary.json``.

``summary.json`` keys the goals by their id, which suits a program but gives a table reader
(DuckDB's ``read_json_auto``, a spreadsheet) one very wide row. ``goals.csv`` holds the same
numbers (rounded as in ``summary.json``: 6 significant digits) in long format: one row per goal,
then one per goal year for all that year's goals together. UTF-8, comma-separated, a header row,
an empty field where there is no value; read it with ``pandas.read_csv``, DuckDB's
``read_csv('DIR/goals.csv')`` (or ``'results/*/goals.csv'`` to stack several runs: every row
names its scenario and seed) or a spreadsheet.

Columns, in this order:

===================  ======================================================================
column               meaning
===================  ======================================================================
``scenario``         the scenario's name (``meta.name``)
``seed``             the master seed of the run
``engine``           ``core`` or ``mesa``
``runs``             replicates the odds are estimated from
``kind``             ``goal``, or ``joint`` for all goals of one year together
``goal``             the goal's id (``hte_250``), or ``joint_<year>``
``name``             the goal's name in English
``name_zh``          the goal's name in Chinese
``year``             the goal year, in which the goal is judged
``indicator``        the indicator judged (``sim.indicators``); several joined by ``;`` when a goal
                     has several conditions; empty for a joint row
``unit``             the unit of the (first) indicator (``sim.indicators.INDICATORS``)
``target``           the condition in words (``>= 250``), or the goals of a joint row
``probability``      the estimated odds of reaching the goal in its year (a Monte Carlo
                     estimate from ``runs`` replicates, not a certainty)
``ci_low``           lower end of its 95% Wilson interval
``ci_high``          upper end of its 95% Wilson interval
``se``               its Monte Carlo standard error
``successes``        replicates in which the goal was reached
``median``           median of the (first) indicator in the goal year over the replicates
``p10``, ``p90``     its 10% and 90% quantiles
===================  ======================================================================
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from .indicators import INDICATORS

FILE = "goals.csv"
COLUMNS = ("scenario", "seed", "engine", "runs", "kind", "goal", "name", "name_zh", "year", "indicator", "unit",
           "target", "probability", "ci_low", "ci_high", "se", "successes", "median", "p10", "p90")


def goal_rows(odds, engine: str = "core") -> list[dict]:
    """The rows of goals.csv for ``odds`` (a ``sim.goals.Odds``), from its summary.json layout."""
    doc = odds.to_dict()                       # rounded exactly as summary.json is
    run = {"scenario": doc["scenario"], "seed": doc["seed"], "engine": engine, "runs": doc["runs"]}
    rows = []
    for gid, g in doc["goals"].items():
        conditions = g.get("conditions") or [{"indicator": g["indicator"], "target": g["target"]}]
        rows.append({**run, "kind": "goal", "goal": gid, "name": g["name"], "name_zh": g["name_zh"],
                     "year": g["year"], "indicator": ";".join(c["indicator"] for c in conditions),
                     "unit": INDICATORS.get(g["indicator"], ("",))[0], "target": g["target"],
                     **{k: g[k] for k in ("probability", "ci_low", "ci_high", "se", "successes",
                                          "median", "p10", "p90")}})
    for year in sorted(odds.joint):
        j = doc[f"joint_{year}"]
        rows.append({**run, "kind": "joint", "goal": f"joint_{year}", "name": f"all {year} goals together",
                     "name_zh": f"{year}年全部目标同时实现", "year": year, "indicator": "", "unit": "",
                     "target": "all of: " + "; ".join(j["goals"]),
                     **{k: j[k] for k in ("probability", "ci_low", "ci_high", "se", "successes")}})
    return rows


def goals_csv(odds, engine: str = "core") -> str:
    """The text of goals.csv (missing values as empty fields)."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=COLUMNS, restval="", lineterminator="\n")
    writer.writeheader()
    for row in goal_rows(odds, engine):
        writer.writerow({k: "" if v is None else v for k, v in row.items()})
    return buf.getvalue()


def write_goals_csv(odds, path, engine: str = "core") -> Path:
    """Write goals.csv atomically; returns the path."""
    from .execution.files import atomic_write

    return atomic_write(Path(path), goals_csv(odds, engine))
