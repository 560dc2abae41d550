"""ABC-SMC: approximate Bayesian computation by sequential Monte Carlo, checkpointed per generation.

The algorithm is ABC population Monte Carlo (Beaumont, Cornuet, Marin & Robert 2009, Biometrika
96(4)) with the tolerance set adaptively to a quantile of the previous generation's distances
(Del Moral, Doucet & Jasra 2012):

- generation 0 draws ``population`` particles from the prior and keeps them all, except those
  whose distance is infinite: they contradict an observed event (a flag, a censored rank), and
  more are drawn in their place;
- generation t sets the tolerance eps_t to the ``quantile`` of generation t-1's distances, then
  proposes particles by resampling generation t-1 by weight and perturbing them with a Gaussian
  kernel of twice the weighted covariance; a proposal is kept if its simulated summaries lie
  within eps_t of the observations. Weights are prior / (mixture of kernels), normalized.

Particles live in the unit cube: a parameter's value is its prior's inverse CDF of the
particle's coordinate (``Prior.to_values``), so every prior of a scenario file (triangular,
beta, lognormal, discrete, ...) becomes a uniform prior on [0, 1]^d, whose density is 1 inside
the cube. Proposals falling outside the cube are redrawn.

Why a short implementation and not pyabc: pyabc brings some 70 packages (SQLAlchemy, Redis
clients, ...) and its own database; here a generation's simulations are batches of replicates of
the vectorized core, each generation is checkpointed as one small file, and a run killed at any
moment resumes to the same posterior because every random number is a function of (seed,
generation, batch): the generation in flight is simply redone.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from ..errors import UserError


class EventsUnreachable(UserError):
    """Too few prior draws agree with the observed events to start the fit."""


@dataclass(frozen=True)
class Prior:
    """The calibrated parameters: names and the inverse CDF mapping the unit cube to values."""

    names: tuple[str, ...]
    ppf: Callable[[np.ndarray], np.ndarray]      # (n, d) uniforms -> (n, d) values

    def to_values(self, u: np.ndarray) -> np.ndarray:
        return self.ppf(np.asarray(u, float))


@dataclass
class Generation:
    """One generation's accepted particles (unit cube), weights, distances and summaries."""

    t: int
    eps: float
    u: np.ndarray
    weights: np.ndarray
    distances: np.ndarray
    summaries: np.ndarray
    simulations: int

    @property
    def acceptance(self) -> float:
        return len(self.weights) / max(self.simulations, 1)

    @property
    def ess(self) -> float:
        """Effective sample size of the weights."""
        w = self.weights / self.weights.sum()
        return float(1.0 / np.sum(w * w))


@dataclass
class Settings:
    population: int = 200             # particles per generation
    generations: int = 6              # at most
    quantile: float = 0.5             # eps_t = this quantile of generation t-1's distances
    batch: int = 256                  # proposals drawn together (before the prior's support is applied)
    group: int = 64                   # simulate at least this many proposals per call (speed only)
    max_simulations: int = 200_000    # per generation: stop the run if a generation needs more
    min_acceptance: float = 0.005     # stop when the acceptance rate falls below this
    seed: int = 0


@dataclass
class Result:
    prior: Prior
    generations: list[Generation] = field(default_factory=list)
    stopped: str = ""

    @property
    def last(self) -> Generation:
        return self.generations[-1]

    def values(self) -> np.ndarray:
        """The last generation's particles as parameter values (n, d)."""
        return self.prior.to_values(self.last.u)


# simulate(values (n, d), replicate ids (n,)) -> summaries (n, m); distance(summaries) -> (n,)
Simulator = Callable[[np.ndarray, np.ndarray], np.ndarray]
Distance = Callable[[np.ndarray], np.ndarray]


def run_abc(prior: Prior, simulate: Simulator, distance: Distance, settings: Settings,
            checkpoint_dir: str | Path | None = None, progress: Callable[[Generation], None] | None = None,
            key: dict | None = None, restart: bool = False) -> Result:
    """Run ABC-SMC; with ``checkpoint_dir``, each finished generation is saved there and a rerun
    continues after the last saved generation (same settings, same result). ``key`` describes
    what else fixes the numbers (e.g. the observations): checkpoints made under another key, or
    other settings, make it refuse (``KeyMismatch``), unless ``restart`` discards them."""
    store = _Checkpoints(checkpoint_dir, prior, settings, key, restart) if checkpoint_dir is not None else None
    result = Result(prior)
    if store is not None:
        result.generations = store.load()
        for g in result.generations:
            if progress:
                progress(g)
    d = len(prior.names)
    while len(result.generations) < settings.generations:
        t = len(result.generations)
        rng = np.random.default_rng(np.random.SeedSequence(settings.seed, spawn_key=(t,)))
        if t == 0:
            gen = _first(prior, simulate, distance, settings, rng, d)
        else:
            gen, why = _next(result.generations[-1], prior, simulate, distance, settings, rng, d, t)
            if gen is None:
                result.stopped = why
                break
        result.generations.append(gen)
        if store is not None:
            store.save(gen)
        if progress:
            progress(gen)
        if t > 0 and gen.acceptance < settings.min_acceptance:
            result.stopped = f"acceptance rate {gen.acceptance:.4f} below {settings.min_acceptance}"
            break
    if not result.stopped:
        result.stopped = f"{settings.generations} generations"
    return result


def _ids(t: int, k: int, n: int) -> np.ndarray:
    """Replicate ids of batch k of generation t: unique over the run, so every simulation has
    its own random streams."""
    return (t * 1_000_000_000 + k * 100_000 + np.arange(n)).astype(np.int64)


