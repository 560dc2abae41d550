"""Analyse a finished (or partly finished) sweep: lever-response curves, odds per yuan at the
baseline, Sobol' indices, plots and a report for planners.

``analyze_sweep(DIR)`` reads ``DIR/sweep.sqlite`` (finished points only) and returns an
``Analysis``; ``write_analysis(analysis, OUT)`` writes ``response.csv``, ``marginal.csv``,
``baseline.csv``, ``sobol.csv`` (Sobol' designs), one PNG per goal and ``report.md``.

What is computed, and how:

1. **Response curves** (``response_curves``): the odds of each goal against one factor's value,
   averaged over the other factors. Grid designs: one row per level of the factor (the mean over
   every point at that level). Latin hypercube and Sobol' designs: equal-count bins of the
   factor's values (6 to 10 bins when there are at least 30 points, fewer for smaller sweeps);
   the row's value is the mean factor value in the bin. The 95% interval of a bin's mean odds
   is the wider of (a) the Student-t interval of the mean of the points' probabilities (the
   spread between points, which holds both the other factors' effect and each point's binomial
   noise) and (b) the Wilson interval of the bin's mean odds as if from *one* point's R
   replicates: every point reuses the same random numbers (common random numbers), so the
   points' binomial noises are correlated and pooling m x R replicates would overstate the
   precision. (b) keeps a bin whose points all show 0% (or 100%) from a zero-width interval.
2. **Marginal odds per 100 million CNY a year at the baseline** (``marginal_effects``): a
   quadratic response surface (intercept, linear terms, squares, pairwise interactions; budget
   factors in 100m CNY a year, other factors in their own units; centred on the baseline
   values, so the linear coefficients *are* the gradient at the baseline) fitted by least
   squares to each goal's probability over all finished points. With too few points for the
   quadratic (fewer than its terms + 3) a linear surface is used, and squares are dropped for
   factors with fewer than 3 distinct values. 95% intervals: percentile bootstrap over points
   (500 resamples, fixed seed). The fitted value at the baseline (intercept) gives the odds at
   the baseline.
3. **Sobol' indices** (``sobol_from_saltelli``, Sobol' designs only): first-order and total
   indices of each goal's probability with ``scipy.stats.sobol_indices(func={f_A, f_B, f_AB},
   n=N)`` and 95% bootstrap intervals (``.bootstrap``). Goals whose probability is the same at
   every point are skipped. In an incomplete sweep only base rows whose A, B and every AB_i
   point finished are usable; the first 2^m of them (largest power of 2) are used.

Everything is a model estimate from the simulator, not a forecast.
"""

from __future__ import annotations

import json
import math
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..scenario.errors import UserError

CONFIDENCE = 0.95
HUNDRED_MILLION = 1e8
MILLION = 1e6
MARGINAL_RESAMPLES = 500
SOBOL_RESAMPLES = 1000
SEED = 20240601
ANSWER_GOALS = ("hte_250", "tech_based_1500", "rd_above_city")   # answered first, always
MAX_ERROR_CHARS = 200


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


# ---- reading -------------------------------------------------------------------------------------

