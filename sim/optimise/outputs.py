"""What an optimisation writes into DIR.

- ``optimisation.json``: ``{"recommended": {"levers", "cost_cny", "odds": [{"constraint",
  "estimate", "lower95"}], ...}, "frontier": [{"cost_cny", "odds", "lower95", ...}], ...}``, the
  format the report helper reads; then the finalists, every candidate, the history, the
  replicates spent and the settings;
- ``recommended.toml``: the recommended mix as a ready scenario file that ``extends`` the base;
- ``finalists.csv``: every candidate with its replicates, odds, bounds and fate;
- ``frontier.png`` and ``convergence.png`` (``charts.py``); ``report.md`` (``report.py``).

Every file is written atomically. Odds are Monte Carlo estimates from the model, which rests on
estimated inputs; the documents say so.
"""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path

import numpy as np

from ..execution.files import atomic_write
from .search import Outcome, Verified

ESTIMATE_NOTE = ("Odds are Monte Carlo estimates of the model, whose unobserved inputs are themselves estimates "
                 "(see the base scenario); lower bounds are one-sided 95% Clopper-Pearson bounds from fresh-seed "
                 "replicates the search never used.")


def _levers(opt, cand) -> dict:
    return cand.levers(opt.names)


def _odds(opt, v: Verified) -> list[dict]:
    return [{"constraint": name, "goals": list(c.goals), "target": c.probability, "estimate": float(v.estimate[j]),
             "lower95": float(v.lower[j]), "search_estimate": float(v.search_estimate[j])}
            for j, (name, c) in enumerate(zip(opt.constraint_names, opt.spec.constraints))]


def recommended_document(opt, v: Verified) -> dict:
    c = v.entry.cand
    return {"levers": _levers(opt, c), "cost_cny": c.cost.total_cny, "odds": _odds(opt, v),
            "verified": v.passed, "peak_annual_cny": c.cost.peak_cny, "replicates": v.n,
            "paths": dict(c.overrides), "search_replicates": v.entry.n}


def frontier_document(opt, v: Verified) -> dict:
    c = v.entry.cand
    return {"cost_cny": c.cost.total_cny, "odds": float(v.estimate[0]), "lower95": float(v.lower_pointwise[0]),
            "search_odds": float(v.search_estimate[0]), "replicates": v.n, "levers": _levers(opt, c),
            "meets_every_target": v.passed}


def winners_curse(outcome: Outcome) -> dict:
    """Search-time odds minus fresh-seed odds of the verified mixes (first constraint), with
    the standard error of their mean."""
    d = np.array([v.search_estimate[0] - v.estimate[0] for v in outcome.verified])
    if d.size == 0:
        return {"mean": None, "se": None, "per_point": []}
    se = np.sqrt(sum(v.estimate[0] * (1 - v.estimate[0]) / v.n
                     + v.search_estimate[0] * (1 - v.search_estimate[0]) / v.entry.n for v in outcome.verified))
    return {"mean": float(d.mean()), "se": float(se / d.size), "per_point": [float(x) for x in d]}


def entry_row(opt, search_alpha: float, e) -> dict:
    from .stats import lower_bound, upper_bound

    row = {"candidate": e.cand.key, "origin": e.origin, "status": e.status, "cost_cny": e.cand.cost.total_cny,
           "peak_annual_cny": e.cand.cost.peak_cny, "replicates": e.n, **_levers(opt, e.cand)}
    for j, name in enumerate(opt.constraint_names):
        k = int(e.k[j]) if e.k is not None else 0
        row[f"{name}_estimate"] = k / e.n if e.n else None
        row[f"{name}_lower"] = float(lower_bound(k, e.n, search_alpha)) if e.n else None
        row[f"{name}_upper"] = float(upper_bound(k, e.n, search_alpha)) if e.n else None
    return row


