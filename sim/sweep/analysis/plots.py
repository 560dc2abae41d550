"""One PNG per goal: its response curve against each factor and, for Sobol' sweeps, its indices.

The figures are drawn on a ``Figure`` with its own Agg canvas, not with pyplot, so the caller's
backend (Jupyter's, say) is left alone.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from . import MILLION

ODDS_LABEL = "odds of reaching the goal (%)"


def plot_goal(analysis, goal: str, path: Path) -> Path:
    """Draw one goal's PNG: budgets together in one panel, each other factor in its own, then Sobol'.

    Parameters
    ----------
    analysis : Analysis
        What ``analyze_sweep`` found: the response curves, factors and Sobol' indices drawn.
    goal : str
        The goal to draw.
    path : pathlib.Path
        The PNG to write.

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    budgets = [f for f in analysis.factors if f.get("budget")]
    others = [f for f in analysis.factors if not f.get("budget")]
    sob = analysis.sobol[analysis.sobol["goal"] == goal] if analysis.sobol is not None else None
    has_sobol = sob is not None and len(sob)
    panels = max((1 if budgets else 0) + len(others) + (1 if has_sobol else 0), 1)
    fig = Figure(figsize=(5.2 * panels, 4))
    FigureCanvasAgg(fig)
    axes = iter(fig.subplots(1, panels, squeeze=False)[0])
    resp = analysis.response[analysis.response["goal"] == goal]
    if budgets:
        ax = next(axes)
        for f in budgets:
            _curve(ax, resp, f, MILLION)
        _odds_axis(ax, "annual spend (million CNY a year; dotted: baseline)")
        ax.legend(fontsize=8)
    for f in others:
        ax = next(axes)
        _curve(ax, resp, f, 1.0)
        _odds_axis(ax, f"{f['name']} (dotted: baseline)")
    if has_sobol:
        _sobol_bars(next(axes), sob)
    info = analysis.goal_info.get(goal, {"name": goal})
    fig.suptitle(f"{info['name']} ({goal}) - model estimates, base scenario {analysis.base_scenario}", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    return path


def _curve(ax, resp, f: dict, xscale: float) -> None:
    """One factor's response curve with its 95% band, and a dotted line at its baseline."""
    r = resp[resp["factor"] == f["name"]].sort_values("value")
    xv = r["value"] / xscale
    line, = ax.plot(xv, 100 * r["probability"], marker="o", label=f["name"])
    ax.fill_between(xv, 100 * r["ci_low"], 100 * r["ci_high"], alpha=0.2, color=line.get_color())
    ax.axvline(f["baseline"] / xscale, color=line.get_color(), lw=0.8, ls=":")


def _odds_axis(ax, xlabel: str) -> None:
    """Label a curve panel; odds from 0 to 100% on every panel, so panels compare at a glance."""
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ODDS_LABEL)
    ax.set_ylim(-2, 102)
    ax.grid(alpha=0.3)


def _sobol_bars(ax, sob) -> None:
    """First-order and total indices of one goal, side by side per factor, with their intervals."""
    pos = np.arange(len(sob))
    w = 0.38
    for off, col, lab in ((-w / 2, "S1", "first order"), (w / 2, "ST", "total")):
        lo = np.clip(sob[col] - sob[f"{col}_low"], 0, None)
        hi = np.clip(sob[f"{col}_high"] - sob[col], 0, None)
        ax.bar(pos + off, sob[col], w, yerr=[lo.fillna(0), hi.fillna(0)], capsize=3, label=lab)
    ax.set_xticks(pos, sob["factor"], rotation=20, fontsize=8)
    ax.set_ylabel("Sobol' index (95% bootstrap CI)")
    ax.axhline(0, color="k", lw=0.6)
    ax.legend(fontsize=8)