def analyze_sweep(folder, *, resamples: int = MARGINAL_RESAMPLES, sobol_resamples: int = SOBOL_RESAMPLES,
                  n_bins: int | None = None, seed: int = SEED) -> Analysis:
    """Analyse the finished points of the sweep in ``folder`` (``DIR/sweep.sqlite``)."""
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
    """``analyze_sweep`` on a ``SweepData`` already in memory (e.g. built by a test)."""
    folder = Path(folder) if folder is not None else Path(".")
    ok = data.results[data.results["status"] == "ok"]
    total = len(data.design)
    failed_rows = data.failed()
    if ok.empty:
        why = (f"{len(failed_rows)} failed (first error: {_short(failed_rows['error'].iloc[0])})"
               if len(failed_rows) else "none has run yet")
        raise UserError(f"The sweep in '{folder}' has no finished points to analyse: 0 of {total} planned "
                        f"points finished, {why}. Let the sweep run (rerun the same innovsim sweep command to "
                        f"resume it) and analyse it when some points are done.")

    sweep_doc = json.loads(data.meta.get("sweep", "{}"))
    base_file = sweep_doc.get("sweep", {}).get("base", "")
    name = sweep_doc.get("sweep", {}).get("name", folder.name)
    base_name = data.meta.get("base_scenario", "")
    wide = data.wide_goals()
    wide = wide[wide.index.isin(ok["point"])]
    runs = ok.set_index("point")["runs"].reindex(wide.index).to_numpy(float)
    goal_ids = [c for c in wide.columns if c not in set(data.factor_names) | {"role"}]
    goal_info = _goal_info(data.meta, base_file, folder, goal_ids)
    goals = _goal_order(goal_ids, goal_info)

    notes: list[str] = []
    response = response_curves(wide, data.factors, goals, runs, data.kind, n_bins=n_bins)
    marginal, baseline, surface, fit_notes = marginal_effects(wide, data.factors, goals, resamples=resamples,
                                                              seed=seed)
    baseline = _with_replicate_noise(baseline, runs)
    notes += fit_notes
    sobol, sobol_n, skipped = None, 0, []
    if data.kind == "sobol":
        sobol, sobol_n, skipped, sobol_notes = _sobol_of_sweep(data, wide, goals, sobol_resamples, seed)
        notes += sobol_notes

    failed = failed_rows[["point", "error"]].merge(data.design, on="point", how="left")
    if len(failed):
        notes.append(f"{len(failed)} failed point(s) leave holes in the design (often not at random: e.g. points "
                     f"spending above the budget cap); the curves and the response surface rest on the finished "
                     f"points only, so read estimates near those holes with care.")
    replicates = int(sweep_doc.get("sweep", {}).get("replicates", int(ok["runs"].max())))
    return Analysis(folder=folder, data=data, name=name, base_scenario=base_name, base_file=base_file,
                    goal_info=goal_info, goals=goals, replicates=replicates, points_total=total,
                    points_ok=len(wide), failed=failed, response=response, marginal=marginal, baseline=baseline,
                    surface=surface, sobol=sobol, sobol_n=sobol_n, sobol_skipped=skipped, notes=notes)


def _with_replicate_noise(baseline, runs):
    """Widen the fitted baseline odds' interval to at least the Wilson interval of one point's
    replicates: every point shares the same random numbers, so a bootstrap over points sees the
    spread between points but not the Monte Carlo error that all of them share."""
    baseline = baseline.copy()
    for i, row in baseline.iterrows():
        if np.isfinite(row["probability"]):
            _, lo, hi = mean_interval([row["probability"]], runs)
            baseline.loc[i, "ci_low"] = np.nanmin([row["ci_low"], lo])
            baseline.loc[i, "ci_high"] = np.nanmax([row["ci_high"], hi])
    return baseline


def _short(text: str, limit: int = MAX_ERROR_CHARS) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _goal_info(meta: dict, base_file: str, folder: Path, goal_ids: list[str]) -> dict:
    """Names and years of the goals: as the sweep recorded them, else from the base scenario
    file if it can still be found (sweeps written before the names were recorded)."""
    info: dict = json.loads(meta["goals"]) if "goals" in meta else {}
    candidates = []
    if base_file and not info:
        p = Path(base_file)
        candidates = [p] if p.is_absolute() else [Path.cwd() / p, folder / p, folder.parent / p]
    for path in candidates:
        try:
            if not path.is_file():
                continue
            from ..scenario.loader import load_scenario

            scenario = load_scenario(path)
        except Exception:  # names are a nicety: fall back to the ids
            continue
        for gid, g in scenario.goals.items():
            info[gid] = {"name": g.name, "name_zh": getattr(g, "name_zh", ""), "year": int(g.year)}
        break
    for gid in goal_ids:
        if gid.startswith("joint_") and gid not in info:
            year = gid.split("_", 1)[1]
            info[gid] = {"name": f"All {year} goals together", "name_zh": "", "year": int(year) if year.isdigit()
                         else 0}
        info.setdefault(gid, {"name": gid, "name_zh": "", "year": 0})
    return info


