"""The planner's report (``report.md``): what was swept, the odds at the baseline, which lever buys
the most odds per yuan for each goal, the Sobol' indices and the caveats.

Each ``_section`` function returns the Markdown lines of one part; ``render_report`` joins them.
"""

from __future__ import annotations

import numpy as np

from . import MILLION

MAX_ERROR_CHARS = 200
DESIGNS = {"grid": "full grid", "lhs": "Latin hypercube", "sobol": "Sobol'/Saltelli"}


def short_error(text: str, limit: int = MAX_ERROR_CHARS) -> str:
    """A point's error on one line, cut to ``limit`` characters: a table cell, not a traceback."""
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _pct(p) -> str:
    return "n/a" if p is None or not np.isfinite(p) else f"{100 * p:.1f}%"


def _pp(v) -> str:
    if v is None or not np.isfinite(v):
        return "n/a"
    return "0.0" if abs(v) < 0.05 else f"{v:+.1f}"


def _ix(v) -> str:
    return "n/a" if v is None or not np.isfinite(v) else f"{v:.2f}"


def _num(f: dict, v: float) -> str:
    return f"{v / MILLION:,.1f}m CNY" if f.get("budget") else f"{v:g}"


def goal_sentence(analysis, goal: str) -> str:
    """Which lever buys the most odds per yuan for one goal, in one or two plain sentences.

    Parameters
    ----------
    analysis : Analysis
        What ``analyze_sweep`` found: the marginal odds, the spreads and the finished points read.
    goal : str
        The goal to answer.

    Returns
    -------
    str
        The best lever by marginal odds per 100m CNY a year, whether its interval excludes zero,
        whether it is clearly ahead of the next, and any lever that lowers the odds at the margin;
        or why there is no ranking (a flat goal, no budget swept, too few points).
    """
    m = analysis.marginal[(analysis.marginal["goal"] == goal) & analysis.marginal["budget"]]
    if analysis.spread[goal] == 0:
        return (f"No lever moves this goal within the swept ranges: its odds were "
                f"{_pct(float(analysis.wide[goal].iloc[0]))} at every finished point.")
    if m.empty:
        return "No lever budget was swept, so there is no odds-per-yuan ranking for this goal."
    if analysis.surface == "none" or not np.isfinite(m["pp_per_100m"]).all():
        return "Too few finished points to estimate the odds per yuan for this goal."
    m = m.sort_values("pp_per_100m", ascending=False)
    best = m.iloc[0]
    head = (f"**{best['factor']}** with {_pp(best['pp_per_100m'])} percentage points per 100m CNY a year "
            f"(95% CI {_pp(best['ci_low'])} to {_pp(best['ci_high'])})")
    if best["ci_low"] <= 0:
        text = (f"No lever measurably raises these odds at the baseline: every lever's interval includes zero or "
                f"lies below it (largest estimate: {head}).")
    else:
        text = f"The lever that buys the most odds per yuan is {head}." + _runner_up(best, m)
    lowering = m[m["ci_high"] < 0]
    if len(lowering):
        text += " Lowering the odds at the margin: " + ", ".join(
            f"{r.factor} ({_pp(r.pp_per_100m)})" for r in lowering.itertuples()) + "."
    return text


def _runner_up(best, ranked) -> str:
    """Whether the best lever is clearly ahead of the second (their intervals do not overlap)."""
    if len(ranked) < 2:
        return ""
    second = ranked.iloc[1]
    if best["ci_low"] <= second["ci_high"]:
        return (f" Its interval overlaps that of {second['factor']} ({_pp(second['pp_per_100m'])}, CI "
                f"{_pp(second['ci_low'])} to {_pp(second['ci_high'])}), so the ranking between them is uncertain.")
    return f" It is clearly ahead of the next, {second['factor']} ({_pp(second['pp_per_100m'])})."


