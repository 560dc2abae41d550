"""The optimisation's charts: the cost-odds frontier and the search's convergence.

Drawn on a ``Figure`` with its own Agg canvas (no pyplot), written atomically.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..execution.files import atomic_write

MILLION = 1e6
FRESH = "#2b6cb0"
TARGET = "#c53030"


def frontier_chart(opt, outcome, path: Path) -> Path:
    """Cost (m CNY over the horizon) against the first constraint's odds: every candidate's
    search-time estimate (grey; crosses: dropped), the verified mixes' fresh-seed estimates with
    their one-sided 95% lower bounds, the recommended mix and the target."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7.5, 5), dpi=110)
    FigureCanvasAgg(fig)
    ax = fig.subplots()
    name, target = opt.constraint_names[0], opt.spec.constraints[0].probability
    for live, marker, label in ((True, "o", "candidates (search estimate)"), (False, "x", "dropped by racing")):
        es = [e for e in outcome.entries if e.live == live and e.n]
        if es:
            ax.scatter([e.cost / MILLION for e in es], [e.k[0] / e.n for e in es], s=[8 + 4 * np.sqrt(e.n) for e in es],
                       marker=marker, color="0.6", alpha=0.7, linewidths=1, label=label)
    fr = sorted(outcome.frontier, key=lambda v: v.entry.cost)
    if fr:
        x = [v.entry.cost / MILLION for v in fr]
        y = np.array([v.estimate[0] for v in fr])
        low = np.array([v.lower_pointwise[0] for v in fr])
        ax.errorbar(x, y, yerr=[y - low, np.zeros_like(y)], fmt="o-", color=FRESH, capsize=4,
                    label="verified on fresh seeds (estimate, 95% lower bound)")
    rec = outcome.recommended
    if rec is not None:
        ax.scatter([rec.entry.cost / MILLION], [rec.estimate[0]], marker="*", s=260, color=FRESH, edgecolor="k",
                   zorder=5, label="recommended" + ("" if rec.passed else " (NOT verified)"))
    ax.axhline(target, color=TARGET, ls="--", lw=1.2, label=f"target P = {target:g}")
    ax.set_xlabel("cost of the levers over the horizon, million CNY" +
                  (f" (discounted {opt.spec.cost.discount_pct:g}%/yr)" if opt.spec.cost.discount_pct else ""))
    ax.set_ylabel(f"odds of {name} (estimate)")
    ax.set_ylim(-0.02, 1.02)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="lower right")
    ax.set_title(f"{opt.spec.optimise.name}: what the odds cost", fontsize=11)
    fig.text(0.01, 0.01, "Estimates from the model; grey dots are search-time estimates (biased upward by "
                         "selection), blue ones come from fresh seeds.", fontsize=7, color="0.3")
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    return atomic_write(path, lambda fh: fig.savefig(fh, format="png"))


def convergence_chart(outcome, path: Path) -> Path:
    """The cheapest mix certified at search level against the replicates spent, stage by stage,
    and the recommended mix once verified on fresh seeds."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6.5, 4), dpi=110)
    FigureCanvasAgg(fig)
    ax = fig.subplots()
    pts = [(h["replicates"], h["best_certified_cost_cny"]) for h in outcome.history if h["best_certified_cost_cny"]]
    if pts:
        ax.step([p[0] for p in pts], [p[1] / MILLION for p in pts], where="post", marker="o", color=FRESH)
    rec = outcome.recommended
    if rec is not None and rec.passed:
        ax.scatter([outcome.spent], [rec.entry.cost / MILLION], marker="*", s=220, color=FRESH, edgecolor="k",
                   zorder=5, label="recommended, verified on fresh seeds")
        ax.legend(fontsize=8)
    elif not pts:
        ax.text(0.5, 0.5, "no mix certified", ha="center", transform=ax.transAxes)
    for h in outcome.history:
        ax.axvline(h["replicates"], color="0.85", lw=0.8, zorder=0)
    ax.set_xlabel("replicates spent")
    ax.set_ylabel("cheapest certified mix, million CNY")
    ax.grid(alpha=0.3)
    ax.set_title("Convergence of the search", fontsize=11)
    fig.tight_layout()
    return atomic_write(path, lambda fh: fig.savefig(fh, format="png"))
