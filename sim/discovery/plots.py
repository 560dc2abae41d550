"""Charts of a discovery: the peeling trajectory (coverage against density, coloured by the
restricted inputs), the box's limits on each input's range, and the cases inside and outside the
box on its two most important inputs. Drawn on the Agg canvas (no pyplot), written atomically.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np


def _figure(width: float, height: float):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=110)
    FigureCanvasAgg(fig)
    return fig


def _save(fig, path: Path) -> Path:
    from ..execution.files import atomic_write

    fig.tight_layout()
    return atomic_write(path, lambda fh: fig.savefig(fh, format="png"))


def trajectory_chart(found, path: Path) -> Path:
    """Coverage (x) against density (y) of every box of the peeling trajectory, coloured by the
    number of restricted inputs, and of each box pruned (squares: what the rule compares); the
    chosen box ringed, the reported (pasted, pruned) box starred."""
    traj = found.trajectory
    cov = np.array([b.coverage for b in traj.boxes])
    dens = np.array([b.density for b in traj.boxes])
    dims = np.array([b.n_restricted for b in traj.boxes])
    fig = _figure(6.8, 5.0)
    ax = fig.add_subplot(1, 1, 1)
    sc = ax.scatter(cov, dens, c=dims, cmap="viridis", s=22, zorder=2)
    ax.plot(cov, dens, color="#999999", lw=0.8, zorder=1)
    fig.colorbar(sc, ax=ax, label="restricted inputs")
    if traj.pruned:
        pc = np.array([b.coverage for b in traj.pruned])
        pd = np.array([b.density for b in traj.pruned])
        ax.scatter(pc, pd, marker="s", s=18, facecolors="none", edgecolors="#dd6b20", lw=0.9, zorder=2,
                   label="the same boxes pruned (what the rule compares)")
        if found.chosen:
            ax.scatter([pc[found.chosen]], [pd[found.chosen]], s=170, facecolors="none", edgecolors="#c53030",
                       lw=1.6, zorder=3, label=f"chosen by the rule (box {found.chosen}, pruned)")
    if found.box.n_restricted:
        ax.scatter([found.box.coverage], [found.box.density], marker="*", s=220, color="#c53030", zorder=4,
                   label=f"reported box ({found.box.n_restricted} inputs; pasted, pruned)")
    ax.axhline(dens[0], color="#666666", ls=":", lw=1, label=f"all futures ({dens[0]:.0%})")
    what = "failures" if found.target == "fail" else "futures reaching the goal"
    ax.set_xlabel(f"coverage (share of all {what} inside the box)")
    ax.set_ylabel(f"density (share of the box's futures that are {what})")
    ax.set_xlim(0, 1.02)
    ax.set_ylim(0, 1.02)
    ax.set_title(f"Peeling trajectory: {found.outcome.key} ({found.outcome.year}), target: {found.target}")
    ax.legend(loc="lower left", fontsize=8)
    ax.grid(alpha=0.3)
    return _save(fig, path)


def box_chart(found, cases, path: Path) -> Path:
    """Each restricted input's range over the cases (grey) and the box's part of it (red), with
    the limit's p value and stability."""
    rows = found.box.restricted
    fig = _figure(7.5, 1.1 + 0.75 * len(rows))
    ax = fig.add_subplot(1, 1, 1)
    for i, j in enumerate(rows):
        lo_all, hi_all = cases.x[:, j].min(), cases.x[:, j].max()
        span = hi_all - lo_all or 1.0
        lo = max(found.box.low[j], lo_all)
        hi = min(found.box.high[j], hi_all)
        ax.barh(i, 1.0, left=0.0, color="#dddddd", height=0.5)
        ax.barh(i, (hi - lo) / span, left=(lo - lo_all) / span, color="#c53030", height=0.5)
        p = found.limit_p.get(j, (float("nan"),))[0]
        ax.text(1.02, i, f"p={p:.2g}, stab. {found.stability.get(j, 0):.0%}", va="center", fontsize=8)
        ax.text(0.0, i + 0.36, f"{lo_all:.3g}", va="center", ha="left", fontsize=7)
        ax.text(1.0, i + 0.36, f"{hi_all:.3g}", va="center", ha="right", fontsize=7)
    ax.set_yticks(range(len(rows)), [cases.names[j] for j in rows], fontsize=8)
    ax.set_xlim(-0.02, 1.35)
    ax.set_ylim(len(rows) - 0.4, -0.6)
    ax.set_xticks([])
    ax.set_title(f"Box limits: {found.outcome.key} (red: inside the box)", fontsize=10)
    return _save(fig, path)


def cases_chart(found, cases, path: Path) -> Path:
    """The cases on the box's two most stable inputs (one input: against the case index), failures
    red and successes blue, with the box's limits drawn."""
    key = found.outcome.key
    dims = sorted(found.box.restricted, key=lambda j: -found.stability.get(j, 0.0))[:2]
    share = cases.fails[key] / cases.trials
    fig = _figure(6.4, 5.2)
    ax = fig.add_subplot(1, 1, 1)
    xj = cases.x[:, dims[0]]
    yv = cases.x[:, dims[1]] if len(dims) > 1 else np.arange(len(cases))
    sc = ax.scatter(xj, yv, c=share, cmap="coolwarm", vmin=0, vmax=1, s=10, alpha=0.8)
    what = "failures" if found.target == "fail" else "reached"
    fig.colorbar(sc, ax=ax, label=f"share of target futures ({what})")
    lo, hi = found.box.low, found.box.high
    x0, x1 = max(lo[dims[0]], xj.min()), min(hi[dims[0]], xj.max())
    if len(dims) > 1:
        y0, y1 = max(lo[dims[1]], yv.min()), min(hi[dims[1]], yv.max())
    else:
        y0, y1 = yv.min(), yv.max()
    ax.plot([x0, x1, x1, x0, x0], [y0, y0, y1, y1, y0], color="black", lw=1.5, label="the box")
    ax.set_xlabel(cases.names[dims[0]])
    ax.set_ylabel(cases.names[dims[1]] if len(dims) > 1 else "case")
    ax.set_title(f"Cases inside and outside the box: {key}", fontsize=10)
    ax.legend(loc="upper right", fontsize=8)
    return _save(fig, path)
