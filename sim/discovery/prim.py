"""PRIM, the Patient Rule Induction Method (Friedman & Fisher 1999), for scenario discovery.

A *box* is a set of limits ``low <= x_j <= high`` on some inputs; the cases inside are the
futures it describes. Each case carries ``fails`` failures out of ``trials`` replicates: a run's
replicate is one case of one trial (0 or 1 failure); a design point is one case of many trials.
Every statistic weighs cases by their trials, so a design point of 20 replicates counts as 20:

- **coverage**: the box's failures / all failures (how much of the problem the box explains);
- **density**: the box's failures / the box's trials (how sure a failure is inside the box);
- **mass**: the box's trials / all trials (how common such futures are).

**Peeling** starts from the box holding every case and repeatedly removes the slice (the lowest
or highest ``alpha`` share of the box's cases along one input) whose removal gains the most
density per trial removed (EMA's default objective, "lenient1": an input of few values, whose
slice is a whole value and may hold most cases, is peeled only if that pays for its size), until
the box would hold less than ``mass_min`` of the cases: the *peeling trajectory*, from high
coverage and low density to the reverse. **Pasting** takes a box and widens one limit at a
time by an ``alpha`` slice while that raises the density, undoing peels that went too far.

A limit is placed halfway between the last case removed and the first case kept, so a fresh case
is classified by the same rule wherever it falls between the two. Ties (integer inputs) are
peeled together: a slice never splits cases of equal value.

Written here rather than taken from EMA Workbench (``ema_workbench.analysis.prim``, which this
follows in its peeling and pasting): EMA needs Python >= 3.12 and brings seaborn, altair and
platypus, and its statistics count every row as an independent 0/1 case, while here a case may
be a design point of correlated replicates.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

ALPHA = 0.05          # share of the box's cases removed (or added) per peel (paste)
MASS_MIN = 0.05       # peeling stops before the box holds less than this share of the trials


@dataclass(frozen=True)
class Box:
    """Limits per input (``-inf``/``inf`` where unrestricted) and the box's statistics on the
    cases it was found on."""

    low: np.ndarray
    high: np.ndarray
    coverage: float
    density: float
    mass: float
    fails: float = 0.0
    trials: float = 0.0

    @property
    def restricted(self) -> list[int]:
        """Indices of the inputs the box limits (on either side)."""
        return [int(j) for j in np.flatnonzero(np.isfinite(self.low) | np.isfinite(self.high))]

    @property
    def n_restricted(self) -> int:
        return len(self.restricted)

    def contains(self, x: np.ndarray) -> np.ndarray:
        """Bool (n,): the cases (rows of ``x``) inside the box."""
        return np.all((x >= self.low) & (x <= self.high), axis=1)

    def without(self, j: int) -> tuple[np.ndarray, np.ndarray]:
        """The limits with input ``j`` unrestricted."""
        low, high = self.low.copy(), self.high.copy()
        low[j], high[j] = -np.inf, np.inf
        return low, high


@dataclass
class Trajectory:
    """The peeling trajectory: ``boxes[0]`` holds every case, each next box one peel more."""

    boxes: list[Box] = field(default_factory=list)
    pruned: list[Box] = field(default_factory=list)      # each box with its needless limits dropped (analysis)

    def __len__(self) -> int:
        return len(self.boxes)

    def table(self) -> list[dict]:
        """One row per box: index, coverage, density, mass, restricted inputs; and the same of
        the pruned box where there is one."""
        rows = []
        for i, b in enumerate(self.boxes):
            row = {"box": i, "coverage": b.coverage, "density": b.density, "mass": b.mass,
                   "restricted": b.n_restricted}
            if i < len(self.pruned):
                q = self.pruned[i]
                row.update(pruned_coverage=q.coverage, pruned_density=q.density, pruned_mass=q.mass,
                           pruned_restricted=q.n_restricted)
            rows.append(row)
        return rows


def box_of(x: np.ndarray, fails: np.ndarray, trials: np.ndarray, low: np.ndarray, high: np.ndarray) -> Box:
    """The box of these limits with its statistics on the cases (x, fails, trials)."""
    inside = np.all((x >= low) & (x <= high), axis=1)
    f, t = float(fails[inside].sum()), float(trials[inside].sum())
    total_f, total_t = float(fails.sum()), float(trials.sum())
    return Box(low, high, coverage=f / total_f if total_f else float("nan"),
               density=f / t if t else float("nan"), mass=t / total_t if total_t else 0.0, fails=f, trials=t)


def _peels(xb: np.ndarray, alpha: float) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """The low and the high peel of every input at once, for the box's cases ``xb`` (nb, d):
    per side, (new limit (d,), cases removed (nb, d), whether the side can be peeled (d,)).
    A side removes the values at or beyond its ``alpha`` quantile (at least the extreme value)."""
    lo_q = np.quantile(xb, alpha, axis=0, method="lower")            # the value at floor((nb-1) alpha)
    hi_q = np.quantile(xb, 1 - alpha, axis=0, method="higher")       # at ceil((nb-1) (1-alpha)), as EMA
    lo_min, hi_max = xb.min(axis=0), xb.max(axis=0)
    cut = np.where(lo_q > lo_min, lo_q, lo_min)
    removed = xb <= cut
    kept = np.where(removed, np.inf, xb).min(axis=0)
    low_side = ((cut + kept) / 2, removed, np.isfinite(kept))
    cut = np.where(hi_q < hi_max, hi_q, hi_max)
    removed = xb >= cut
    kept = np.where(removed, -np.inf, xb).max(axis=0)
    return [low_side, ((cut + kept) / 2, removed, np.isfinite(kept))]


def peel(x: np.ndarray, fails: np.ndarray, trials: np.ndarray, alpha: float = ALPHA,
         mass_min: float = MASS_MIN) -> Trajectory:
    """The peeling trajectory of cases ``x`` (n, d) with ``fails`` out of ``trials`` (n,)."""
    n, d = x.shape
    low, high = np.full(d, -np.inf), np.full(d, np.inf)
    total_t = float(trials.sum())
    traj = Trajectory([box_of(x, fails, trials, low, high)])
    inside = np.ones(n, bool)
    while True:
        idx = np.flatnonzero(inside)
        f_box, t_box = fails[idx], trials[idx]
        F, T = f_box.sum(), t_box.sum()
        best = None                   # ((gain, -trials removed), side, input, limit, removed)
        for side, (limit, removed, ok) in enumerate(_peels(x[idx], alpha)):
            t_left = T - t_box @ removed
            ok = ok & (t_left > 0) & (t_left >= mass_min * total_t)
            if not ok.any():
                continue
            t_removed = T - t_left
            with np.errstate(invalid="ignore", divide="ignore"):
                dens = (F - f_box @ removed) / np.where(t_left > 0, t_left, 1)
                gain = np.where(ok, (dens - F / T) / np.where(t_removed > 0, t_removed, 1), -np.inf)
            # the best gain in density per trial removed; among equal ones the one removing least
            j = int(np.lexsort((t_removed, -gain))[0])
            key = (gain[j], -t_removed[j])
            if best is None or key > best[0]:
                best = (key, side, j, limit[j], removed[:, j])
        if best is None:
            return traj
        _, side, j, limit, removed = best
        low, high = low.copy(), high.copy()
        (low if side == 0 else high)[j] = limit
        inside[idx[removed]] = False
        traj.boxes.append(box_of(x, fails, trials, low, high))


def paste(x: np.ndarray, fails: np.ndarray, trials: np.ndarray, box: Box, alpha: float = ALPHA) -> Box:
    """Widen ``box``'s limits one ``alpha`` slice at a time while the density rises (each paste
    adds the cases just beyond one limit that meet all the other limits)."""
    while True:
        n_box = max(int(np.count_nonzero(box.contains(x))), 1)
        step = max(int(np.ceil(alpha * n_box)), 1)
        best = None
        for j in box.restricted:
            others_low, others_high = box.without(j)
            meets_others = np.all((x >= others_low) & (x <= others_high), axis=1)
            for side in (0, 1):
                bound = box.low[j] if side == 0 else box.high[j]
                if not np.isfinite(bound):
                    continue
                beyond = meets_others & ((x[:, j] < bound) if side == 0 else (x[:, j] > bound))
                vals = np.sort(x[beyond, j])
                if not vals.size:
                    continue
                vals = vals[::-1] if side == 0 else vals
                edge = vals[min(step, vals.size) - 1]
                rest = vals[vals != edge]
                rest = rest[(rest < edge) if side == 0 else (rest > edge)]
                new = (-np.inf if side == 0 else np.inf) if not rest.size else (edge + rest[0]) / 2
                low, high = box.low.copy(), box.high.copy()
                (low if side == 0 else high)[j] = new
                cand = box_of(x, fails, trials, low, high)
                if cand.density > box.density + 1e-12 and (best is None or cand.density > best.density):
                    best = cand
        if best is None:
            return box
        box = best
