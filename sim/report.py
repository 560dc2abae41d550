"""Plain-text reports a planner reads on the terminal, and the summary.json file.

:func:`format_table` prints one row per goal (with a continuation row per extra condition of a
multi-condition goal), the joint odds of each goal year, the Monte Carlo precision and the list
of start values that are estimates. Columns are aligned by display width, so Chinese names
(two terminal cells per character) line up with the Latin ones.
"""

from __future__ import annotations

import json
import math
import unicodedata
from pathlib import Path

from .goals import Comparison, ConditionStats, Odds, Proportion

# ---- display width ------------------------------------------------------------------------------


def display_width(text: str) -> int:
    """Terminal cells: 2 for wide/full-width (CJK) characters, 0 for combining marks, else 1."""
    width = 0
    for ch in text:
        if unicodedata.combining(ch):
            continue
        width += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return width


def pad(text: str, width: int, align: str = "<") -> str:
    """Pad ``text`` with spaces to ``width`` display cells (left- or right-aligned)."""
    fill = " " * max(0, width - display_width(text))
    return text + fill if align == "<" else fill + text


def render(header: list[str], rows: list[list[str]], align: str, sep: str = "  ") -> list[str]:
    """Aligned lines: header, a rule, the rows. ``align`` has one '<' or '>' per column."""
    widths = [max(display_width(r[i]) for r in [header, *rows]) for i in range(len(header))]
    line = lambda r: sep.join(pad(c, w, a) for c, w, a in zip(r, widths, align)).rstrip()  # noqa: E731
    rule = sep.join("-" * w for w in widths)
    return [line(header), rule, *(line(r) for r in rows)]


# ---- number formats -----------------------------------------------------------------------------


def _decimals(*xs) -> int:
    """Decimals a planner wants for values of this size: 1,523 / 12.3 / 2.41 / 0.612; integers bare."""
    finite = [float(x) for x in xs if x is not None and math.isfinite(x)]
    if not finite or all(x.is_integer() for x in finite):
        return 0
    big = max(abs(x) for x in finite)
    return 0 if big >= 100 else 1 if big >= 10 else 2 if big >= 1 else 3


def fmt_value(x, decimals: int | None = None) -> str:
    """An indicator value; '–' for a missing one."""
    if x is None or not math.isfinite(x):
        return "–"
    d = _decimals(x) if decimals is None else decimals
    return f"{x:,.{d}f}"


def fmt_band(median, p10, p90) -> str:
    """'262 (231–290)': median with the 10–90% range, at one precision."""
    d = _decimals(median, p10, p90)
    return f"{fmt_value(median, d)} ({fmt_value(p10, d)}–{fmt_value(p90, d)})"


def fmt_pct(p: float) -> str:
    return "–" if p is None or math.isnan(p) else f"{100 * p:.1f}"


def fmt_odds(prop: Proportion) -> str:
    """'63.2% (60.2–66.1)': odds in percent with the 95% interval."""
    return f"{fmt_pct(prop.probability)}% ({fmt_pct(prop.ci_low)}–{fmt_pct(prop.ci_high)})"


def fmt_diff(diff) -> str:
    """'+12.3 pp (+9.8 to +14.8)'."""
    return (f"{100 * diff.difference:+.1f} pp "
            f"({100 * diff.ci_low:+.1f} to {100 * diff.ci_high:+.1f})")


def _band_text(c: ConditionStats) -> str:
    text = fmt_band(c.median, c.p10, c.p90)
    if c.series is not None:
        text += f" vs {fmt_value(c.series_median)}"
    return text


# ---- the odds table -----------------------------------------------------------------------------

#: the widest line of report.txt, in display cells: it prints on A4 and pastes into a memo
MAX_WIDTH = 100
NAME_INDENT = "    "
ODDS_HEADER = ["goal", "year", "target", "median (10–90%)", "odds (95% CI)"]


def wrap(text: str, width: int = MAX_WIDTH, indent: str = "", first: str = "", sep: str = " ") -> list[str]:
    """``first + text`` in lines of at most ``width`` display cells, broken after ``sep`` (and
    anywhere in a run of Chinese characters, which has no spaces); continuation lines start with
    ``indent``."""
    lines: list[str] = []
    line = first
    words = text.split(sep)
    for i, word in enumerate(words):
        piece = word + (sep.rstrip() if i < len(words) - 1 else "")
        candidate = (line + " " + piece) if line.strip() else line + piece
        if display_width(candidate) <= width or not line.strip():
            line = candidate
        else:
            lines.append(line)
            line = indent + piece
        while display_width(line) > width:      # a word longer than a line (Chinese text)
            cut = len(line)
            while display_width(line[:cut]) > width:
                cut -= 1
            lines.append(line[:cut])
            line = indent + line[cut:]
    lines.append(line)
    return lines