def _swept_section(a) -> list[str]:
    """The design, how much of it finished, and the factors' ranges."""
    data = a.data
    kind_text = DESIGNS[data.kind] + (f" (N = {data.n_base} base points, N x (factors + 2))"
                                      if data.kind == "sobol" else "")
    out = ["## What was swept", ""]
    out += [f"- Design: {kind_text}; {a.points_total} points planned, {a.replicates} replicates per point "
            f"(the same random numbers at every point)."]
    status = f"- Finished: **{a.points_ok} of {a.points_total} points**"
    if len(a.failed):
        status += f"; {len(a.failed)} failed"
    if a.points_pending:
        status += (f"; {a.points_pending} not run yet. The sweep is incomplete: every figure below uses the finished "
                   f"points only")
    out += [status + ".", ""]
    out += ["| factor | scenario field | low | high | baseline |", "|---|---|---|---|---|"]
    for f in a.factors:
        out.append(f"| {f['name']} | `{f['path']}` | {_num(f, f['low'])} | {_num(f, f['high'])} | "
                   f"{_num(f, f['baseline'])} |")
    return out + [""]


def _failed_section(a) -> list[str]:
    """The failed points, their factor values and errors (none: no lines)."""
    if not len(a.failed):
        return []
    names = a.data.factor_names
    out = ["**Failed points** (left out of the analysis; a rerun of the sweep tries them again):", "",
           "| point | " + " | ".join(names) + " | error |", "|---|" + "---|" * len(names) + "---|"]
    by_name = {f["name"]: f for f in a.factors}
    for r in a.failed.itertuples(index=False):
        vals = [_num(by_name[nm], getattr(r, nm)) for nm in names]
        out.append(f"| {r.point} | " + " | ".join(vals) + f" | {short_error(r.error).replace('|', '/')} |")
    return out + [""]


def _baseline_section(a) -> list[str]:
    """The fitted odds at the baseline levers, beside the nearest finished point's."""
    base = a.baseline.set_index("goal")
    near_d = float(base["nearest_distance"].iloc[0]) if len(base) else np.nan
    out = ["## Odds at the baseline", ""]
    out += [f"Estimated from the response surface at the baseline levers ({a.surface} fit; 95% interval: the wider "
            f"of a bootstrap over points and the Monte Carlo interval of one point's {a.replicates} replicates, "
            f"which every point shares); "
            f"the nearest finished point (#{int(base['nearest_point'].iloc[0])}, every factor within "
            f"{100 * near_d:.0f}% of its range of the baseline) shown for comparison.", "",
            "| goal | year | odds at baseline (fit) | 95% CI | nearest point |", "|---|---|---|---|---|"]
    for g in a.goals:
        r = base.loc[g]
        info = a.goal_info[g]
        out.append(f"| {info['name']} (`{g}`) | {info['year'] or ''} | {_pct(r['probability'])} | "
                   f"{_pct(r['ci_low'])} to {_pct(r['ci_high'])} | {_pct(r['nearest_probability'])} |")
    return out + [""]


def _levers_section(a) -> list[str]:
    """For each goal the levers move, in the report's order: the answer and its lever table."""
    out = ["## Which lever buys the most odds per yuan", "",
           "Marginal odds: the change in a goal's odds, in percentage points (pp), for 100m CNY a year more "
           "spent on one lever at the baseline budgets (the slope of a least-squares "
           f"{a.surface} response surface fitted over all finished points; 95% intervals from a bootstrap over "
           "points). The low-to-high column is the response curve's average odds in the lowest and highest "
           "bin (or level) of the lever, averaging over the other levers; the response curves' bands in the plots "
           "and `response.csv` include the binomial noise of one point's replicates, which every point shares "
           "(common random numbers), so they show how well the *level* of the odds is known, not how well the "
           "differences between spends are known (that is the marginal odds' interval).", ""]
    for g in a.goals:
        if g not in a.flat:
            out += _goal_section(a, g)
    return out + _flat_section(a)


