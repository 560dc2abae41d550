"""The report's optional sections, each read from the results another command wrote.

Each ``*_section`` function returns plain data for the template, or ``None`` when the section has
nothing to show; a file that is given but cannot be read gives ``{"error": ...}`` (the report says
so and goes on), because a report should not fail for one damaged extra. The file formats read
here are written by other commands (``innovsim compare``'s ``sim.goals.compare``, ``innovsim
analyze``, the discovery and optimisation analyses); keys they may lack are treated as absent.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np

from .context import INPUTS, Run, load_run


def _float(x) -> float | None:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def _error(path, exc) -> dict:
    return {"error": {"file": str(path), "why": str(exc).splitlines()[0] if str(exc) else type(exc).__name__}}


# ---- compare -------------------------------------------------------------------------------------

def compare_section(run: Run, other_dir) -> dict:
    """This run (B) against the run in ``other_dir`` (A): ``sim.goals.compare`` on both results,
    paired by replicate when both share seed and replicates (common random numbers)."""
    from ..goals import compare, evaluate

    other = load_run(other_dir)
    goals = {gid: g for gid, g in run.goals.items() if int(g.year) in set(other.results.years.tolist())}
    odds_a = evaluate(goals, other.results, other.scenario.horizon.base_year)
    odds_b = evaluate(goals, run.results, run.scenario.horizon.base_year)
    cmp = compare(odds_a, odds_b, other.results, run.results, goals)
    rows = [{"id": gid, "diff": d} for gid, d in cmp.goals.items()]
    joint = [{"year": year, "diff": d} for year, d in sorted(cmp.joint.items())]
    return {"other": other.name, "this": run.name, "paired": cmp.paired, "rows": rows, "joint": joint}


# ---- sweep -----------------------------------------------------------------------------------------

def sweep_section(sweep_dir) -> dict:
    """Odds per 100m CNY by lever: ``SDIR/analysis/marginal.csv`` of ``innovsim analyze`` when it
    is there, else the analysis run now (``sim.sweep.analyze.analyze_sweep``); budget factors only."""
    import pandas as pd

    folder = Path(sweep_dir)
    table = folder / "analysis" / "marginal.csv"
    if table.is_file():
        try:
            marginal = pd.read_csv(table)
        except (OSError, ValueError) as exc:
            return _error(table, exc)
        name = folder.name
    else:
        from ..sweep.analyze import analyze_sweep

        analysis = analyze_sweep(folder)
        marginal, name = analysis.marginal, analysis.name
    if "budget" in marginal:
        marginal = marginal[marginal["budget"].astype(str).str.lower().isin(["true", "1"])]
    rows = [{"goal": str(r["goal"]), "factor": str(r["factor"]), "pp": _float(r.get("pp_per_100m")),
             "low": _float(r.get("ci_low")), "high": _float(r.get("ci_high"))} for _, r in marginal.iterrows()]
    return {"name": name, "rows": rows}


# ---- discovery and optimisation --------------------------------------------------------------------

def _read_json(path: Path):
    return json.loads(path.read_text(encoding="utf-8"))


def discover_section(discover_dir) -> dict | None:
    """The scenario-discovery boxes of ``DDIR/discovery.json`` (missing keys are left empty)."""
    path = Path(discover_dir) / "discovery.json"
    try:
        doc = _read_json(path)
    except (OSError, ValueError) as exc:
        return _error(path, exc)
    boxes = []
    for box in (doc.get("boxes") or []) if isinstance(doc, dict) else []:
        if not isinstance(box, dict):
            continue
        restrictions = [r for r in (box.get("restrictions") or []) if isinstance(r, dict)]
        boxes.append({"goal": str(box.get("goal", "")), "year": box.get("year", ""),
                      "coverage": _float(box.get("coverage")), "density": _float(box.get("density")),
                      "summary_en": box.get("summary_en", ""), "summary_zh": box.get("summary_zh", ""),
                      "restrictions": [{"input": str(r.get("input", "")), "low": _float(r.get("low")),
                                        "high": _float(r.get("high")), "words_en": r.get("words_en", ""),
                                        "words_zh": r.get("words_zh", "")} for r in restrictions]})
    return {"boxes": boxes}


def optimise_section(optimise_dir) -> dict | None:
    """The recommended mix and the frontier of ``ODIR/optimisation.json`` (costs in m CNY)."""
    path = Path(optimise_dir) / "optimisation.json"
    try:
        doc = _read_json(path)
    except (OSError, ValueError) as exc:
        return _error(path, exc)
    doc = doc if isinstance(doc, dict) else {}
    rec = doc.get("recommended") if isinstance(doc.get("recommended"), dict) else {}
    cost = _float(rec.get("cost_cny"))
    odds = [o for o in (rec.get("odds") or []) if isinstance(o, dict)]
    recommended = {
        "levers": {str(k): v for k, v in (rec.get("levers") or {}).items()} if isinstance(rec.get("levers"), dict)
        else {},
        "cost_m": cost / 1e6 if cost is not None else None,
        "odds": [{"constraint": str(o.get("constraint", "")), "estimate": _float(o.get("estimate")),
                  "lower95": _float(o.get("lower95"))} for o in odds]}
    frontier = []
    for p in doc.get("frontier") or []:
        if isinstance(p, dict) and _float(p.get("cost_cny")) is not None and _float(p.get("odds")) is not None:
            frontier.append({"cost_m": _float(p["cost_cny"]) / 1e6, "odds": _float(p["odds"]),
                             "lower95": _float(p.get("lower95"))})
    first = recommended["odds"][0]["estimate"] if recommended["odds"] else None
    return {"recommended": recommended, "frontier": frontier, "marker": {"cost_m": recommended["cost_m"],
                                                                         "odds": first}}


# ---- switching values ---------------------------------------------------------------------------

def switching_section(run: Run, threshold: float) -> dict | None:
    """Switching values from ``DIR/inputs.parquet`` (None when the run has no such table)."""
    import pandas as pd

    from ..goals import goal_outcomes
    from .switching import switching_values

    path = run.folder / INPUTS
    if not path.is_file():
        return None
    try:
        import sklearn  # noqa: F401  (the logistic fits)
    except ImportError:
        return {"no_sklearn": True}
    try:
        inputs = pd.read_parquet(path)
    except (OSError, ValueError) as exc:
        return _error(path, exc)
    if "replicate" not in inputs.columns:
        return _error(path, ValueError("no 'replicate' column"))
    outcomes = goal_outcomes(run.goals, run.results)
    reps = run.results.replicates
    found = switching_values({gid: (reps, y) for gid, y in outcomes.items()}, inputs, threshold)
    flat = {gid for gid, y in outcomes.items() if y.all() or not y.any()}
    return {"threshold": threshold, "runs": int(reps.size), "goals": found, "flat": flat}


# ---- what the odds hang on ------------------------------------------------------------------------

def hang_on_section(goal_ids, k: int = 3) -> dict | None:
    """Per goal the top ``k`` assumptions of ``sim.screening.shipped.top_assumptions`` (None when
    that module is not installed or knows no goal)."""
    try:
        from ..screening.shipped import top_assumptions
    except ImportError:
        return None
    out = {}
    for gid in goal_ids:
        try:
            rows = top_assumptions(gid, k=k) or []
        except (KeyError, ValueError, LookupError, OSError):
            rows = []
        clean = [{"parameter": str(r.get("parameter", "")), "effect_pp": _float(r.get("effect_pp")),
                  "low_pp": _float(r.get("low_pp")), "high_pp": _float(r.get("high_pp"))}
                 for r in rows if isinstance(r, dict)]
        if clean:
            out[gid] = clean[:k]
    return out or None


# ---- calibration fit ----------------------------------------------------------------------------

def calibration_section(run: Run) -> dict | None:
    """Observed figures against the posterior predictive bands (``predictive.csv`` beside the
    scenario's posterior file); None when the scenario draws from no posterior."""
    import pandas as pd

    post = run.scenario.posterior
    path = run.scenario.posterior_file
    if post is None or not getattr(post, "enabled", True) or path is None:
        return None
    table = Path(path).parent / "predictive.csv"
    if not table.is_file():
        return None
    try:
        df = pd.read_csv(table)
    except (OSError, ValueError) as exc:
        return _error(table, exc)
    rows = []
    for _, r in df.iterrows():
        covered = r.get("covered")
        rows.append({"series": str(r.get("series", "")), "year": r.get("year", ""),
                     "statistic": str(r.get("statistic", "")), "observed": _float(r.get("observed")),
                     "p5": _float(r.get("p5")), "median": _float(r.get("median")), "p95": _float(r.get("p95")),
                     "covered": None if covered is None or (isinstance(covered, float) and np.isnan(covered))
                     else str(covered).lower() in ("true", "1"),
                     "event": "" if pd.isna(r.get("event")) else str(r.get("event"))})
    return {"path": str(Path(path).parent.name), "rows": rows,
            "covered": sum(1 for r in rows if r["covered"]), "n": len(rows)}
