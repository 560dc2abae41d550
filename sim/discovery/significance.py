"""How sure a box's limits are: one-sided tests of a box's density against other cases, and
cluster-bootstrap intervals, each fitting how the cases were drawn.

- **Independent replicates** (a run: one case per replicate, 0 or 1 failure): Fisher's exact
  test of the 2 x 2 table (failures and successes inside the box, and in the cases compared),
  one-sided (is the box denser?), as a mid-p value: the exact p is very conservative on counts
  this size, the mid-p is close to the nominal level.
- **Design points** (a case holds the correlated replicates of one point): a beta-binomial
  likelihood-ratio test. The failures of point i are ``Binomial(m_i, p_i)`` with ``p_i`` drawn
  from a beta of mean ``mu`` (one mean inside the box, one for the cases compared) and
  intra-point correlation ``rho`` (shared): the test compares the two means, with the
  overdispersion the replicates of a point share. The signed root of the likelihood ratio gives
  the one-sided p value. Counting the replicates as independent rows instead (``naive``, reported
  beside it) is too liberal when the points' replicates are correlated.

The limits of a box are each tested by dropping that one limit: the cases the dropped limit
excluded (they meet every other limit) are compared with the box. A small p value says the limit
is needed. The tests are run on cases the box was *not* found on (``sim.discovery.analysis``
splits the cases), so the search does not bias them: on inputs that do not matter, p < 0.05 in
about 5% of analyses (tests/test_discovery_stats.py).
"""

from __future__ import annotations

import math

import numpy as np

LEVEL = 0.05          # a limit is called significant at p < LEVEL


def fisher_greater(f_a: float, t_a: float, f_b: float, t_b: float) -> float:
    """One-sided mid-p value of Fisher's exact test that group a (f_a failures of t_a) is denser
    than group b: P(X > f_a) + P(X = f_a) / 2 for X hypergeometric given the margins. The mid-p
    keeps the false-positive rate near the nominal level; the plain exact p is far below it
    (about 1.3% at a nominal 5% for 150 against 150 cases; tests/test_discovery_stats.py)."""
    from scipy.stats import hypergeom

    if t_a <= 0 or t_b <= 0:
        return math.nan
    k, n_a = int(round(f_a)), int(round(t_a))
    total, failures = int(round(t_a + t_b)), int(round(f_a + f_b))
    dist = hypergeom(total, failures, n_a)
    return float(min(dist.sf(k) + 0.5 * dist.pmf(k), 1.0))


def _betabinom_loglik(params: np.ndarray, k: np.ndarray, m: np.ndarray, group: np.ndarray, two: bool) -> float:
    from scipy.special import betaln, gammaln

    mu = 1 / (1 + np.exp(-params[:2])) if two else np.repeat(1 / (1 + np.exp(-params[0])), 2)
    rho = 1 / (1 + np.exp(-params[-1]))
    mu_i = mu[group]
    s = (1 - rho) / rho
    a, b = mu_i * s, (1 - mu_i) * s
    ll = gammaln(m + 1) - gammaln(k + 1) - gammaln(m - k + 1) + betaln(k + a, m - k + b) - betaln(a, b)
    return float(ll.sum())


def _fit(k, m, group, two: bool) -> float:
    """The maximum beta-binomial log-likelihood with two means (``two``) or one."""
    from scipy.optimize import minimize

    def logit(p):
        p = min(max(p, 1e-4), 1 - 1e-4)
        return math.log(p / (1 - p))

    means = [logit((k[group == g].sum() + 0.5) / (m[group == g].sum() + 1)) for g in (0, 1)]
    start = np.array((means if two else [logit((k.sum() + 0.5) / (m.sum() + 1))]) + [logit(0.1)])
    best = -np.inf
    for rho0 in (logit(0.02), logit(0.2)):
        start[-1] = rho0
        res = minimize(lambda p: -_betabinom_loglik(np.clip(p, -12, 12), k, m, group, two), start,
                       method="Nelder-Mead", options={"xatol": 1e-6, "fatol": 1e-8, "maxiter": 4000})
        best = max(best, -float(res.fun))
    return best


def betabinom_greater(k_a, m_a, k_b, m_b) -> float:
    """One-sided p value that points a (failures ``k_a`` of ``m_a`` replicates each) have a
    higher mean failure rate than points b, allowing for the correlation of a point's
    replicates (beta-binomial likelihood ratio, signed root)."""
    from scipy.stats import norm

    k_a, m_a, k_b, m_b = (np.asarray(v, dtype=float) for v in (k_a, m_a, k_b, m_b))
    if k_a.size < 2 or k_b.size < 2:
        return math.nan
    k, m = np.concatenate([k_a, k_b]), np.concatenate([m_a, m_b])
    group = np.concatenate([np.zeros(k_a.size, int), np.ones(k_b.size, int)])
    if k.sum() == 0 or k.sum() == m.sum():
        return 1.0
    lr = max(2 * (_fit(k, m, group, True) - _fit(k, m, group, False)), 0.0)
    diff = k_a.sum() / m_a.sum() - k_b.sum() / m_b.sum()
    return float(norm.sf(math.copysign(math.sqrt(lr), diff)))


def density_greater(fails: np.ndarray, trials: np.ndarray, a: np.ndarray, b: np.ndarray,
                    clustered: bool) -> tuple[float, float]:
    """(p value fitting the mode, naive row-wise p value) that cases ``a`` are denser than
    cases ``b`` (boolean masks)."""
    naive = fisher_greater(fails[a].sum(), trials[a].sum(), fails[b].sum(), trials[b].sum())
    if not clustered:
        return naive, naive
    return betabinom_greater(fails[a], trials[a], fails[b], trials[b]), naive


def limit_tests(box, x: np.ndarray, fails: np.ndarray, trials: np.ndarray, clustered: bool) -> dict[int, tuple]:
    """Per restricted input j: (p, naive p, failures/trials excluded by j's limit alone) on the
    cases (x, fails, trials)."""
    inside = box.contains(x)
    out = {}
    for j in box.restricted:
        low, high = box.without(j)
        slab = np.all((x >= low) & (x <= high), axis=1) & ~inside
        p, naive = density_greater(fails, trials, inside, slab, clustered)
        out[j] = (p, naive, float(fails[slab].sum()), float(trials[slab].sum()))
    return out


def bootstrap_weights(n: int, draws: int, seed: int) -> np.ndarray:
    """(draws, n) multinomial resampling counts of n clusters (each case is one cluster)."""
    rng = np.random.default_rng(seed)
    return rng.multinomial(n, np.full(n, 1 / n), size=draws).astype(float)


def box_intervals(inside: np.ndarray, fails: np.ndarray, trials: np.ndarray, draws: int = 1000,
                  seed: int = 0) -> dict[str, tuple[float, float]]:
    """95% cluster-bootstrap intervals (percentile) of the box's density, coverage and mass and
    of the density outside it: cases are resampled whole, so a point's replicates stay together."""
    w = bootstrap_weights(inside.size, draws, seed)
    fi, ti = w @ (fails * inside), w @ (trials * inside)
    fo, to = w @ (fails * ~inside), w @ (trials * ~inside)
    with np.errstate(invalid="ignore", divide="ignore"):
        stats = {"density": fi / ti, "coverage": fi / (fi + fo), "mass": ti / (ti + to), "density_outside": fo / to}
    return {k: tuple(float(q) for q in np.nanquantile(v, [0.025, 0.975])) if np.isfinite(v).any()
            else (math.nan, math.nan) for k, v in stats.items()}