def optimisation_document(opt, outcome: Outcome) -> dict:
    s = opt.spec
    rows = [entry_row(opt, outcome.alpha_race, e) for e in sorted(outcome.entries, key=lambda e: e.cost)]
    return {
        "recommended": recommended_document(opt, outcome.recommended) if outcome.recommended else None,
        "frontier": [frontier_document(opt, v) for v in outcome.frontier],
        "winners_curse": winners_curse(outcome),
        "finalists": [e.cand.key for e in outcome.finalists],
        "candidates": rows,
        "history": outcome.history,
        "replicates": {"budget": s.optimise.replicates, "spent": outcome.spent, "search": outcome.search_spent,
                       "verification": outcome.spent - outcome.search_spent},
        "alpha": {"racing_per_test": outcome.alpha_race, "recommended_lower_bounds": outcome.alpha_family,
                  "frontier_lower_bounds": s.search.alpha},
        "mode": s.optimise.mode, "name": s.optimise.name, "base": s.optimise.base,
        "variables": [{"name": n, **v.model_dump()} for n, v in zip(opt.names, s.variables)],
        "baseline_levers": opt.baseline,
        "constraints": [{"name": n, **c.model_dump()} for n, c in zip(opt.constraint_names, s.constraints)],
        "note": ESTIMATE_NOTE,
    }


def state_document(search, stage: str) -> dict:
    """The candidate queue and replicate counts after a stage (for people; resume replays records)."""
    return {"stage": stage, "replicates_spent": search.ev.spent,
            "candidates": [{"candidate": e.cand.key, "origin": e.origin, "replicates": e.n, "status": e.status,
                            "successes": [int(x) for x in e.k] if e.k is not None else None}
                           for e in search.entries],
            "history": search.history}


# ---- the recommended scenario file ---------------------------------------------------------------

def _toml_value(x) -> str:
    if isinstance(x, bool):
        return "true" if x else "false"
    if isinstance(x, int):
        return f"{x:_}" if abs(x) >= 10_000 else str(x)
    if float(x).is_integer() and abs(x) < 1e15:
        return f"{int(x):_}" if abs(x) >= 10_000 else f"{x:.1f}"
    return repr(float(x))


def recommended_toml(opt, v: Verified, out: Path) -> str:
    """A scenario file that ``extends`` the base with the recommended mix's values."""
    base_file = (opt.path.parent / opt.spec.optimise.base).resolve()
    rel = os.path.relpath(base_file, out.resolve())
    c = v.entry.cand
    tables: dict[str, list[str]] = {}
    for path, value in c.overrides.items():
        table, _, leaf = path.rpartition(".")
        tables.setdefault(table, []).append(f"{leaf} = {_toml_value(value)}")
    if c.cost.peak_cny > opt.base.budget.annual_total_cny:
        tables.setdefault("budget", []).append(f"annual_total_cny = {_toml_value(float(np.ceil(c.cost.peak_cny)))}")
    odds = "; ".join(f"P({o['constraint']}) {o['estimate']:.3f} (lower 95% bound {o['lower95']:.3f})"
                     for o in _odds(opt, v))
    lines = [f"# The mix recommended by innovsim optimise ({opt.spec.optimise.name}), from {opt.path}.",
             f"# Cost {c.cost.total_cny / 1e6:,.1f}m CNY over the horizon; fresh-seed estimates: {odds}.",
             f"# {'Verified' if v.passed else 'NOT verified'}: {ESTIMATE_NOTE}",
             f'extends = "{rel}"', "", "[meta]", f'name = "{opt.spec.optimise.name}_recommended"',
             f'description = "The cheapest mix found by innovsim optimise for {opt.spec.optimise.name}"', ""]
    for table, items in tables.items():
        lines += [f"[{table}]", *items, ""]
    return "\n".join(lines)


def finalists_csv(rows: list[dict]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()


def write_outputs(opt, outcome: Outcome, out: str | Path) -> dict:
    """Write every output of ``outcome`` into ``out``; returns the JSON document."""
    from .charts import convergence_chart, frontier_chart
    from .report import report_markdown

    out = Path(out)
    doc = optimisation_document(opt, outcome)
    atomic_write(out / "optimisation.json", json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
    atomic_write(out / "finalists.csv", finalists_csv(doc["candidates"]))
    if outcome.recommended is not None:
        atomic_write(out / "recommended.toml", recommended_toml(opt, outcome.recommended, out))
    frontier_chart(opt, outcome, out / "frontier.png")
    convergence_chart(outcome, out / "convergence.png")
    atomic_write(out / "report.md", report_markdown(opt, outcome, doc))
    return doc
