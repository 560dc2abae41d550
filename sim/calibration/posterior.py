"""Posterior samples of calibrated parameters, and how a scenario draws from them.

A posterior file is a CSV table, one row per sample: a ``weight`` column (importance weights,
any non-negative scale) and one column per calibrated parameter, named as in the parameter
registry (``sim/parameters.py``; e.g. ``knowledge_productivity``, ``hte_apply_prob``). A
scenario that names a posterior file::

    [posterior]
    file = "../calibration/posterior/posterior.csv"

draws, for every replicate, one row of it (with probability proportional to its weight) and
takes that row's values for the parameters in the file, instead of drawing them from the
scenario's own distributions; the other parameters are drawn as usual. The row is chosen by one
extra uniform of the replicate's parameter stream, so a replicate's row depends only on (seed,
replicate): reproducible for any chunking, and common to scenarios compared with the same seed.
The odds then carry the parameters' fitted uncertainty, and the correlations between them.
"""

from __future__ import annotations

import functools
import hashlib
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..scenario.errors import UserError, suggest

WEIGHT = "weight"


class PosteriorError(UserError):
    """A posterior file that cannot be used (named file, row, column, value, what is allowed)."""


@dataclass(frozen=True)
class Posterior:
    """Samples (n, d) of the parameters ``names``, with normalized weights (n,)."""

    names: tuple[str, ...]
    samples: np.ndarray
    weights: np.ndarray
    path: str = ""

    def pick(self, u: np.ndarray) -> np.ndarray:
        """Sample indices for uniforms ``u`` (inverse CDF of the weights)."""
        cdf = np.cumsum(self.weights)
        return np.minimum(np.searchsorted(cdf, u * cdf[-1], side="right"), len(cdf) - 1)

    def effective_sample_size(self) -> float:
        return float(1.0 / np.sum(self.weights ** 2))


def write_posterior(path: str | Path, names, samples: np.ndarray, weights: np.ndarray) -> Path:
    """Write a posterior CSV (atomically: a temporary file renamed into place)."""
    import os

    import pandas as pd

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    df = pd.DataFrame(np.asarray(samples, float), columns=list(names))
    df.insert(0, WEIGHT, np.asarray(weights, float) / np.sum(weights))
    tmp = path.with_name(path.name + ".tmp")
    df.to_csv(tmp, index=False, float_format="%.10g")
    os.replace(tmp, path)
    return path


def read_posterior(path: str | Path) -> Posterior:
    """Read and check a posterior CSV: known parameter columns, values in their allowed ranges,
    non-negative finite weights with a positive sum. Cached by path and content."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise PosteriorError(f"Posterior file '{path}' does not exist (posterior.file is read relative to the "
                             "scenario file that names it); run innovsim calibrate to make one") from None
    return _parse(str(path), hashlib.sha256(data).hexdigest())


def content_hash(path: str | Path) -> str:
    """The posterior file's content hash (part of a run's fingerprint; "missing" if there is no
    file, which the run itself then reports)."""
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:16]
    except OSError:
        return "missing"


@functools.lru_cache(maxsize=8)
def _parse(path: str, digest: str) -> Posterior:
    import pandas as pd

    from .. import parameters

    try:
        df = pd.read_csv(path)
    except Exception as exc:  # unreadable CSV: say which file
        raise PosteriorError(f"Posterior file '{path}' is not a readable CSV table: {exc}") from None
    if WEIGHT not in df.columns:
        raise PosteriorError(f"Posterior file '{path}': no '{WEIGHT}' column; the columns are {', '.join(df.columns)}")
    if df.empty:
        raise PosteriorError(f"Posterior file '{path}' has no samples")
    names = [c for c in df.columns if c != WEIGHT]
    registry = {p.name: p for p in parameters.ALL}
    for c in names:
        if c not in registry:
            near = suggest(c, registry)
            hint = f"; did you mean '{near}'?" if near else ""
            raise PosteriorError(f"Posterior file '{path}', column '{c}': not a model parameter{hint} "
                                 "(columns must be registry parameter names, see docs/ODD.md)")
    for i, row in enumerate(df.itertuples(index=False), start=2):      # line 1 is the header
        w = getattr(row, WEIGHT)
        if not (isinstance(w, (int, float)) and math.isfinite(w) and w >= 0):
            raise PosteriorError(f"Posterior file '{path}', line {i}, column '{WEIGHT}': {w!r} is not a "
                                 "non-negative number")
        for c in names:
            v, p = getattr(row, c), registry[c]
            if not (isinstance(v, (int, float)) and math.isfinite(v) and p.low <= v <= p.high):
                raise PosteriorError(f"Posterior file '{path}', line {i}, column '{c}': {v!r} is outside the "
                                     f"parameter's allowed range {p.low:g}..{p.high:g} {p.unit}")
    w = df[WEIGHT].to_numpy(float)
    if w.sum() <= 0:
        raise PosteriorError(f"Posterior file '{path}': the weights sum to 0")
    return Posterior(tuple(names), df[names].to_numpy(float), w / w.sum(), path)


def calibrated_names(scenario) -> set[str]:
    """The parameters a scenario draws from its posterior file (none without one, or disabled)."""
    return set(read_posterior(scenario.posterior_file).names) if scenario.posterior_file is not None else set()