def _goal_order(goal_ids: list[str], info: dict) -> list[str]:
    first = [g for g in ANSWER_GOALS if g in goal_ids]
    joint = sorted(g for g in goal_ids if g.startswith("joint_"))
    rest = sorted((g for g in goal_ids if g not in first and g not in joint),
                  key=lambda g: (info[g]["year"], g))
    return first + rest + joint


def factor_scale(f: dict, unit: str = "fit") -> float:
    """Divide a factor's values by this: budgets in 100m CNY (``fit``) or m CNY (``plot``)."""
    if not f.get("budget"):
        return 1.0
    return HUNDRED_MILLION if unit == "fit" else MILLION


# ---- 1. response curves ---------------------------------------------------------------------------

def mean_interval(p, runs, confidence: float = CONFIDENCE) -> tuple[float, float, float]:
    """Mean of point probabilities ``p`` and its interval: the wider of the Student-t interval of
    the points' spread and the Wilson interval of the mean as if from one point's ``runs``
    replicates (common random numbers make the points' binomial noise correlated)."""
    from scipy import stats

    p = np.asarray(p, float)
    m = len(p)
    mean = float(p.mean())
    lo = hi = mean
    if m > 1:
        se = float(p.std(ddof=1)) / math.sqrt(m)
        t = float(stats.t.ppf(0.5 + confidence / 2, m - 1))
        lo, hi = mean - t * se, mean + t * se
    r = float(np.max(runs)) if np.size(runs) else 0.0
    if r > 0:
        z = float(stats.norm.ppf(0.5 + confidence / 2))
        centre = (mean + z * z / (2 * r)) / (1 + z * z / r)
        half = z / (1 + z * z / r) * math.sqrt(mean * (1 - mean) / r + z * z / (4 * r * r))
        lo, hi = min(lo, centre - half), max(hi, centre + half)
    return mean, max(0.0, lo), min(1.0, hi)


