"""The report's charts as inline SVG text: one fan chart per goal and the optimisation's frontier.

Drawn with matplotlib on its SVG canvas (no pyplot), with text kept as text
(``svg.fonttype = "none"``), so the browser draws the labels with the report's declared fonts,
Chinese included, and the file stays small. Deterministic: a fixed ``svg.hashsalt`` for the
element ids and no date in the metadata, so the same results give the same bytes.

A fan chart shows, per year, the median of the runs, the 25–75% and 5–95% bands, the target (a
line, or a moving threshold's median), the goal year, and the odds with their interval and
likelihood word written on the chart. A 0/1 flag is drawn as the share of runs with it set.
"""

from __future__ import annotations

import io
import re
import warnings

import numpy as np

from ..indicators import INDICATORS
from ..plots import BAND_COLOR, TARGET_COLOR, cjk_font, quantile_paths, unit_label
from .catalogue import LANGS, text

SVG_RC = {"svg.fonttype": "none", "svg.hashsalt": "innovsim-report"}


def label(key: str, lang: str, sep: str = " / ", **fields) -> str:
    """A chart label in one language, or Chinese and English joined by ``sep`` (bilingual report)."""
    if lang == "both":
        return sep.join(text(key, lg, **fields) for lg in LANGS)
    return text(key, lang, **fields)


def _rc() -> dict:
    """Latin glyphs from DejaVu Sans (matplotlib's own), Chinese ones from the installed CJK font:
    matplotlib and the browser both fall back glyph by glyph along the list. Without a CJK font
    matplotlib measures Chinese labels roughly and the browser draws them with a font it has."""
    font = cjk_font()
    return {**SVG_RC, "font.family": ["DejaVu Sans"] + ([font] if font else [])}


def _svg(fig) -> str:
    """The figure as an <svg> element (no XML prolog or DOCTYPE, so it inlines in HTML)."""
    from matplotlib.backends.backend_svg import FigureCanvasSVG

    FigureCanvasSVG(fig)
    buf = io.StringIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")       # a glyph missing from matplotlib's font: the browser draws it
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    svg = buf.getvalue()
    svg = svg[svg.index("<svg"):]
    return re.sub(r'<svg ([^>]*?)width="[^"]*" height="[^"]*"', r'<svg \1', svg, count=1)


def _draw_flag(ax, years, values) -> None:
    known = (~np.isnan(values)).sum(axis=0)
    share = np.divide((values > 0.5).sum(axis=0), known, out=np.full(values.shape[1], np.nan), where=known > 0)
    ax.plot(years, share, color=BAND_COLOR, lw=2, marker="o", ms=3)
    ax.set_ylim(-0.02, 1.02)


def _draw_fan(ax, years, values, lang: str) -> None:
    q = quantile_paths(values, (0.05, 0.25, 0.5, 0.75, 0.95))
    ax.fill_between(years, q[0], q[4], color=BAND_COLOR, alpha=0.16, lw=0, label="5–95%")
    ax.fill_between(years, q[1], q[3], color=BAND_COLOR, alpha=0.34, lw=0, label="25–75%")
    ax.plot(years, q[2], color=BAND_COLOR, lw=2, label=label("chart_median", lang))


def _draw_target(ax, cond, results, lang: str) -> None:
    thr = cond.threshold
    if hasattr(thr, "series"):
        q = quantile_paths(results.indicator(thr.series), (0.05, 0.5, 0.95))
        ax.fill_between(results.years, q[0], q[2], color=TARGET_COLOR, alpha=0.10, lw=0)
        ax.plot(results.years, q[1], color=TARGET_COLOR, lw=1.5, ls="--",
                label=f"{label('chart_target', lang)}: {thr.series}")
    else:
        ax.axhline(float(thr), color=TARGET_COLOR, lw=1.5, ls="--",
                   label=f"{label('chart_target', lang)} {cond.comparison} {float(thr):g}")


def _panel(ax, cond, goal, results, lang: str) -> None:
    unit = INDICATORS.get(cond.indicator, ("",))[0]
    values = results.indicator(cond.indicator)
    if unit == "flag":
        _draw_flag(ax, results.years, values)
        # two lines: the bilingual label is longer than the panel is high
        ax.set_ylabel(f"{cond.indicator}\n{label('chart_share', lang)}", fontsize=8)
    else:
        _draw_fan(ax, results.years, values, lang)
        _draw_target(ax, cond, results, lang)
        ax.set_ylabel(f"{cond.indicator} [{unit_label(cond.indicator)}]", fontsize=8)
        ax.legend(fontsize=7, loc="lower right" if unit != "rank" else "upper right", frameon=False)
    if unit == "rank":
        ax.invert_yaxis()
    ax.axvline(goal.year, color="0.3", lw=1, ls=":")
    ax.set_xlabel(label("chart_year", lang), fontsize=8)
    ax.tick_params(labelsize=7)
    ax.grid(alpha=0.3)


def fan_svg(results, goal, odds_text: str, lang: str) -> str:
    """The fan chart of one goal as SVG text, ``odds_text`` written in its top left corner."""
    import matplotlib
    from matplotlib.figure import Figure

    conds = goal.all_conditions()
    with matplotlib.rc_context(_rc()):
        fig = Figure(figsize=(6.4 if len(conds) == 1 else 9.6, 3.4))
        axes = fig.subplots(1, len(conds), squeeze=False)[0]
        for ax, cond in zip(axes, conds):
            _panel(ax, cond, goal, results, lang)
        fig.text(0.01, 0.98, odds_text, fontsize=9.5, fontweight="bold", va="top", ha="left", color="#1a365d")
        fig.tight_layout(rect=(0, 0, 1, 0.92))
        return _svg(fig)


def frontier_svg(points: list[dict], recommended: dict | None, lang: str) -> str:
    """Cost (m CNY) against odds of the optimisation's frontier, the recommended mix marked."""
    import matplotlib
    from matplotlib.figure import Figure

    cost = np.array([p["cost_m"] for p in points], float)
    odds = np.array([p["odds"] for p in points], float)
    low = np.array([p["lower95"] if p["lower95"] is not None else np.nan for p in points], float)
    order = np.argsort(cost)
    with matplotlib.rc_context(_rc()):
        fig = Figure(figsize=(6.4, 3.2))
        ax = fig.subplots()
        ax.plot(cost[order], 100 * odds[order], color=BAND_COLOR, lw=2, marker="o", ms=3)
        if np.isfinite(low).any():
            ax.plot(cost[order], 100 * low[order], color=BAND_COLOR, lw=1, ls="--")
        if recommended is not None and recommended.get("cost_m") is not None and recommended.get("odds") is not None:
            ax.plot([recommended["cost_m"]], [100 * recommended["odds"]], marker="*", ms=14, color=TARGET_COLOR)
        ax.set_xlabel(label("chart_cost", lang), fontsize=8)
        ax.set_ylabel(label("chart_odds_axis", lang) + " (%)", fontsize=8)
        ax.tick_params(labelsize=7)
        ax.grid(alpha=0.3)
        fig.tight_layout()
        return _svg(fig)
