"""One outcome's scenario discovery: find the box, choose it by a stated rule, test its limits,
measure their stability and cross-check it.

1. **Split.** The cases are shuffled (seeded) and split in two halves: the box is found on the
   *discovery* half and tested on the *test* half. A test on the cases a box was found on is
   biased (the search picked the limits that look best there); on fresh cases it is not.
2. **Peel** the discovery half (``sim.discovery.prim``) into the peeling trajectory.
3. **Choose** a box from the trajectory by the rule (``Rule``): the densest box whose coverage is
   at least ``min_coverage`` and which restricts at most ``max_dims`` inputs (default 0.5 and 3),
   unless ``box`` names a trajectory index. If no box qualifies, none is reported.
4. **Paste** it (widen limits while the density rises) and **prune** it: drop, one by one, the
   limit whose removal costs the least density while that loss is below twice the box density's
   standard error (a limit that buys no more than the noise is not worth a planner's attention).
5. **Test** each limit on the test half (``sim.discovery.significance``: Fisher's exact test for
   independent replicates, a beta-binomial likelihood ratio for design points) and the box
   against the cases outside it; give 95% cluster-bootstrap intervals of its density and coverage.
6. **Stability.** The whole search (peel, choose, paste, prune) is repeated on ``resamples``
   bootstrap resamples of the discovery half (a design point resampled whole); the share of
   resamples whose box restricts an input is that input's stability.
7. **Cross-check** with CART and a logistic fit (``sim.discovery.crosscheck``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from . import prim
from .significance import box_intervals, density_greater, limit_tests

RESAMPLES = 30
SPLIT = 0.5
FEW = 20             # fewer target futures than this in the discovery half earn a warning
PRUNE_Z = 2.0        # a limit is kept if it buys at least this many standard errors of density


@dataclass(frozen=True)
class Rule:
    """How the reported box is chosen from the peeling trajectory."""

    min_coverage: float = 0.5
    max_dims: int = 3
    box: int | None = None           # a trajectory index chosen by the user (--box N)
    alpha: float = prim.ALPHA
    mass_min: float = prim.MASS_MIN

    def text(self) -> str:
        if self.box is not None:
            return f"box {self.box} of the peeling trajectory, chosen by the user (--box {self.box})"
        return (f"the densest box of the peeling trajectory with coverage >= {self.min_coverage:g} and at most "
                f"{self.max_dims} restricted inputs, then pasted and pruned")


@dataclass
class Finding:
    """What discovery found for one outcome."""

    outcome: object
    trajectory: prim.Trajectory
    chosen: int
    box: prim.Box                                      # on the discovery half
    test_box: prim.Box | None = None                   # the same limits on the test half
    limit_p: dict = field(default_factory=dict)        # input index -> (p, naive p, slab fails, slab trials)
    box_p: tuple = (math.nan, math.nan)
    intervals: dict = field(default_factory=dict)      # on the test half
    stability: dict = field(default_factory=dict)      # input index -> share of resamples restricting it
    crosscheck: dict = field(default_factory=dict)
    fresh: dict | None = None
    target: str = "fail"                               # the box gathers failures ("fail") or successes ("reach")
    note: str = ""
    n_discovery: int = 0
    n_test: int = 0


def choose(boxes: list[prim.Box], rule: Rule) -> int:
    """The index the rule picks among the (pruned) trajectory boxes; 0, the whole space, if no
    box qualifies."""
    if rule.box is not None:
        return min(max(int(rule.box), 0), len(boxes) - 1)
    base = boxes[0].density
    ok = [i for i, b in enumerate(boxes) if i > 0 and b.coverage >= rule.min_coverage
          and 0 < b.n_restricted <= rule.max_dims and b.density > base]
    if not ok:
        return 0
    return max(ok, key=lambda i: (boxes[i].density, -boxes[i].n_restricted, boxes[i].coverage))


def prune(x: np.ndarray, fails: np.ndarray, trials: np.ndarray, box: prim.Box, clustered: bool) -> prim.Box:
    """Drop limits that buy less density than twice the box density's standard error (one by one,
    the cheapest first). The standard error counts a design point as one observation."""
    while box.n_restricted > 0:
        options = [prim.box_of(x, fails, trials, *box.without(j)) for j in box.restricted]
        best = max(options, key=lambda b: b.density)
        n = np.count_nonzero(best.contains(x)) if clustered else best.trials
        se = math.sqrt(max(best.density * (1 - best.density), 1e-12) / max(n, 1))   # the wider box's
        if box.density - best.density >= PRUNE_Z * se:
            return box
        box = best
    return box


def search(x, fails, trials, rule: Rule, clustered: bool) -> tuple[prim.Trajectory, int, prim.Box]:
    """Peel, prune every box of the trajectory, choose, paste and prune again: (trajectory,
    chosen index, reported box). The rule sees the pruned boxes, so an early peel of an input
    that does not matter does not use up one of its ``max_dims``."""
    traj = prim.peel(x, fails, trials, rule.alpha, rule.mass_min)
    pruned = [traj.boxes[0]] + [prune(x, fails, trials, b, clustered) for b in traj.boxes[1:]]
    traj.pruned = pruned
    i = choose(pruned, rule)
    if i == 0:
        return traj, 0, traj.boxes[0]
    box = prim.paste(x, fails, trials, pruned[i], rule.alpha)
    return traj, i, prune(x, fails, trials, box, clustered)


def split_cases(n: int, seed: int, share: float = SPLIT) -> tuple[np.ndarray, np.ndarray]:
    """(discovery rows, test rows): a seeded shuffle of the n cases, cut at ``share``."""
    order = np.random.default_rng([seed, 2]).permutation(n)
    cut = int(math.ceil(share * n))
    return np.sort(order[:cut]), np.sort(order[cut:])


def stability(x, fails, trials, rule: Rule, clustered: bool, resamples: int, seed: int) -> dict[int, float]:
    """Per input, the share of bootstrap resamples (cases drawn whole, with replacement) whose
    reported box restricts it."""
    rng = np.random.default_rng([seed, 3])
    counts = np.zeros(x.shape[1])
    for _ in range(resamples):
        rows = rng.integers(0, len(x), len(x))
        _, _, box = search(x[rows], fails[rows], trials[rows], rule, clustered)
        counts[box.restricted] += 1
    return {j: float(c / max(resamples, 1)) for j, c in enumerate(counts) if c > 0}


def target_of(cases, key: str, target: str = "auto") -> str:
    """What the box gathers: "fail" or "reach" as asked; "auto": the rarer of the two (a goal that
    fails in most futures is explained by where it is reached, and the reverse)."""
    if target != "auto":
        return target
    return "fail" if cases.fails[key].sum() <= 0.5 * cases.trials.sum() else "reach"


def analyse(cases, outcome, rule: Rule = Rule(), seed: int = 0, resamples: int = RESAMPLES,
            cross: bool = True, target: str = "auto") -> Finding:
    """Scenario discovery of one outcome on ``cases`` (``sim.discovery.cases.Cases``); the box
    gathers the outcome's failures or its successes (``target_of``)."""
    key = outcome.key
    target = target_of(cases, key, target)
    cases = cases.of_interest(key, target)
    disc_rows, test_rows = split_cases(len(cases), seed)
    disc, test = cases.subset(disc_rows), cases.subset(test_rows)
    f, t = disc.fails[key], disc.trials
    if f.sum() == 0 or f.sum() == t.sum():
        traj = prim.Trajectory([prim.box_of(disc.x, f, t, *_open(disc.x.shape[1]))])
        word = "no" if f.sum() == 0 else "every"
        what = "fails" if target == "fail" else "reaches"
        return Finding(outcome, traj, 0, traj.boxes[0], target=target,
                       note=f"{word} case {what} this outcome: nothing to explain",
                       n_discovery=len(disc), n_test=len(test))
    traj, chosen, box = search(disc.x, f, t, rule, cases.clustered)
    found = Finding(outcome, traj, chosen, box, target=target, n_discovery=len(disc), n_test=len(test))
    if box.n_restricted == 0:
        found.note = "No box meets the rule: " + rule.text() + "."
    if f.sum() < FEW:
        found.note = (f"only {f.sum():g} target futures among the {len(disc)} discovery cases: too few for a reliable "
                      "box; run more replicates. " + found.note).strip()
    ft, tt = test.fails[key], test.trials
    inside = box.contains(test.x)
    found.test_box = prim.box_of(test.x, ft, tt, box.low, box.high)
    found.intervals = box_intervals(inside, ft, tt, seed=seed)
    if box.n_restricted:
        found.limit_p = limit_tests(box, test.x, ft, tt, cases.clustered)
        found.box_p = density_greater(ft, tt, inside, ~inside, cases.clustered)
        found.stability = stability(disc.x, f, t, rule, cases.clustered, resamples, seed)
        if cross:
            from .crosscheck import cross_check
            found.crosscheck = cross_check(disc, test, key, inside, seed)
    return found


def _open(d: int) -> tuple[np.ndarray, np.ndarray]:
    return np.full(d, -np.inf), np.full(d, np.inf)
