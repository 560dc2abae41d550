"""The search: screen, surrogate proposals, racing, a final choice on common random numbers,
and verification on fresh seeds.

1. **Screen.** Every candidate of a space-filling design gets ``screen_replicates`` replicates
   of the search stream (replicates 0..r0-1 at every candidate: common random numbers).
2. **Surrogate.** A logistic model of each constraint's odds (``surrogate.py``) proposes a few
   candidates a round near the cheapest predicted-feasible mixes; they are screened alike.
3. **Racing.** A live candidate is dropped when a one-sided Clopper-Pearson upper bound of
   some constraint's odds falls below its target (Bonferroni over candidates x constraints x
   rounds, ``stats.py``). It is *certified at search level* when every lower bound clears its
   target. Once ``verify_attempts`` candidates are certified, dearer ones cannot be the answer
   and are dropped. The undecided survivors that are cheapest get ``growth`` times more
   replicates a round (replicates r0..4r0-1, 4r0..16r0-1, ...: still common to all).
   Frontier mode drops instead a candidate beaten by a cheaper one on the first constraint's
   odds (an exact paired test on the same replicates) or infeasible on another constraint.
4. **Final choice.** The cheapest survivors (the finalists) are brought to the same replicates
   and compared on them; the cheapest certified one is chosen first.
5. **Verification.** The chosen mix is simulated again on ``verify_replicates`` replicates of a
   stream the search never used. Its odds and one-sided 95% lower bounds come from these alone,
   so the search's selection (the winner's curse) cannot inflate them. If a lower bound misses
   its target, the next finalist is verified, up to ``verify_attempts``; the bounds are
   corrected for the attempts and constraints (Bonferroni), so they hold together.

Every number of the search is a function of the outcomes, which are checkpointed, so the search
replays identically on resume (``evaluate.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .candidates import Box, Candidate
from .spec import Optimisation, family_alpha, verify_reserve
from .stats import bonferroni, lower_bound, paired_better, upper_bound
from .surrogate import fit_models, propose

SEARCH, VERIFY = "s", "v"


@dataclass
class Entry:
    """A candidate in the race: its replicates on the search stream and its fate."""

    cand: Candidate
    origin: str
    n: int = 0
    status: str = "live"            # live | infeasible | dearer than certified | dominated
    dropped_in: int | None = None
    k: np.ndarray | None = None      # successes per constraint

    @property
    def live(self) -> bool:
        return self.status == "live"

    @property
    def cost(self) -> float:
        return self.cand.cost.total_cny


@dataclass
class Verified:
    """A mix simulated on fresh seeds: odds per constraint and lower bounds."""

    entry: Entry
    n: int
    estimate: np.ndarray
    lower: np.ndarray                # family-corrected lower bounds (the recommended mix's)
    lower_pointwise: np.ndarray      # one-sided (1 - alpha) bounds of this point alone
    search_estimate: np.ndarray
    passed: bool


@dataclass
class Outcome:
    """What a search found."""

    entries: list[Entry]
    finalists: list[Entry]
    verified: list[Verified]
    recommended: Verified | None
    frontier: list[Verified]
    history: list[dict] = field(default_factory=list)
    spent: int = 0
    search_spent: int = 0
    alpha_race: float = 0.0
    alpha_family: float = 0.0


class Search:
    """One optimisation's search over an ``Evaluator`` (outcomes from records or workers)."""

    def __init__(self, opt: Optimisation, evaluator, on_progress=None):
        self.opt, self.ev, self.box = opt, evaluator, Box(opt)
        s = opt.spec.search
        self.s, self.mode = s, opt.spec.optimise.mode
        self.targets = np.array([c.probability for c in opt.spec.constraints])
        self.entries: list[Entry] = []
        self.history: list[dict] = []
        self.on_progress = on_progress or (lambda search, stage: None)
        self.rounds = max(s.max_rounds, s.surrogate_rounds)
        # every drop test there can be: candidates x constraints x (drop checks: after the screen,
        # each proposal round, each racing round and the finalists' common replicates)
        max_candidates = s.screen_points + 1 + s.surrogate_rounds * s.proposals
        checks = 2 * self.rounds + 2
        self.alpha_race = bonferroni(s.alpha, max_candidates * len(self.targets) * checks)
        self.alpha_pair = bonferroni(s.alpha, max_candidates * max_candidates * checks)
        self.search_budget = opt.spec.optimise.replicates - verify_reserve(opt.spec)

    def verify_margin(self) -> float:
        """How far above its target a mix's odds must lie for the verification to pass about
        half the time: z of the corrected level x the binomial standard error at the target."""
        from scipy.stats import norm

        p = float(np.max(self.targets))
        z = norm.ppf(1 - family_alpha(self.opt.spec))
        return float(z * np.sqrt(p * (1 - p) / self.s.verify_replicates))

    # ---- bookkeeping ---------------------------------------------------------------------------

    def _grow(self, entries: list[Entry], n: int) -> None:
        """Bring ``entries`` to ``n`` search replicates and refresh their counts."""
        self.ev.ensure([(e.cand, SEARCH, e.n, n) for e in entries if e.n < n])
        for e in entries:
            if e.n < n:
                e.n = n
            e.k = self.ev.outcomes(e.cand, SEARCH, e.n).sum(axis=1)

    def _add(self, cands: list[Candidate], origin: str) -> list[Entry]:
        known = {e.cand.key for e in self.entries}
        new = [Entry(c, origin) for c in cands if c.key not in known]
        self.entries += new
        self._grow(new, self.s.screen_replicates)
        return new

    def upper(self, e: Entry) -> np.ndarray:
        return upper_bound(e.k, e.n, self.alpha_race)

    def lower(self, e: Entry) -> np.ndarray:
        return lower_bound(e.k, e.n, self.s.alpha)

    def certified(self, e: Entry) -> bool:
        """Certified at search level: every one-sided (1 - alpha) lower bound clears its target.
        Not corrected for multiplicity: it only orders the finalists and prunes dearer mixes;
        the answer's guarantee comes from the verification on fresh seeds."""
        return bool(np.all(self.lower(e) >= self.targets))

    def live(self) -> list[Entry]:
        return sorted((e for e in self.entries if e.live), key=lambda e: (e.cost, e.cand.key))

    def _note(self, stage: str) -> None:
        cert = [e.cost for e in self.live() if self.certified(e)]
        self.history.append({"stage": stage, "replicates": self.ev.spent, "live": len(self.live()),
                             "best_certified_cost_cny": min(cert) if cert else None})
        self.on_progress(self, stage)

    # ---- the stages ----------------------------------------------------------------------------

    def run(self) -> Outcome:
        self._add(self.box.screen(), "screen")
        self._drop(0)
        self._note("screen")
        for r in range(1, self.rounds + 1):
            if r <= self.s.surrogate_rounds:
                self._propose(r)
                self._drop(r)
                self._note(f"surrogate {r}")
            raced = r <= self.s.max_rounds and self._race_round(r)
            if raced:
                self._note(f"racing {r}")
            elif r >= self.s.surrogate_rounds:
                break
        finalists = self._finalists()
        self._note("finalists")
        search_spent = self.ev.spent
        if self.mode == "cheapest":
            verified = self._verify_ladder(finalists)
            recommended = next((v for v in verified if v.passed), verified[0] if verified else None)
            frontier = verified
        else:
            frontier = self._verify_frontier()
            verified = frontier
            recommended = next((v for v in frontier if v.passed), None) or max(
                frontier, key=lambda v: float(np.min(v.lower - self.targets)), default=None)
        self._note("verification")
        return Outcome(self.entries, finalists, verified, recommended, frontier, self.history, self.ev.spent,
                       search_spent, self.alpha_race, family_alpha(self.opt.spec))

    def _propose(self, round_no: int) -> None:
        data = [e for e in self.entries if e.n > 0]
        units = np.array([e.cand.unit for e in data])
        k = np.array([e.k for e in data])
        n = np.array([e.n for e in data])
        models = fit_models(units, k, n)
        known = {e.cand.key for e in self.entries}
        affordable = (self.search_budget - self.ev.spent) // self.s.screen_replicates
        count = int(min(self.s.proposals, affordable))
        if count < 1:
            return
        cands = propose(self.box, models, list(self.targets), known, count, round_no,
                        margin=self.verify_margin(), frontier=self.mode == "frontier")
        self._add(cands, f"surrogate {round_no}")

    def _drop(self, round_no: int) -> None:
        """Racing's drops: infeasible candidates, and those that cannot be the answer."""
        for e in self.live():
            bad = self.upper(e) < self.targets
            if self.mode == "frontier":
                bad = bad[1:]                        # the first constraint is the frontier's axis
            if np.any(bad):
                e.status, e.dropped_in = "infeasible", round_no
        if self.mode == "cheapest":
            certified = [e for e in self.live() if self.certified(e)]
            if len(certified) >= self.s.verify_attempts:
                limit = certified[self.s.verify_attempts - 1].cost
                for e in self.live():
                    if e.cost > limit:
                        e.status, e.dropped_in = "dearer than certified", round_no
        else:
            self._drop_dominated(round_no)

    def _drop_dominated(self, round_no: int) -> None:
        """Frontier mode: drop a candidate a cheaper one beats on the first constraint's odds,
        by the exact paired test on their common replicates."""
        live = self.live()
        axis = {e.cand.key: self.ev.outcomes(e.cand, SEARCH, e.n)[0] for e in live}
        for i, e in enumerate(live):
            for f in live[:i]:
                if f.live and f.cost <= e.cost:
                    m = min(e.n, f.n)
                    if paired_better(axis[f.cand.key][:m], axis[e.cand.key][:m], self.alpha_pair):
                        e.status, e.dropped_in = "dominated", round_no
                        break

    def _race_round(self, round_no: int) -> bool:
        """Give each undecided survivor ``growth`` times its replicates, cheapest first while the
        search budget lasts; False if nothing is undecided or nothing could be paid for."""
        if self.mode == "cheapest":
            undecided = [e for e in self.live() if not self.certified(e)]
        else:
            undecided = self.live()
        chosen, cost = [], 0
        for e in undecided:                   # cheapest first
            extra = e.n * (self.s.growth - 1)
            if self.ev.spent + cost + extra > self.search_budget:
                continue                      # a cheaper step for another may still fit
            chosen.append(e)
            cost += extra
        if not chosen:
            return False
        groups: dict[int, list[Entry]] = {}
        for e in chosen:                      # grouped by their replicates before this round
            groups.setdefault(e.n, []).append(e)
        for n, group in sorted(groups.items()):
            self._grow(group, n * self.s.growth)
        self._drop(round_no)
        return True

    def _finalists(self) -> list[Entry]:
        """The mixes verification may choose from, on common replicates where the budget allows,
        in the order they are verified: certified ones by cost, then those whose estimates meet
        the targets. Cheapest mode: the ``verify_attempts`` cheapest certified mixes and the two
        cheaper undecided ones with the best estimates; frontier mode: every survivor."""
        live = self.live()
        if self.mode == "cheapest":
            cert = [e for e in live if self.certified(e)][: self.s.verify_attempts]
            limit = cert[-1].cost if len(cert) == self.s.verify_attempts else float("inf")
            undecided = [e for e in live if not self.certified(e) and e.cost < limit]
            undecided = sorted(undecided, key=lambda e: -float(np.min(e.k / e.n - self.targets)))[:2]
            finalists = sorted(cert + undecided, key=lambda e: (e.cost, e.cand.key))
            if finalists:
                self._common_replicates(finalists)
                finalists = [e for e in finalists if e.live]
        else:
            finalists = live
        cert = [e for e in finalists if self.certified(e)]
        hopeful = [e for e in finalists if not self.certified(e) and np.all(e.k / e.n >= self.targets)]
        rest = [e for e in finalists if e not in cert and e not in hopeful]
        return cert + hopeful + rest

    def _common_replicates(self, finalists: list[Entry]) -> None:
        """Bring the finalists to the same replicates (the most any of them has), if affordable,
        so they are compared on common random numbers."""
        top = max(e.n for e in finalists)
        if self.ev.spent + sum(top - e.n for e in finalists) <= self.search_budget:
            self._grow(finalists, top)
            for e in finalists:
                if np.any(self.upper(e) < self.targets):
                    e.status, e.dropped_in = "infeasible", self.s.max_rounds + 1

    # ---- verification on fresh seeds -----------------------------------------------------------

    def _verify(self, e: Entry, alpha_family: float) -> Verified:
        n = self.s.verify_replicates
        self.ev.ensure([(e.cand, VERIFY, 0, n)])
        k = self.ev.outcomes(e.cand, VERIFY, n).sum(axis=1)
        low = np.atleast_1d(lower_bound(k, n, alpha_family))
        point = np.atleast_1d(lower_bound(k, n, self.s.alpha))
        return Verified(e, n, k / n, low, point, e.k / e.n, bool(np.all(low >= self.targets)))

    def _verify_ladder(self, finalists: list[Entry]) -> list[Verified]:
        out = []
        for e in finalists[: self.s.verify_attempts]:
            out.append(self._verify(e, family_alpha(self.opt.spec)))
            if out[-1].passed:
                break
        return out

    def _verify_frontier(self) -> list[Verified]:
        """The frontier: survivors whose search odds rise with cost, at most ``frontier_points``
        spread along it, each verified on fresh seeds."""
        front, best = [], -1.0
        for e in self.live():
            p = e.k[0] / e.n
            if p > best:
                front.append(e)
                best = p
        if len(front) > self.s.frontier_points:
            idx = np.unique(np.round(np.linspace(0, len(front) - 1, self.s.frontier_points)).astype(int))
            front = [front[i] for i in idx]
        return [self._verify(e, family_alpha(self.opt.spec)) for e in front]