def _first(prior, simulate, distance, settings, rng, d) -> Generation:
    """Generation 0: prior draws, every one kept whose distance is finite (an infinite distance
    marks a draw that contradicts an observed event), drawn in batches of ``population`` until
    there are ``population`` of them."""
    n = settings.population
    kept_u, kept_s, kept_d = [], [], []
    sims = accepted = k = 0
    while accepted < n:
        if sims >= settings.max_simulations:
            raise EventsUnreachable(
                f"the calibration's prior reaches the observed events too rarely: {accepted} of {sims:,} prior "
                f"draws agree with every event (flag or rank) of the observation file, {n} are needed. Check the "
                "events in the observation file, or widen the priors of the parameters that decide them")
        u = rng.random((n, d))
        s = simulate(prior.to_values(u), _ids(0, k, n))
        dist = distance(s)
        ok = np.isfinite(dist)
        kept_u.append(u[ok])
        kept_s.append(s[ok])
        kept_d.append(dist[ok])
        accepted += int(ok.sum())
        sims += n
        k += 1
    u, s, dist = (np.concatenate(x)[:n] for x in (kept_u, kept_s, kept_d))
    return Generation(0, math.inf, u, np.full(n, 1.0 / n), dist, s, sims)


def _next(prev: Generation, prior: Prior, simulate, distance, settings, rng, d, t):
    """Generation t from generation t-1 (``prev``); (None, why) if it needs too many simulations."""
    eps = float(np.quantile(prev.distances, settings.quantile))
    w = prev.weights / prev.weights.sum()
    cov = 2.0 * np.atleast_2d(np.cov(prev.u, rowvar=False, aweights=w)) + np.eye(d) * 1e-12
    chol, inv = np.linalg.cholesky(cov), np.linalg.inv(cov)
    kept_u, kept_s, kept_d = [], [], []
    sims = accepted = k = 0
    while accepted < settings.population:
        # draw batches until a group is worth a call of the simulator, simulate them together, then
        # take them in order exactly as one batch at a time would (later batches of the group that
        # one-at-a-time would not have drawn are discarded: the same numbers, only faster)
        batches = []
        while sum(len(u) for _, u in batches) < settings.group and len(batches) < _MAX_GROUP_BATCHES:
            parents = rng.choice(len(w), size=settings.batch, p=w)
            u = prev.u[parents] + rng.standard_normal((settings.batch, d)) @ chol.T
            batches.append((k, u[np.all((u > 0) & (u < 1), axis=1)]))   # the prior's support (density 1)
            k += 1
        for (_, u), s in zip(batches, _simulate_group(prior, simulate, t, batches)):
            if accepted >= settings.population:
                break
            if sims >= settings.max_simulations:
                return None, f"generation {t} needed more than {settings.max_simulations} simulations"
            if len(u):
                dist = distance(s)
                ok = dist <= eps
                kept_u.append(u[ok])
                kept_s.append(s[ok])
                kept_d.append(dist[ok])
                accepted += int(ok.sum())
                sims += len(u)
    n = settings.population
    u, s, dist = (np.concatenate(x)[:n] for x in (kept_u, kept_s, kept_d))
    # importance weights: prior density (1 in the cube) / the mixture of perturbation kernels
    diff = u[:, None, :] - prev.u[None, :, :]
    kern = np.exp(-0.5 * np.einsum("ijk,kl,ijl->ij", diff, inv, diff))
    weights = 1.0 / np.maximum(kern @ w, 1e-300)
    return Generation(t, eps, u, weights / weights.sum(), dist, s, sims), ""


_MAX_GROUP_BATCHES = 64        # a group never draws more than this many batches


def _simulate_group(prior: Prior, simulate, t: int, batches: list) -> list[np.ndarray]:
    """The summaries of each batch ``(k, u)`` of a group, simulated in one call."""
    sizes = [len(u) for _, u in batches]
    if not sum(sizes):
        return [np.empty((0, 0))] * len(batches)
    values = prior.to_values(np.concatenate([u for _, u in batches if len(u)]))
    ids = np.concatenate([_ids(t, kb, len(u)) for kb, u in batches if len(u)])
    return np.split(simulate(values, ids), np.cumsum(sizes)[:-1])


class _Checkpoints:
    """One record ``gen-<t>`` per finished generation in the execution layer's checkpoint
    facility (atomic, checksummed), under a key of what fixes each generation's numbers: the
    fitted parameters, the settings (not how many generations: asking for more extends a run) and
    ``extra`` (the observations). A damaged generation is set aside and computed again."""

    _FIELDS = ("t", "eps", "u", "weights", "distances", "summaries", "simulations")

    def __init__(self, folder, prior: Prior, settings: Settings, extra: dict | None = None, restart: bool = False):
        from ..execution.checkpoints import CheckpointStore

        key = {"command": "calibrate", "names": list(prior.names), "population": settings.population,
               "quantile": settings.quantile, "batch": settings.batch, "seed": settings.seed, "extra": extra or {}}
        self.store = CheckpointStore(folder, key, restart=restart, what="the finished generations of a calibration",
                                     describe={"extra": "observations, targets or hindcast window",
                                               "names": "fitted parameters"})

    def load(self) -> list[Generation]:
        gens = []
        while (z := self.store.load(f"gen-{len(gens)}")) is not None:
            gens.append(Generation(int(z["t"]), float(z["eps"]), z["u"], z["weights"], z["distances"],
                                   z["summaries"], int(z["simulations"])))
        return gens

    def save(self, g: Generation) -> None:
        self.store.save(f"gen-{g.t}", {f: np.asarray(getattr(g, f)) for f in self._FIELDS})
