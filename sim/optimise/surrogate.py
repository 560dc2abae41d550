"""The surrogate: a logistic model of each constraint's odds across the levers, and the
candidates it proposes.

Why logistic regression (scikit-learn) rather than a Gaussian process or Optuna's sampler: the
data are binomial counts (k successes in n replicates at each candidate), and a logistic model
is the binomial likelihood itself, so a candidate with 3,200 replicates weighs 64 times one
with 50, without an approximate GP likelihood. Odds rise smoothly and mostly monotonically
with money, which a logit that is quadratic in the levers (terms u and u^2 of the unit-scaled
levers) follows with few parameters. It fits in milliseconds and is deterministic, so a
replayed search proposes the same candidates. Optuna's constrained samplers never repeat an
evaluation and return the luckiest trial; racing and the fresh-seed verification below need
repeated, counted evaluations of the same mix, which is what this loop does.

The surrogate only proposes. Every decision (drop, certify, recommend) is made on the
candidates' own replicates, so a poor fit costs replicates, never correctness.
"""

from __future__ import annotations

import numpy as np

REGULARISATION_C = 10.0          # inverse L2 strength: mild, the binomial counts dominate
SAMPLES_PER_DIM = 256            # points the proposals are chosen from, per variable
MAX_SAMPLES = 2048
OPTIMISM = (0.5, 2.5)           # the proposals aim at these multiples of the verification's margin


def features(unit: np.ndarray) -> np.ndarray:
    u = np.atleast_2d(unit)
    return np.hstack([u, u * u])


class OddsModel:
    """Predicted odds of one constraint at unit points (a constant where the data hold one class)."""

    def __init__(self, unit: np.ndarray, k: np.ndarray, n: np.ndarray):
        self.constant = None
        if k.sum() == 0 or k.sum() == n.sum():
            self.constant = (k.sum() + 0.5) / (n.sum() + 1.0)
            return
        try:
            from sklearn.linear_model import LogisticRegression
        except ImportError:
            from ..errors import UserError
            raise UserError("innovsim optimise needs scikit-learn for its surrogate: install it with "
                            'pip install -e ".[optimise]"') from None

        x = features(unit)
        xx = np.vstack([x, x])
        yy = np.r_[np.ones(len(x)), np.zeros(len(x))]
        ww = np.r_[k, n - k].astype(float)
        keep = ww > 0
        self.model = LogisticRegression(C=REGULARISATION_C, solver="newton-cholesky", max_iter=200)
        self.model.fit(xx[keep], yy[keep], sample_weight=ww[keep])

    def predict(self, unit: np.ndarray) -> np.ndarray:
        if self.constant is not None:
            return np.full(len(np.atleast_2d(unit)), self.constant)
        return self.model.predict_proba(features(unit))[:, 1]


def logit(p):
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


def fit_models(units: np.ndarray, k: np.ndarray, n: np.ndarray) -> list[OddsModel]:
    """One model per constraint: ``k`` (candidates, constraints) successes of ``n`` (candidates,)."""
    return [OddsModel(units, k[:, j], n) for j in range(k.shape[1])]


def propose(box, models: list[OddsModel], targets: list[float], known: set[str], count: int, round_no: int,
            margin: float = 0.0, frontier: bool = False) -> list:
    """Up to ``count`` new candidates. Cheapest mode: for each of ``count`` levels from 0.5 to
    2.5 times ``margin`` (how far above its target a mix's odds must lie to pass the
    verification), the cheapest sampled mix whose predicted odds exceed every target by that
    much. Frontier mode: the cheapest mix reaching each of ``count`` odds levels of the first
    constraint spread over its predicted range (the other constraints predicted met)."""
    n = min(MAX_SAMPLES, SAMPLES_PER_DIM * box.dims)
    pool = box.from_unit(box.random_unit(n, round_no))
    pool = [c for c in pool if c.key not in known]
    if not pool:
        return []
    units = np.array([c.unit for c in pool])
    cost = np.array([c.cost.total_cny for c in pool])
    pred = np.stack([m.predict(units) for m in models], axis=1)
    targets = np.asarray(targets)
    order = np.argsort(cost, kind="stable")
    chosen: list = []

    def cheapest(ok: np.ndarray):
        for i in order:
            if ok[i] and pool[i] not in chosen:
                chosen.append(pool[i])
                return

    if frontier:
        others_ok = (pred[:, 1:] >= targets[1:]).all(axis=1) if len(targets) > 1 else np.ones(len(pool), bool)
        axis = pred[:, 0]
        levels = np.linspace(axis.min(), axis.max(), count + 2)[1:-1]
        for level in levels:
            cheapest(others_ok & (axis >= level))
    else:
        worst = (logit(pred) - logit(targets)).min(axis=1)         # the tightest constraint, in logits
        for level in np.linspace(*OPTIMISM, count) if count > 1 else OPTIMISM[:1]:
            cheapest((pred - targets).min(axis=1) >= level * margin)
        if not chosen:                                   # nothing predicted feasible: the most promising
            for i in np.argsort(-worst, kind="stable")[:count]:
                chosen.append(pool[i])
    return chosen[:count]