def _names_line(name_zh: str, name: str) -> list[str]:
    """'    成功创建国家高新区 · National high-tech zone approved', wrapped to the report's width."""
    text = " · ".join(n for n in (name_zh, name) if n)
    return wrap(text, first=NAME_INDENT, indent=NAME_INDENT + "  ")


def _goal_rows(g) -> list[list[str]]:
    """The goal's row; for several conditions one more row per further condition (the
    indicators are named on the goal's name line, where there is room)."""
    conds = g.conditions
    target = lambda c: c.target if len(conds) == 1 else f"{c.indicator} {c.target}"  # noqa: E731
    rows = [[g.goal_id, str(g.year), conds[0].target if len(conds) == 1 else "(1) " + conds[0].target,
             _band_text(conds[0]), fmt_odds(g.odds)]]
    for i, c in enumerate(conds[1:], start=2):
        rows.append(["", "", f"({i}) {c.target}", _band_text(c), ""])
    rows[0].append([target(c) for c in conds] if len(conds) > 1 else [])
    return rows


def _odds_lines(goals: list) -> list[str]:
    """The aligned odds table with each goal's names (and conditions) on a line below its row."""
    rows = [(g, _goal_rows(g)) for g in goals]
    flat = [r[:5] for _, rs in rows for r in rs]
    widths = [max(display_width(r[i]) for r in [ODDS_HEADER, *flat]) for i in range(5)]
    line = lambda r: "  ".join(pad(c, w, a) for c, w, a in zip(r, widths, "<><>>")).rstrip()  # noqa: E731
    out = [line(ODDS_HEADER), "  ".join("-" * w for w in widths)]
    for g, rs in rows:
        out += [line(r[:5]) for r in rs]
        out += _names_line(g.name_zh, g.name)
        conds = rs[0][5]
        if conds:
            out += wrap(" and ".join(f"({i}) {c}" for i, c in enumerate(conds, start=1)),
                        first=NAME_INDENT, indent=NAME_INDENT + "  ")
    return out


def _joint_lines(odds: Odds) -> list[str]:
    lines = []
    for year, j in sorted(odds.joint.items()):
        n = len(j.goal_ids)
        what = f"all {n} goals of {year} together" if n > 1 else f"the {year} goal ({j.goal_ids[0]})"
        lines.append(f"Joint odds, {what}: {fmt_odds(j.odds)}")
    return lines


def _footer(odds: Odds) -> list[str]:
    lines = [f"Monte Carlo standard error ≤ {100 * odds.max_se():.1f} pp ({odds.runs} runs)"]
    if odds.estimates:
        calibrated = "; \"(calibrated)\": from the calibration's posterior" if any(
            e.endswith("(calibrated)") for e in odds.estimates) else ""
        lines += wrap("Start values marked as estimates are estimates (drawn from distributions, "
                      f"no observed figure{calibrated}):", indent="  ")
        lines += wrap(", ".join(odds.estimates), first="  ", indent="  ", sep=", ")
    else:
        lines.append("Start values marked as estimates: none; all start values are observed figures.")
    return lines


def format_table(odds: Odds, goals: dict | None = None) -> str:
    """The odds table for stdout and report.txt: goals (in ``goals`` order if given), each with
    its names on a line below, joints, precision, estimates; no line wider than MAX_WIDTH cells."""
    order = [gid for gid in (goals or odds.goals) if gid in odds.goals]
    lines = wrap(f"Scenario {odds.scenario}: {odds.runs} runs, seed {odds.seed}; "
                 "odds = share of runs in which the goal holds in its year") + [""]
    lines += _odds_lines([odds.goals[gid] for gid in order])
    series_notes = sorted({c.series for g in odds.goals.values() for c in g.conditions if c.series})
    if series_notes:
        lines += wrap(f"('vs x': the moving threshold's median, {', '.join(series_notes)}, same runs and year)")
    lines.append("")
    lines += _joint_lines(odds)
    lines.append("")
    lines += _footer(odds)
    return "\n".join(lines) + "\n"


def format_levers(scenario) -> str:
    """The policy mix simulated: each lever with its full annual budget, start (and end) year,
    and its Chinese and English names on a line below; then the scenario's budget cap."""
    rows, names = [], []
    for key, lv in scenario.levers.active().items():
        years = f"{lv.start_year}–{lv.end_year}" if lv.end_year else f"from {lv.start_year}"
        ramp = f", {lv.ramp_years}-year ramp" if lv.ramp_years else ""
        rows.append([key, f"{lv.annual_budget_cny / 1e6:,.1f}", years + ramp])
        names.append(_names_line(lv.name_zh, lv.name))
    lines = wrap(f"Levers of scenario {scenario.meta.name} (m CNY a year; cap "
                 f"{scenario.budget.annual_total_cny / 1e6:,.1f}m CNY a year for all levers together):") + [""]
    if not rows:
        return "\n".join(lines + ["(no levers)"]) + "\n"
    table = render(["lever", "budget", "years"], rows, "<><")
    lines += table[:2]
    for row_line, name_lines in zip(table[2:], names):
        lines += [row_line, *name_lines]
    return "\n".join(lines) + "\n"


