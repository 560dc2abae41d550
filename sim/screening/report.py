"""A screening's outputs: ``ranking.csv``, a tornado chart per goal, ``report.md`` and
``screening.json``.

``ranking.csv`` (one row per goal, year, parameter and method; tidy):

- goal, year: the goal (or ``joint_<year>``: all goals of that year) and its year;
- parameter: the dotted name (``uncertainties.rd_learning``, ``levers.fiscal_support.rd_subsidy_rate``);
- effect_pp, low_pp, high_pp: the effect on the goal's odds in percentage points and its 95%
  interval. method ``morris``: mu* across the parameter's whole range (``effects``); method
  ``sobol``: the standard deviation of the odds it accounts for (``refine``);
- rank: 1 is the largest effect on that goal by that method;
- mu_pp (signed: + the odds rise with the parameter), sigma_pp, noise_pp (Morris);
  S1, S1_low, S1_high, ST, ST_low, ST_high (Sobol');
- kind (posterior, distribution, plausible, lever), range_low, range_high, basis: where the range
  it was varied over comes from.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from .effects import morris_effects, paired_noise
from .refine import sobol_table

THRESHOLD_PP = 2.0          # issue 12: a point value that moves a goal by more than this needs a distribution
TORNADO_BARS = 15
KIND_WORDS = {"posterior": "calibrated (posterior)", "distribution": "distribution in the scenario",
              "plausible": "point value, plausible range", "lever": "lever"}
COLUMNS = ["goal", "year", "parameter", "effect_pp", "low_pp", "high_pp", "rank", "method", "mu_pp", "sigma_pp",
           "noise_pp", "S1", "S1_low", "S1_high", "ST", "ST_low", "ST_high", "kind", "range_low", "range_high",
           "basis"]


def ranking(screening, goals: list[str]):
    """The ``ranking.csv`` table of ``goals`` (Morris rows, then Sobol' rows)."""
    import pandas as pd

    space, m = screening.space, screening.morris
    names = [space[c].name for c in m.columns]
    parts = []
    for g in goals:
        met = m.met(g)
        t = morris_effects(names, m.X, 100.0 * met.mean(axis=1), screening.settings.levels,
                           noise=paired_noise(met, m.X, len(names)))
        t.insert(0, "goal", g)
        t["method"] = "morris"
        parts.append(t)
    r = screening.refinement
    if r is not None:
        sub = [space[c].name for c in r.columns]
        t = sobol_table(sub, {g: r.odds_pp(g) for g in goals}, screening.settings.refine_rows)
        if t is not None:
            t["method"] = "sobol"
            parts.append(t)
    table = pd.concat(parts, ignore_index=True)
    table["year"] = table["goal"].map(screening.goals).astype(int)
    info = {f.name: f for f in space}
    table["kind"] = table["parameter"].map(lambda p: info[p].kind)
    table["range_low"] = table["parameter"].map(lambda p: info[p].low)
    table["range_high"] = table["parameter"].map(lambda p: info[p].high)
    table["basis"] = table["parameter"].map(lambda p: info[p].basis)
    for c in COLUMNS:
        if c not in table:
            table[c] = np.nan
    order = {g: i for i, g in enumerate(goals)}
    table = table.assign(_g=table["goal"].map(order), _m=(table["method"] != "morris").astype(int))
    return table.sort_values(["_g", "_m", "rank", "parameter"])[COLUMNS].reset_index(drop=True)


def write_outputs(screening, goals: list[str], out: str | Path) -> list[Path]:
    """Write ranking.csv, tornado_<goal>.png, report.md and screening.json into ``out``."""
    from ..execution.files import atomic_write, make_folder

    out = make_folder(out)
    table = ranking(screening, goals)
    written = [out / "ranking.csv"]
    atomic_write(written[0], table.to_csv(index=False, float_format="%.6g"))
    for g in goals:
        png = tornado(table, screening, g, out)
        if png is not None:
            written.append(png)
    written.append(out / "report.md")
    atomic_write(written[-1], report_text(table, screening, goals))
    written.append(out / "screening.json")
    points, laws = point_values_over_threshold(table)
    over = {"threshold_pp": THRESHOLD_PP, "assumptions": points, "rules_of_law": laws}
    atomic_write(written[-1], json.dumps(summary(screening) | {"point_values_over_threshold": over}, indent=1,
                                         ensure_ascii=False) + "\n")
    return written


def summary(screening) -> dict:
    s = screening
    return {"scenario": s.scenario.meta.name, "settings": s.settings.__dict__, "factors": len(s.space),
            "points": len(s.morris.outcomes) + (len(s.refinement.outcomes) if s.refinement else 0),
            "refined": [s.space[c].name for c in s.refinement.columns] if s.refinement else [],
            "reused": s.reused, "ran": s.ran, "seconds": round(s.seconds, 1),
            "point_seconds": round(s.point_seconds, 1), "space": [f.to_dict() | {"grid": len(f.grid)} for f in s.space]}


def _goal_title(screening, goal: str) -> str:
    g = screening.scenario.goals.get(goal)
    if g is not None:
        return f"{goal}: {g.name} ({g.year})"
    return f"{goal}: every goal of {goal.split('_')[-1]} together"


def tornado(table, screening, goal: str, out: Path) -> Path | None:
    """A horizontal bar per parameter (the largest Morris effects on top) with its interval; None
    if the goal's odds never move."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ..execution.files import atomic_write

    t = table[(table["goal"] == goal) & (table["method"] == "morris")].head(TORNADO_BARS)
    t = t[t["effect_pp"] > 0]
    if t.empty:
        return None
    t = t.iloc[::-1]
    colour = np.where(t["mu_pp"] >= 0.5 * t["effect_pp"], "#2a7ab0",
                      np.where(t["mu_pp"] <= -0.5 * t["effect_pp"], "#c0392b", "#8c8c8c"))
    fig, ax = plt.subplots(figsize=(9, 0.38 * len(t) + 1.8))
    y = np.arange(len(t))
    err = np.vstack([t["effect_pp"] - t["low_pp"], t["high_pp"] - t["effect_pp"]])
    ax.barh(y, t["effect_pp"], color=colour, xerr=err, capsize=3, ecolor="#333333")
    labels = [f"{p.split('.', 1)[1]}  [{KIND_WORDS[k].split(',')[0].split(' (')[0]}]"
              for p, k in zip(t["parameter"], t["kind"])]
    ax.set_yticks(y, labels, fontsize=8)
    ax.axvline(THRESHOLD_PP, color="#555555", linestyle=":", linewidth=1)
    ax.set_xlabel("odds change across the parameter's range, pp (Morris μ*, 95% interval)")
    ax.set_title(_goal_title(screening, goal), fontsize=10)
    from matplotlib.patches import Patch

    ax.legend(handles=[Patch(color="#2a7ab0", label="odds rise with it"), Patch(color="#c0392b",
              label="odds fall with it"), Patch(color="#8c8c8c", label="either way (interactions)")],
              loc="lower right", fontsize=7)
    fig.text(0.01, 0.01, f"Estimates: {screening.settings.trajectories} Morris trajectories, "
             f"{screening.settings.runs} replicates a point; dotted line: {THRESHOLD_PP:g} pp", fontsize=7)
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    import io

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    plt.close(fig)
    path = out / f"tornado_{goal}.png"
    atomic_write(path, buf.getvalue())
    return path


def _range_text(f) -> str:
    lo, hi = (f"{v:,.0f}" if f.integer or abs(v) >= 100 else f"{v:.3g}" for v in (f.low, f.high))
    return f"{lo} to {hi}"


def _goal_section(table, screening, goal: str) -> list[str]:
    info = {f.name: f for f in screening.space}
    odds = screening.morris.odds_pp(goal)
    t = table[(table["goal"] == goal) & (table["method"] == "morris")]
    lines = [f"### {_goal_title(screening, goal)}", ""]
    if np.ptp(odds) == 0:
        lines += [f"The odds are {odds[0]:.0f}% at every design point: no parameter moves them within its range.", ""]
        return lines
    lines += [f"Across the design points the odds run from {odds.min():.0f}% to {odds.max():.0f}% "
              f"(mean {odds.mean():.0f}%). It hangs most on:", ""]
    for row in t.head(3).itertuples():
        f = info[row.parameter]
        direction = ("the odds rise as it rises" if row.mu_pp >= 0.5 * row.effect_pp else
                     "the odds fall as it rises" if row.mu_pp <= -0.5 * row.effect_pp else
                     "in either direction, depending on the other parameters")
        switch = (" (above 100: the odds switch from one end to the other within part of its range, a threshold)"
                  if row.effect_pp > 100 else "")
        lines.append(f"{row.rank}. `{row.parameter}` ({KIND_WORDS[f.kind]}; {f.basis}): across {_range_text(f)} "
                     f"the odds change by about **{row.effect_pp:.1f} pp**{switch} (95% interval {row.low_pp:.1f} to "
                     f"{row.high_pp:.1f}); {direction}.")
    big = t[t["low_pp"] > THRESHOLD_PP]
    points, laws = _big_points(big)
    lines += ["", f"{len(big)} parameters move these odds by more than {THRESHOLD_PP:g} pp (even at the lower end "
              "of their interval)" + (f"; held at a point value in the scenario: {_names(points)}."
                                       if points else "; no assumption among them is held at a point value.")]
    if laws:
        lines.append(f"Rules of law among them, held at their statutory value (their range is a reform, a what-if "
                     f"for a variant, not an uncertainty of today's odds): {_names(laws)}.")
    lines.append("")
    s = table[(table["goal"] == goal) & (table["method"] == "sobol")]
    if not s.empty:
        cells = ", ".join(f"`{r.parameter}` S1 {r.S1:.2f} ({r.S1_low:.2f} to {r.S1_high:.2f}), ST {r.ST:.2f} "
                          f"({r.ST_low:.2f} to {r.ST_high:.2f})" for r in s.itertuples())
        lines += [f"Sobol' refinement (share of the odds' variance over the refined parameters' ranges): {cells}.", ""]
    if (t["effect_pp"] > 0).any():
        lines += [f"![tornado](tornado_{goal}.png)", ""]
    return lines


def _big_points(rows) -> tuple[list[str], list[str]]:
    """The point-valued parameters among the ranking ``rows``: (assumptions, rules of law). A rule
    of law (its plausible basis starts ``law:``) stays at its statutory value: its range is a
    reform, which a variant asks about, not an uncertainty of today's odds."""
    plausible = rows[rows["kind"] == "plausible"]
    law = plausible["basis"].str.startswith("law:")
    return (list(dict.fromkeys(plausible.loc[~law, "parameter"])),
            list(dict.fromkeys(plausible.loc[law, "parameter"])))


def _names(names: list[str]) -> str:
    return ", ".join(f"`{p}`" for p in names)


def point_values_over_threshold(table) -> tuple[list[str], list[str]]:
    """Across every goal of a ranking table (``ranking.csv``): the point-valued assumptions, and the
    rules of law, that move some goal's odds by more than ``THRESHOLD_PP`` at the lower end of their
    interval (issue 12's check: the first list should be empty)."""
    return _big_points(table[(table["method"] == "morris") & (table["low_pp"] > THRESHOLD_PP)])


def report_text(table, screening, goals: list[str]) -> str:
    s, st = screening, screening.settings
    kinds = {k: sum(f.kind == k for f in s.space) for k in ("posterior", "distribution", "plausible", "lever")}
    refined = ", ".join(f"`{s.space[c].name}`" for c in s.refinement.columns) if s.refinement else "none"
    lines = [
        f"# Which assumptions the odds hang on: screening of {s.scenario.meta.name}", "",
        "All figures here are **estimates**: a Morris screening (elementary effects; Morris 1991, Campolongo et al. "
        f"2007) of {len(s.space)} parameters ({kinds['posterior']} calibrated, {kinds['distribution']} with a "
        f"distribution in the scenario, {kinds['plausible']} held at a point value and varied over the plausible "
        f"range of `sim/plausible.py`, {kinds['lever']} lever fields), {st.trajectories} trajectories of "
        f"{len(s.space) + 1} points, {st.runs} replicates a point (seed {st.seed}); a Sobol' refinement of "
        f"{refined} ({st.refine_rows} base rows).", "",
        "How to read it: a parameter's **effect** is how much the goal's odds change, in percentage points, when "
        "the parameter moves across its whole range (5-95% of its distribution, or its plausible range), "
        "averaged over the other parameters' values (Morris μ*, with a 95% bootstrap interval over the "
        "trajectories). The ranking, the charts and every parameter's effect on every goal are in `ranking.csv`; "
        "method and caveats in docs/SCREENING.md.", "",
    ]
    points, laws = point_values_over_threshold(table)
    lines += [f"**Point values.** Assumptions held at a point value that move some goal's odds by more than "
              f"{THRESHOLD_PP:g} pp (at the lower end of their interval): "
              + (f"{len(points)}: {_names(points)}." if points else "none.")
              + (f" Rules of law held at their statutory value that would, if reformed across their range: "
                 f"{_names(laws)}." if laws else ""), ""]
    for g in goals:
        lines += _goal_section(table, s, g)
    points = len(s.morris.outcomes) + (len(s.refinement.outcomes) if s.refinement else 0)
    lines += [f"Screening: {points} design points x {st.runs} replicates (timings in screening.json).", ""]
    return "\n".join(lines)
