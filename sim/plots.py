"""Fan charts of the goal indicators over the simulated years.

One PNG per goal (``fan_<goal_id>.png``; a goal with several conditions gets one panel per
condition): the median path, the 25–75% and 10–90% bands over replicates, the target (a
horizontal line for a number; for a moving threshold such as Chongqing's R&D intensity, that
series' median as a dashed line with its own 10–90% band), and a vertical marker at the goal year.
0/1 flags (e.g. national high-tech zone approval) are drawn as the share of runs with the flag
set, which is what a band of 0/1 values would try, and fail, to show. Ranks are drawn with rank 1
at the top.

Matplotlib is imported inside the functions and figures are drawn on the Agg canvas directly
(no pyplot), so importing ``sim`` stays light and the caller's pyplot backend and state (e.g. in
Jupyter) are left untouched.
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np

from .indicators import INDICATORS
from .results import Results

CJK_FONTS = ("Noto Sans CJK SC", "Noto Sans CJK JP", "Noto Sans CJK TC", "Noto Sans SC", "Noto Serif CJK SC",
             "Source Han Sans SC", "Source Han Sans CN", "WenQuanYi Zen Hei", "WenQuanYi Micro Hei",
             "SimHei", "Microsoft YaHei", "PingFang SC", "Heiti SC", "AR PL UMing CN", "Droid Sans Fallback")

UNIT_LABELS = {
    "pct": "% of GDP", "share": "share (0–1)", "firms": "firms", "platforms": "platforms",
    "spaces": "maker spaces", "projects": "projects", "rank": "rank among 38 (1 = best)",
    "100m_CNY": "100 million CNY", "flag": "share of runs with flag set", "links": "links",
    "persons": "persons",
}

BAND_COLOR = "#2b6cb0"
TARGET_COLOR = "#c53030"


# file names of CJK fonts (fonts-noto-cjk, fonts-wqy-*, Source Han, Droid fallback): searched on
# disk when matplotlib's font cache predates their installation
CJK_FILES = ("notosanscjk", "notoserifcjk", "notosanssc", "sourcehansans", "wqy-", "wqy_", "droidsansfallback")


def _cached_cjk_font(font_manager) -> str | None:
    installed = {f.name for f in font_manager.fontManager.ttflist}
    for name in CJK_FONTS:
        if name in installed:
            return name
    return next((n for n in sorted(installed) if "CJK" in n), None)


@functools.lru_cache(maxsize=1)
def cjk_font() -> str | None:
    """Name of an installed font with Chinese glyphs, or None.

    Matplotlib caches its font list (``~/.cache/matplotlib``) and does not see a font installed
    after the cache was built. So when the cache knows no CJK font, the system's font folders are
    searched for CJK font files, which are added to this process's font manager: installing
    ``fonts-noto-cjk`` takes effect without clearing the cache.
    """
    from matplotlib import font_manager

    found = _cached_cjk_font(font_manager)
    if found is not None:
        return found
    for path in sorted(font_manager.findSystemFonts()):
        if any(key in path.lower().replace(" ", "") for key in CJK_FILES):
            try:
                font_manager.fontManager.addfont(path)
            except (OSError, RuntimeError, ValueError):
                continue            # an unreadable font file: try the next
    return _cached_cjk_font(font_manager)


def unit_label(indicator: str) -> str:
    unit = INDICATORS.get(indicator, ("", ""))[0]
    return UNIT_LABELS.get(unit, unit)


def quantile_paths(values: np.ndarray, qs=(0.1, 0.25, 0.5, 0.75, 0.9)) -> np.ndarray:
    """(len(qs), Y) quantiles over replicates per year, ignoring NaN (NaN where no value)."""
    out = np.full((len(qs), values.shape[1]), np.nan)
    for j in range(values.shape[1]):
        col = values[:, j][~np.isnan(values[:, j])]
        if col.size:
            out[:, j] = np.quantile(col, qs)
    return out


def _draw_fan(ax, years, values, label: str) -> None:
    q = quantile_paths(values)
    ax.fill_between(years, q[0], q[4], color=BAND_COLOR, alpha=0.18, lw=0, label="10–90%")
    ax.fill_between(years, q[1], q[3], color=BAND_COLOR, alpha=0.35, lw=0, label="25–75%")
    ax.plot(years, q[2], color=BAND_COLOR, lw=2, label=f"{label} median")


def _draw_share(ax, years, values, label: str) -> None:
    """A 0/1 flag: the share of runs with the flag set, per year (NaN rows left out)."""
    known = (~np.isnan(values)).sum(axis=0)
    set_ = (values > 0.5).sum(axis=0)
    share = np.divide(set_, known, out=np.full(values.shape[1], np.nan), where=known > 0)
    ax.plot(years, share, color=BAND_COLOR, lw=2, marker="o", ms=3, label=f"{label}: share of runs")
    ax.set_ylim(-0.02, 1.02)


def _draw_target(ax, cond, results: Results) -> None:
    thr = cond.threshold
    if hasattr(thr, "series"):
        q = quantile_paths(results.indicator(thr.series))
        ax.fill_between(results.years, q[0], q[4], color=TARGET_COLOR, alpha=0.12, lw=0,
                        label=f"{thr.series} 10–90%")
        ax.plot(results.years, q[2], color=TARGET_COLOR, lw=1.5, ls="--", label=f"target: {thr.series} median")
    else:
        ax.axhline(float(thr), color=TARGET_COLOR, lw=1.5, ls="--", label=f"target {cond.comparison} {float(thr):g}")


def _panel(ax, cond, goal, results: Results) -> None:
    values = results.indicator(cond.indicator)
    if INDICATORS.get(cond.indicator, ("",))[0] == "flag":
        _draw_share(ax, results.years, values, cond.indicator)
    else:
        _draw_fan(ax, results.years, values, cond.indicator)
        _draw_target(ax, cond, results)
    if INDICATORS.get(cond.indicator, ("",))[0] == "rank":
        ax.invert_yaxis()
    ax.axvline(goal.year, color="0.3", lw=1, ls=":", label=f"goal year {goal.year}")
    ax.set_xlabel("year")
    ax.set_ylabel(f"{cond.indicator} [{unit_label(cond.indicator)}]")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="best")


def _caption(results: Results) -> str:
    """Two short lines: what the chart shows, and that it is an estimate (the list of estimated
    inputs is in summary.json and the printed report, too long for a chart)."""
    n_est = len(results.estimates)
    return (f"Model estimate: {results.n_runs} runs of scenario '{results.scenario}', seed {results.seed}; "
            f"line = median, bands = 25–75% and 10–90% of runs.\n"
            f"{n_est} uncertain inputs are estimates drawn from distributions (listed in summary.json).")


def _title(goal_id: str, goal, font: str | None) -> str:
    zh = f" / {goal.name_zh}" if font and goal.name_zh else ""
    return f"{goal_id}: {goal.name}{zh}"


def fan_chart(results: Results, goal_id: str, goal, path) -> Path:
    """Draw the fan chart of one goal into ``path`` (PNG)."""
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    font = cjk_font()
    rc = {"font.family": "sans-serif", "font.sans-serif": [font, "DejaVu Sans"]} if font else {}
    conds = goal.all_conditions()
    with matplotlib.rc_context(rc):
        fig = Figure(figsize=(7.5 * len(conds), 5.2), dpi=110)
        FigureCanvasAgg(fig)
        axes = fig.subplots(1, len(conds), squeeze=False)[0]
        for ax, cond in zip(axes, conds):
            _panel(ax, cond, goal, results)
        fig.suptitle(_title(goal_id, goal, font), fontsize=12)
        fig.text(0.01, 0.01, _caption(results), fontsize=7, va="bottom", ha="left", color="0.25")
        fig.tight_layout(rect=(0, 0.07, 1, 0.95))
        from .execution.files import atomic_write

        return atomic_write(path, lambda fh: fig.savefig(fh, format="png"))


def fan_charts(results: Results, goals: dict, out_dir) -> list[Path]:
    """One ``fan_<goal_id>.png`` per goal in ``out_dir``; returns the paths in goal order."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    return [fan_chart(results, gid, g, out / f"fan_{gid}.png") for gid, g in goals.items()]