# ---- comparing two scenarios ------------------------------------------------------------------

COMPARE_HEADER = ["goal", "名称", "year", "A odds (95% CI)", "B odds (95% CI)", "B − A (95% CI)"]


def format_compare(comparison: Comparison, odds_a: Odds | None = None, goals: dict | None = None) -> str:
    """Side-by-side odds of scenarios A and B with the difference B - A and its interval."""
    names = odds_a.goals if odds_a is not None else {}
    order = [gid for gid in (goals or comparison.goals) if gid in comparison.goals]
    rows = []
    for gid in order:
        d = comparison.goals[gid]
        g = names.get(gid)
        rows.append([gid, g.name_zh if g else "", str(g.year) if g else "", fmt_odds(d.a), fmt_odds(d.b),
                     fmt_diff(d)])
    for year, d in sorted(comparison.joint.items()):
        rows.append([f"joint_{year}", "", str(year), fmt_odds(d.a), fmt_odds(d.b), fmt_diff(d)])
    how = ("paired by replicate (same seed: common random numbers), normal interval of the mean "
           "per-replicate difference" if comparison.paired else
           "independent samples (different seeds or runs), normal interval")
    lines = [f"A = {comparison.scenario_a} ({comparison.runs_a} runs), "
             f"B = {comparison.scenario_b} ({comparison.runs_b} runs)", ""]
    lines += render(COMPARE_HEADER, rows, "<<>>>>")
    lines += ["", f"Difference B − A in percentage points; interval: {how}."]
    return "\n".join(lines) + "\n"


# ---- summary.json -------------------------------------------------------------------------------


# ---- what the odds hang on ----------------------------------------------------------------------

HANGS_ON = 3   # assumptions listed per goal


def hangs_on(goals: dict) -> dict[str, list[dict]]:
    """Per goal id, the HANGS_ON parameters that move its odds most in the shipped screening of
    the baseline (``sim.screening.shipped``: effect in percentage points across each parameter's
    range, with its interval); {} without a shipped screening."""
    from .screening.shipped import top_assumptions

    found = {gid: top_assumptions(gid, HANGS_ON) for gid in goals}
    return {gid: [{k: a[k] for k in ("parameter", "effect_pp", "low_pp", "high_pp", "kind")} for a in top]
            for gid, top in found.items() if top}


def format_hangs_on(found: dict[str, list[dict]]) -> str:
    """Plain text: per goal, the assumptions its odds hang on most (a screening of the baseline)."""
    if not found:
        return ""
    lines = ["What the odds hang on most (a screening of the baseline, screening/baseline; effect on the",
             "odds in pp across each assumption's plausible range, 95% interval; estimates):"]
    for gid, top in found.items():
        items = [f"{a['parameter']} {a['effect_pp']:.0f} ({a['low_pp']:.0f}–{a['high_pp']:.0f})" for a in top]
        lines += wrap(", ".join(items), indent="    ", first=f"  {gid}:", sep=", ")
    lines.append("  (a goal not listed: no parameter moves its odds across the screening, or it was not screened)")
    return "\n".join(lines) + "\n"


def summary_json(odds: Odds, engine: str = "core", record: dict | None = None,
                 hangs_on: dict | None = None) -> str:
    """The summary as JSON text: stable key order, 2-space indent, UTF-8 names, trailing newline.
    ``engine`` names the engine that produced the runs ("core" or "mesa"); ``record``, per goal,
    what is observed and what is still estimated (``sim.record.goal_record``); ``hangs_on``, per
    goal, the assumptions its odds hang on most (``hangs_on``)."""
    doc = odds.to_dict()
    doc = {**{k: doc.pop(k) for k in ("scenario", "runs", "seed")}, "engine": engine, **doc}
    if record is not None:
        doc["record"] = record
    if hangs_on:
        doc["hangs_on"] = hangs_on
    return json.dumps(doc, indent=2, ensure_ascii=False, sort_keys=False) + "\n"


def write_summary(odds: Odds, path, engine: str = "core", record: dict | None = None,
                  hangs_on: dict | None = None) -> Path:
    """Write summary.json (UTF-8); returns the path."""
    from .execution.files import atomic_write, make_folder

    path = Path(path)
    make_folder(path.parent)
    return atomic_write(path, summary_json(odds, engine, record, hangs_on))