def _goal_section(a, g: str) -> list[str]:
    """One goal's answer (``goal_sentence``) and its marginal odds and low-to-high odds per lever."""
    info = a.goal_info[g]
    title = info["name"] + (f" / {info['name_zh']}" if info.get("name_zh") else "")
    out = [f"### {title} (`{g}`{', ' + str(info['year']) if info['year'] else ''})", "", goal_sentence(a, g), ""]
    out += ["| lever | pp per | marginal odds (pp) | 95% CI | odds low -> high spend |", "|---|---|---|---|---|"]
    for r in a.marginal[a.marginal["goal"] == g].itertuples(index=False):
        resp = a.response[(a.response["goal"] == g) & (a.response["factor"] == r.factor)].sort_values("value")
        span = (f"{_pct(resp['probability'].iloc[0])} -> {_pct(resp['probability'].iloc[-1])}"
                if len(resp) else "n/a")
        out.append(f"| {r.factor} | {r.per} | {_pp(r.pp_per_100m)} | {_pp(r.ci_low)} to {_pp(r.ci_high)} | "
                   f"{span} |")
    return out + [""]


def _flat_section(a) -> list[str]:
    """The goals no lever moves, with their one value of the odds (none: no lines)."""
    if not a.flat:
        return []
    return ["### Goals no lever moves", "",
            "Within the swept ranges these goals had the same odds at every finished point, so no lever "
            "buys any odds for them: " + "; ".join(
                f"{a.goal_info[g]['name']} (`{g}`) {_pct(a.wide[g].iloc[0])}" for g in a.flat) + ".", ""]


def _sobol_section(a) -> list[str]:
    """The Sobol' indices table, or why there is none (only for Sobol' designs)."""
    if a.data.kind != "sobol":
        return []
    out = ["## Sobol' indices", ""]
    if a.sobol is None:
        out += ["No Sobol' indices (see the notes)." if not a.sobol_skipped else
                "No goal's odds vary over the points, so there are no Sobol' indices.", ""]
    else:
        out += [f"Share of the variance of each goal's odds over the swept ranges due to each lever alone "
                f"(S1) and with its interactions (ST), from N = {a.sobol_n} base rows; 95% bootstrap "
                f"intervals. With few points these intervals are wide.", "",
                "| goal | lever | S1 | S1 95% CI | ST | ST 95% CI |", "|---|---|---|---|---|---|"]
        for r in a.sobol.itertuples(index=False):
            out.append(f"| `{r.goal}` | {r.factor} | {_ix(r.S1)} | {_ix(r.S1_low)} to {_ix(r.S1_high)} | "
                       f"{_ix(r.ST)} | {_ix(r.ST_low)} to {_ix(r.ST_high)} |")
        out.append("")
    if a.sobol_skipped:
        out += ["Skipped (the same odds at every point used): " + ", ".join(f"`{g}`" for g in a.sobol_skipped)
                + ".", ""]
    return out


def render_report(analysis) -> str:
    """The planner's report, in Markdown.

    Parameters
    ----------
    analysis : Analysis
        What ``analyze_sweep`` found.

    Returns
    -------
    str
        ``report.md``: a model-estimates caveat, what was swept (and failed), the odds at the
        baseline, the answer per goal, the Sobol' indices, the notes and the files written.
    """
    a = analysis
    out = [f"# Lever sweep analysis: {a.name}", ""]
    out += [f"All figures are **model estimates** from the agent-based simulator of Hechuan District's innovation "
            f"plan, base scenario **{a.base_scenario or '(unnamed)'}**"
            + (f" (`{a.base_file}`)" if a.base_file else "")
            + ", not forecasts: they say how the odds of the plan's goals respond to the levers *in the model*.", ""]
    out += _swept_section(a) + _failed_section(a) + _baseline_section(a) + _levers_section(a) + _sobol_section(a)
    if a.notes:
        out += ["## Notes", ""] + [f"- {n}" for n in a.notes] + [""]
    out += ["Files: `response.csv` (response curves), `marginal.csv` (odds per 100m CNY), `baseline.csv`, "
            + ("`sobol.csv`, " if a.sobol is not None else "") + "one PNG per goal (`plot_<goal>.png`).", ""]
    return "\n".join(out)
