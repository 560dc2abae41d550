"""Analyse a finished (or partly finished) sweep: lever-response curves, odds per yuan at the
baseline, Sobol' indices, plots and a report for planners.

``analyze_sweep(DIR)`` reads ``DIR/sweep.sqlite`` (finished points only) and returns an
``Analysis``; ``write_analysis(analysis, OUT)`` writes ``response.csv``, ``marginal.csv``,
``baseline.csv``, ``sobol.csv`` (Sobol' designs), one PNG per goal and ``report.md``.

This module only puts the rooms of ``sim.sweep.analysis`` together; each says how it computes:

1. which goals, and in which order (``analysis/goals.py``): the base scenario's goals, answered in
   the order of how much the swept factors move their odds; the flat ones listed apart;
2. response curves (``analysis/curves.py``): the odds of each goal against one factor's value,
   averaged over the others, with intervals that allow for the points' common random numbers;
3. marginal odds per 100 million CNY a year at the baseline (``analysis/surface.py``): the slopes
   of a quadratic response surface centred on the baseline, with bootstrap intervals;
4. Sobol' indices (``analysis/sobol.py``, Sobol' designs only);
5. plots (``analysis/plots.py``) and the report (``analysis/report.py``).

Everything is a model estimate from the simulator, not a forecast.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import UserError
from .analysis import SEED
from .analysis.curves import response_curves
from .analysis.goals import answer_order, flat_goals, goal_info, goal_spread
from .analysis.plots import plot_goal
from .analysis.report import render_report, short_error
from .analysis.sobol import SOBOL_RESAMPLES, sobol_of_sweep
from .analysis.surface import MARGINAL_RESAMPLES, marginal_effects, widen_to_replicate_noise


@dataclass
class Analysis:
    """What ``analyze_sweep`` finds; ``write_analysis`` turns it into files."""

    folder: Path
    data: object                          # store.SweepData
    name: str                             # the sweep's name
    base_scenario: str                    # the base scenario's name
    base_file: str                        # the base scenario file, as the sweep file gives it
    goal_info: dict                       # goal id -> {"name", "name_zh", "year"}
    goals: list[str]                      # goal ids analysed (joint_* included), report order
    replicates: int
    points_total: int
    points_ok: int
    failed: object                        # DataFrame: point, error, factor values
    wide: object                          # DataFrame: factor values and odds of every finished point
    spread: dict                          # goal id -> spread of its odds over the finished points
    flat: list[str]                       # goals listed apart: the same odds at every finished point
    response: object                      # DataFrame (response.csv)
    marginal: object                      # DataFrame (marginal.csv)
    baseline: object                      # DataFrame (baseline.csv): odds at the baseline point
    surface: str                          # "quadratic" | "linear" | "none"
    sobol: object = None                  # DataFrame (sobol.csv) or None
    sobol_n: int = 0                      # base rows N used by the Sobol' analysis
    sobol_skipped: list = field(default_factory=list)   # goals with constant probability
    notes: list = field(default_factory=list)           # caveats for the report

    @property
    def factors(self) -> list[dict]:
        return self.data.factors

    @property
    def points_pending(self) -> int:
        return self.points_total - self.points_ok - len(self.failed)

    @property
    def answered(self) -> list[str]:
        """The goals the report answers (not flat), in its order: the ones the levers move most first."""
        return [g for g in self.goals if g not in self.flat]


def analyze_sweep(folder, *, resamples: int = MARGINAL_RESAMPLES, sobol_resamples: int = SOBOL_RESAMPLES,
                  n_bins: int | None = None, seed: int = SEED) -> Analysis:
    """Analyse the finished points of the sweep in ``folder``.

    Parameters
    ----------
    folder : str or pathlib.Path
        The sweep's ``--out`` folder, holding ``sweep.sqlite``.
    resamples, sobol_resamples : int
        Bootstrap resamples of the response surface and of the Sobol' indices.
    n_bins : int, optional
        Bins of the response curves (default: ``curves.default_bins``).
    seed : int
        The bootstraps' seed.

    Returns
    -------
    Analysis

    Raises
    ------
    UserError
        If the folder has no results, they cannot be read, or no point has finished.
    """
    import sqlite3

    from .store import FILE, read_sweep

    folder = Path(folder)
    if not (folder / FILE).is_file():
        raise UserError(f"No sweep results to analyse in '{folder}': the folder has no {FILE}"
                        + ("" if folder.is_dir() else " (the folder does not exist)")
                        + ". Run the sweep first (innovsim sweep SWEEP.toml --out DIR) and give its --out folder.")
    try:
        data = read_sweep(folder)
    except (sqlite3.Error, KeyError, ValueError) as exc:
        raise UserError(f"The sweep results in '{folder / FILE}' cannot be read ({exc}); the file may be "
                        f"damaged or from another program. Run the sweep again into a new folder.") from None

    return analyze_data(data, folder, resamples=resamples, sobol_resamples=sobol_resamples, n_bins=n_bins,
                        seed=seed)


def analyze_data(data, folder=None, *, resamples: int = MARGINAL_RESAMPLES, sobol_resamples: int = SOBOL_RESAMPLES,
                 n_bins: int | None = None, seed: int = SEED) -> Analysis:
    """``analyze_sweep`` on a ``SweepData`` already in memory (e.g. built by a test).

    Parameters
    ----------
    data : SweepData
        The sweep's tables, as ``store.read_sweep`` gives them.
    folder : str or pathlib.Path, optional
        Where the sweep lives (default: the working directory): names the sweep in messages, and
        ``write_analysis`` writes to ``folder/analysis`` by default.
    resamples, sobol_resamples, n_bins, seed
        As for ``analyze_sweep``.

    Returns
    -------
    Analysis
    """
    folder = Path(folder) if folder is not None else Path(".")
    ok = data.results[data.results["status"] == "ok"]
    _require_finished(ok, data, folder)
    sweep_doc = json.loads(data.meta.get("sweep", "{}")).get("sweep", {})
    base_file = sweep_doc.get("base", "")
    wide = data.wide_goals()
    wide = wide[wide.index.isin(ok["point"])]
    runs = ok.set_index("point")["runs"].reindex(wide.index).to_numpy(float)
    columns = [c for c in wide.columns if c not in set(data.factor_names) | {"role"}]
    info = goal_info(data.meta, base_file, folder, columns)
    spread = goal_spread(wide, columns)
    goals = answer_order(info, spread)

    response = response_curves(wide, data.factors, goals, runs, data.kind, n_bins=n_bins)
    marginal, baseline, surface, notes = marginal_effects(wide, data.factors, goals, resamples=resamples, seed=seed)
    sobol, sobol_n, skipped = None, 0, []
    if data.kind == "sobol":
        sobol, sobol_n, skipped, sobol_notes = sobol_of_sweep(data, wide, goals, sobol_resamples, seed)
        notes += sobol_notes
    failed = data.failed()[["point", "error"]].merge(data.design, on="point", how="left")
    if len(failed):
        notes.append(f"{len(failed)} failed point(s) leave holes in the design (often not at random: e.g. points "
                     f"spending above the budget cap); the curves and the response surface rest on the finished "
                     f"points only, so read estimates near those holes with care.")
    return Analysis(folder=folder, data=data, name=sweep_doc.get("name", folder.name),
                    base_scenario=data.meta.get("base_scenario", ""), base_file=base_file, goal_info=info,
                    goals=goals, replicates=int(sweep_doc.get("replicates", int(ok["runs"].max()))),
                    points_total=len(data.design), points_ok=len(wide), failed=failed, wide=wide, spread=spread,
                    flat=flat_goals(goals, spread), response=response, marginal=marginal,
                    baseline=widen_to_replicate_noise(baseline, runs), surface=surface, sobol=sobol,
                    sobol_n=sobol_n, sobol_skipped=skipped, notes=notes)


def _require_finished(ok, data, folder: Path) -> None:
    """Refuse a sweep without a finished point, saying why (none run yet, or all failed)."""
    if not ok.empty:
        return
    failed = data.failed()
    why = (f"{len(failed)} failed (first error: {short_error(failed['error'].iloc[0])})"
           if len(failed) else "none has run yet")
    raise UserError(f"The sweep in '{folder}' has no finished points to analyse: 0 of {len(data.design)} planned "
                    f"points finished, {why}. Let the sweep run (rerun the same innovsim sweep command to "
                    f"resume it) and analyse it when some points are done.")


def write_analysis(analysis: Analysis, out_folder=None, *, plots: bool = True) -> list[Path]:
    """Write the tables, the plots and ``report.md``.

    Parameters
    ----------
    analysis : Analysis
        What ``analyze_sweep`` found.
    out_folder : str or pathlib.Path, optional
        Where to write (default ``DIR/analysis``); created if missing.
    plots : bool
        Draw one PNG per goal (the slowest part).

    Returns
    -------
    list of pathlib.Path
        The files written: tables, plots, then ``report.md``.
    """
    out = Path(out_folder) if out_folder is not None else analysis.folder / "analysis"
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, table in (("response.csv", analysis.response), ("marginal.csv", analysis.marginal),
                        ("baseline.csv", analysis.baseline), ("sobol.csv", analysis.sobol)):
        if table is not None:
            table.to_csv(out / name, index=False)
            written.append(out / name)
    if plots:
        for g in analysis.goals:
            written.append(plot_goal(analysis, g, out / f"plot_{g}.png"))
    (out / "report.md").write_text(render_report(analysis), encoding="utf-8")
    written.append(out / "report.md")
    return written