def default_bins(n_points: int) -> int:
    """Equal-count bins for a factor: 6 to 10 with 30 or more points, about 5 points a bin below."""
    if n_points >= 30:
        return int(min(10, max(6, n_points // 5)))
    return int(max(1, n_points // 5))


def response_curves(wide, factors: list[dict], goals: list[str], runs, kind: str, n_bins: int | None = None):
    """The tidy response table: factor, value (factor's units), value_m_cny (budgets), bin_low,
    bin_high, goal, probability, ci_low, ci_high, points."""
    import pandas as pd

    runs = np.broadcast_to(np.asarray(runs, float), (len(wide),))
    rows = []
    for f in factors:
        x = wide[f["name"]].to_numpy(float)
        if kind == "grid":
            groups = [(v, np.isclose(x, v)) for v in np.unique(x)]
            groups = [(v, mask, v, v) for v, mask in groups]
        else:
            bins = n_bins or default_bins(len(x))
            codes = pd.qcut(pd.Series(x), q=bins, labels=False, duplicates="drop").to_numpy() if bins > 1 \
                else np.zeros(len(x), int)
            groups = []
            for c in np.unique(codes):
                mask = codes == c
                groups.append((float(x[mask].mean()), mask, float(x[mask].min()), float(x[mask].max())))
        for value, mask, lo_x, hi_x in groups:
            for g in goals:
                mean, lo, hi = mean_interval(wide.loc[mask, g].to_numpy(float), runs[mask])
                rows.append({"factor": f["name"], "value": value,
                             "value_m_cny": value / MILLION if f.get("budget") else np.nan,
                             "bin_low": lo_x, "bin_high": hi_x, "goal": g, "probability": mean,
                             "ci_low": lo, "ci_high": hi, "points": int(mask.sum())})
    return pd.DataFrame(rows, columns=["factor", "value", "value_m_cny", "bin_low", "bin_high", "goal",
                                       "probability", "ci_low", "ci_high", "points"])


# ---- 2. marginal odds per 100m CNY at the baseline ------------------------------------------------

def surface_terms(z: np.ndarray, quadratic: bool = True, squares: list[bool] | None = None) -> np.ndarray:
    """Columns of the response surface for centred factor values ``z`` (points, factors):
    intercept, linear terms, then (quadratic) squares (where ``squares`` allows) and pairwise
    products. The linear coefficients are the gradient at z = 0."""
    n, d = z.shape
    cols = [np.ones(n)] + [z[:, i] for i in range(d)]
    if quadratic:
        squares = squares if squares is not None else [True] * d
        cols += [z[:, i] ** 2 for i in range(d) if squares[i]]
        cols += [z[:, i] * z[:, j] for i in range(d) for j in range(i + 1, d)]
    return np.column_stack(cols)


def marginal_effects(wide, factors: list[dict], goals: list[str], resamples: int = MARGINAL_RESAMPLES,
                     seed: int = SEED, confidence: float = CONFIDENCE):
    """Gradient at the baseline of a least-squares response surface of each goal's probability.

    Returns (marginal table: goal, factor, pp_per_100m, ci_low, ci_high, per; baseline table: goal,
    probability, ci_low, ci_high, nearest_point, nearest_probability, nearest_distance; the
    surface used; notes). ``pp_per_100m`` is in percentage points per 100m CNY a year for budget
    factors and per unit of the factor otherwise (``per`` says which)."""
    import pandas as pd

    d = len(factors)
    scale = np.array([factor_scale(f) for f in factors])
    x = wide[[f["name"] for f in factors]].to_numpy(float)
    base = np.array([f["baseline"] for f in factors], float)
    z = (x - base) / scale
    y = wide[goals].to_numpy(float)
    n = len(x)
    notes: list[str] = []
    distinct = [len(np.unique(x[:, i])) for i in range(d)]
    squares = [k >= 3 for k in distinct]
    n_quad = 1 + d + sum(squares) + d * (d - 1) // 2
    if n >= n_quad + 3:
        surface, quadratic = "quadratic", True
        if not all(squares):
            notes.append("Squares were left out of the response surface for factors with fewer than 3 distinct "
                         "values: " + ", ".join(f["name"] for f, s in zip(factors, squares) if not s) + ".")
    elif n >= d + 3:
        surface, quadratic = "linear", False
        notes.append(f"Only {n} finished points: too few for a quadratic response surface ({n_quad} terms), "
                     f"so the marginal effects come from a linear surface (the average slope over the range).")
    else:
        surface, quadratic = "none", False
        notes.append(f"Only {n} finished points: too few to fit even a linear response surface; no marginal "
                     f"effects are given.")
    outside = [f["name"] for f in factors if not f["low"] <= f["baseline"] <= f["high"]]
    if outside:
        notes.append("The baseline lies outside the swept range of " + ", ".join(outside)
                     + ": its marginal effects are extrapolated.")

    per = ["100m CNY a year" if f.get("budget") else f"1 unit of {f['name']}" for f in factors]
    rows, base_rows = [], []
    span = np.array([f["high"] - f["low"] for f in factors], float)
    dist = np.max(np.abs(x - base) / span, axis=1)
    near = int(np.argmin(dist))
    if surface == "none":
        coef = np.full((1 + d, len(goals)), np.nan)
        boot = np.full((max(resamples, 1), 1 + d, len(goals)), np.nan)
    else:
        terms = surface_terms(z, quadratic, squares)
        coef = np.linalg.lstsq(terms, y, rcond=None)[0]
        rng = np.random.default_rng(seed)
        boot = np.empty((resamples, terms.shape[1], len(goals)))
        for b in range(resamples):
            idx = rng.integers(0, n, n)
            boot[b] = np.linalg.lstsq(terms[idx], y[idx], rcond=None)[0]
    alpha = (1 - confidence) / 2
    for j, g in enumerate(goals):
        for i, f in enumerate(factors):
            lo, hi = np.quantile(boot[:, 1 + i, j], [alpha, 1 - alpha]) * 100 if surface != "none" else (np.nan,) * 2
            rows.append({"goal": g, "factor": f["name"], "pp_per_100m": 100 * coef[1 + i, j], "ci_low": lo,
                         "ci_high": hi, "per": per[i], "budget": bool(f.get("budget"))})
        lo, hi = (np.clip(np.quantile(boot[:, 0, j], [alpha, 1 - alpha]), 0, 1) if surface != "none"
                  else (np.nan, np.nan))
        base_rows.append({"goal": g, "probability": float(np.clip(coef[0, j], 0, 1)), "ci_low": lo, "ci_high": hi,
                          "nearest_point": int(wide.index[near]), "nearest_probability": float(y[near, j]),
                          "nearest_distance": float(dist[near])})
    return pd.DataFrame(rows), pd.DataFrame(base_rows), surface, notes


# ---- 3. Sobol' indices ---------------------------------------------------------------------------

def sobol_from_saltelli(values, n: int, d: int, *, names: list[str] | None = None,
                        outputs: list[str] | None = None, n_resamples: int = SOBOL_RESAMPLES,
                        confidence_level: float = CONFIDENCE, seed: int = SEED):
    """First-order and total Sobol' indices, with bootstrap intervals, of outputs evaluated at a
    Saltelli design: ``values`` has n x (d + 2) rows in the order A (n rows), B (n rows), AB_1 ...
    AB_d (n rows each), as ``design.build_design`` lays out a Sobol' sweep; one column per output
    (or a 1-d array for one output). Uses ``scipy.stats.sobol_indices(func={f_A, f_B, f_AB}, n)``.

    Returns a DataFrame: goal (the output), factor, S1, S1_low, S1_high, ST, ST_low, ST_high."""
    import pandas as pd
    from scipy.stats import sobol_indices

    v = np.asarray(values, float)
    if v.ndim == 1:
        v = v[:, None]
    if v.shape[0] != n * (d + 2):
        raise ValueError(f"expected {n} x ({d} + 2) = {n * (d + 2)} rows in Saltelli order, got {v.shape[0]}")
    s = v.shape[1]
    names = names or [f"x{i + 1}" for i in range(d)]
    outputs = outputs or [f"y{j + 1}" for j in range(s)]
    f_a, f_b = v[:n].T, v[n:2 * n].T
    f_ab = v[2 * n:].reshape(d, n, s).transpose(0, 2, 1)
    res = sobol_indices(func={"f_A": f_a, "f_B": f_b, "f_AB": f_ab}, n=n, rng=np.random.default_rng(seed))
    # SobolResult.bootstrap draws from numpy's global RandomState: seed it for repeatable intervals and
    # put the caller's state back afterwards
    state = np.random.get_state()
    try:
        np.random.seed(seed % 2**32)
        with np.errstate(divide="ignore", invalid="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")   # degenerate resamples (rare events): interval NaN, shown n/a
            boot = res.bootstrap(confidence_level=confidence_level, n_resamples=n_resamples)
    finally:
        np.random.set_state(state)

    def shaped(a):
        return np.asarray(a, float).reshape(s, d)

    s1, st = shaped(res.first_order), shaped(res.total_order)
    s1_lo, s1_hi = shaped(boot.first_order.confidence_interval.low), shaped(boot.first_order.confidence_interval.high)
    st_lo, st_hi = shaped(boot.total_order.confidence_interval.low), shaped(boot.total_order.confidence_interval.high)
    rows = [{"goal": outputs[j], "factor": names[i], "S1": s1[j, i], "S1_low": s1_lo[j, i], "S1_high": s1_hi[j, i],
             "ST": st[j, i], "ST_low": st_lo[j, i], "ST_high": st_hi[j, i]} for j in range(s) for i in range(d)]
    return pd.DataFrame(rows)


def saltelli_rows(roles: list[str], names: list[str], n: int, usable) -> tuple[list[int], int]:
    """Point indices, in Saltelli order, of the base rows whose every point is in ``usable``; uses the
    first 2^m such rows (the largest power of 2). Returns (points, N used)."""
    k = len(names)
    expect = ["A"] * n + ["B"] * n + [f"AB:{nm}" for nm in names for _ in range(n)]
    if list(roles) != expect:
        raise ValueError("the design is not in Saltelli order (A, B, AB_1..AB_d)")
    usable = set(usable)
    rows = [j for j in range(n) if all((b * n + j) in usable for b in range(k + 2))]
    m = 1 << (len(rows).bit_length() - 1) if rows else 0
    rows = rows[:m]
    return [b * n + j for b in range(k + 2) for j in rows], m


def _sobol_of_sweep(data, wide, goals: list[str], n_resamples: int, seed: int):
    from .spec import MIN_SOBOL_N

    notes: list[str] = []
    n, names = data.n_base, data.factor_names
    roles = data.design.sort_values("point")["role"].tolist()
    points, m = saltelli_rows(roles, names, n, wide.index)
    if m < MIN_SOBOL_N:
        notes.append(f"Sobol' indices need complete base rows (the A, B and every AB point of a row): only "
                     f"{m if m else 'none'} of {n} usable, too few (at least {MIN_SOBOL_N}); no Sobol' indices.")
        return None, 0, [], notes
    if m < n:
        notes.append(f"Sobol' indices use {m} of the {n} base rows (the first complete ones, a power of 2), "
                     f"because the sweep is incomplete or some points failed.")
    y = wide.loc[points, goals].to_numpy(float)
    constant = [g for j, g in enumerate(goals) if np.ptp(y[:, j]) == 0]
    keep = [g for g in goals if g not in constant]
    if not keep:
        return None, m, constant, notes
    table = sobol_from_saltelli(wide.loc[points, keep].to_numpy(float), m, len(names), names=names, outputs=keep,
                                n_resamples=n_resamples, seed=seed)
    return table, m, constant, notes


# ---- 4. plots ------------------------------------------------------------------------------------

def plot_goal(analysis: Analysis, goal: str, path: Path) -> Path:
    """One PNG: the goal's response curve per factor (budgets together, in m CNY a year) and, for
    Sobol' sweeps, a bar chart of its indices."""
    # a Figure with its own Agg canvas: no pyplot, so the caller's backend (Jupyter's) is untouched
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    factors = analysis.factors
    budgets = [f for f in factors if f.get("budget")]
    others = [f for f in factors if not f.get("budget")]
    sob = analysis.sobol[analysis.sobol["goal"] == goal] if analysis.sobol is not None else None
    panels = (1 if budgets else 0) + len(others) + (1 if sob is not None and len(sob) else 0)
    fig = Figure(figsize=(5.2 * max(panels, 1), 4))
    FigureCanvasAgg(fig)
    axes = fig.subplots(1, max(panels, 1), squeeze=False)
    axes = list(axes[0])
    resp = analysis.response[analysis.response["goal"] == goal]
    info = analysis.goal_info.get(goal, {"name": goal})

    def curve(ax, f, xscale):
        r = resp[resp["factor"] == f["name"]].sort_values("value")
        xv = r["value"] / xscale
        line, = ax.plot(xv, 100 * r["probability"], marker="o", label=f["name"])
        ax.fill_between(xv, 100 * r["ci_low"], 100 * r["ci_high"], alpha=0.2, color=line.get_color())
        ax.axvline(f["baseline"] / xscale, color=line.get_color(), lw=0.8, ls=":")

    ax_i = 0
    if budgets:
        ax = axes[ax_i]
        ax_i += 1
        for f in budgets:
            curve(ax, f, MILLION)
        ax.set_xlabel("annual spend (million CNY a year; dotted: baseline)")
        ax.set_ylabel("odds of reaching the goal (%)")
        ax.set_ylim(-2, 102)
        ax.legend(fontsize=8)
        ax.grid(alpha=0.3)
    for f in others:
        ax = axes[ax_i]
        ax_i += 1
        curve(ax, f, 1.0)
        ax.set_xlabel(f"{f['name']} (dotted: baseline)")
        ax.set_ylabel("odds of reaching the goal (%)")
        ax.set_ylim(-2, 102)
        ax.grid(alpha=0.3)
    if sob is not None and len(sob):
        ax = axes[ax_i]
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
    fig.suptitle(f"{info['name']} ({goal}) - model estimates, base scenario {analysis.base_scenario}", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    return path


# ---- 5. the report ---------------------------------------------------------------------------------

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


def _finished(analysis: Analysis, goal: str):
    """The goal's probability at every finished point."""
    w = analysis.data.wide_goals()
    return w.loc[w.index.isin(analysis.data.results.query("status == 'ok'")["point"]), goal]


def _constant(analysis: Analysis, goal: str) -> bool:
    return bool(np.ptp(_finished(analysis, goal).to_numpy(float)) == 0)


def goal_sentence(analysis: Analysis, goal: str) -> str:
    """Which lever buys the most odds per yuan for ``goal``, in one or two plain sentences."""
    m = analysis.marginal[(analysis.marginal["goal"] == goal) & analysis.marginal["budget"]]
    p = _finished(analysis, goal)
    if _constant(analysis, goal):
        return (f"No lever moves this goal within the swept ranges: its odds were {_pct(float(p.iloc[0]))} at every "
                f"finished point.")
    if m.empty:
        return "No lever budget was swept, so there is no odds-per-yuan ranking for this goal."
    if analysis.surface == "none" or not np.isfinite(m["pp_per_100m"]).all():
        return "Too few finished points to estimate the odds per yuan for this goal."
    m = m.sort_values("pp_per_100m", ascending=False)
    best = m.iloc[0]
    head = (f"**{best['factor']}** with {_pp(best['pp_per_100m'])} percentage points per 100m CNY a year "
            f"(95% CI {_pp(best['ci_low'])} to {_pp(best['ci_high'])})")
    moving = m[(m["ci_low"] > 0) | (m["ci_high"] < 0)]
    if best["ci_low"] <= 0:
        text = (f"No lever measurably raises these odds at the baseline: every lever's interval includes zero or "
                f"lies below it (largest estimate: {head}).")
    else:
        text = f"The lever that buys the most odds per yuan is {head}."
        if len(m) > 1:
            second = m.iloc[1]
            if best["ci_low"] <= second["ci_high"]:
                text += (f" Its interval overlaps that of {second['factor']} ({_pp(second['pp_per_100m'])}, CI "
                         f"{_pp(second['ci_low'])} to {_pp(second['ci_high'])}), so the ranking between them is "
                         f"uncertain.")
            else:
                text += f" It is clearly ahead of the next, {second['factor']} ({_pp(second['pp_per_100m'])})."
    lowering = moving[moving["ci_high"] < 0]
    if len(lowering):
        text += " Lowering the odds at the margin: " + ", ".join(
            f"{r.factor} ({_pp(r.pp_per_100m)})" for r in lowering.itertuples()) + "."
    return text


def render_report(analysis: Analysis) -> str:
    """The planner's report (Markdown)."""
    a, data = analysis, analysis.data
    kind_text = {"grid": "full grid", "lhs": "Latin hypercube",
                 "sobol": f"Sobol'/Saltelli (N = {data.n_base} base points, N x (factors + 2))"}[data.kind]
    out = [f"# Lever sweep analysis: {a.name}", ""]
    out += [f"All figures are **model estimates** from the agent-based simulator of Hechuan District's innovation "
            f"plan, base scenario **{a.base_scenario or '(unnamed)'}**"
            + (f" (`{a.base_file}`)" if a.base_file else "")
            + ", not forecasts: they say how the odds of the plan's goals respond to the levers *in the model*.", ""]
    out += ["## What was swept", ""]
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
    out.append("")
    if len(a.failed):
        out += ["**Failed points** (left out of the analysis; a rerun of the sweep tries them again):", "",
                "| point | " + " | ".join(data.factor_names) + " | error |",
                "|---|" + "---|" * len(data.factor_names) + "---|"]
        by_name = {f["name"]: f for f in a.factors}
        for r in a.failed.itertuples(index=False):
            vals = [_num(by_name[nm], getattr(r, nm)) for nm in data.factor_names]
            out.append(f"| {r.point} | " + " | ".join(vals) + f" | {_short(r.error).replace('|', '/')} |")
        out.append("")

    out += ["## Odds at the baseline", ""]
    base = a.baseline.set_index("goal")
    near_d = float(base["nearest_distance"].iloc[0]) if len(base) else np.nan
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
    out.append("")

    out += ["## Which lever buys the most odds per yuan", "",
            "Marginal odds: the change in a goal's odds, in percentage points (pp), for 100m CNY a year more "
            "spent on one lever at the baseline budgets (the slope of a least-squares "
            f"{a.surface} response surface fitted over all finished points; 95% intervals from a bootstrap over "
            "points). The low-to-high column is the response curve's average odds in the lowest and highest "
            "bin (or level) of the lever, averaging over the other levers; the response curves' bands in the plots "
            "and `response.csv` include the binomial noise of one point's replicates, which every point shares "
            "(common random numbers), so they show how well the *level* of the odds is known, not how well the "
            "differences between spends are known (that is the marginal odds' interval).", ""]
    flat = [g for g in a.goals if g not in ANSWER_GOALS and _constant(a, g)]
    for g in a.goals:
        if g in flat:
            continue
        info = a.goal_info[g]
        title = info["name"] + (f" / {info['name_zh']}" if info.get("name_zh") else "")
        out += [f"### {title} (`{g}`{', ' + str(info['year']) if info['year'] else ''})", "", goal_sentence(a, g), ""]
        m = a.marginal[a.marginal["goal"] == g]
        out += ["| lever | pp per | marginal odds (pp) | 95% CI | odds low -> high spend |", "|---|---|---|---|---|"]
        for r in m.itertuples(index=False):
            resp = a.response[(a.response["goal"] == g) & (a.response["factor"] == r.factor)].sort_values("value")
            span = (f"{_pct(resp['probability'].iloc[0])} -> {_pct(resp['probability'].iloc[-1])}"
                    if len(resp) else "n/a")
            out.append(f"| {r.factor} | {r.per} | {_pp(r.pp_per_100m)} | {_pp(r.ci_low)} to {_pp(r.ci_high)} | "
                       f"{span} |")
        out.append("")

    if flat:
        out += ["### Goals no lever moves", "",
                "Within the swept ranges these goals had the same odds at every finished point, so no lever "
                "buys any odds for them: " + "; ".join(
                    f"{a.goal_info[g]['name']} (`{g}`) {_pct(_finished(a, g).iloc[0])}" for g in flat) + ".", ""]

    if data.kind == "sobol":
        out += ["## Sobol' indices", ""]
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
    if a.notes:
        out += ["## Notes", ""] + [f"- {n}" for n in a.notes] + [""]
    out += ["Files: `response.csv` (response curves), `marginal.csv` (odds per 100m CNY), `baseline.csv`, "
            + ("`sobol.csv`, " if a.sobol is not None else "") + "one PNG per goal (`plot_<goal>.png`).", ""]
    return "\n".join(out)


def write_analysis(analysis: Analysis, out_folder=None, *, plots: bool = True) -> list[Path]:
    """Write the tables, the plots and ``report.md`` to ``out_folder`` (default DIR/analysis)."""
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
