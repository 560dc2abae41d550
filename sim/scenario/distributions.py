"""Distributions a scenario may give for an uncertain value, and how they are sampled.

A value in a scenario is either a plain number (fixed) or a table with ``dist = "..."``:
fixed, uniform, triangular, normal (optionally truncated), lognormal, beta (optionally
rescaled to [low, high]) or discrete (values with probabilities).

Sampling is by the inverse CDF (``ppf``) of one uniform per value and replicate. So each
parameter always uses the same uniform of its replicate's stream, whatever the distributions of
the others: changing one parameter's distribution in a variant leaves every other draw as it was
(common random numbers across scenarios), and the same mechanism serves Latin-hypercube designs.
Normal and lognormal tails are truncated to the parameter's allowed range.
"""

from __future__ import annotations

import math
from typing import Annotated, Literal, Union

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator


class _Dist(BaseModel):
    model_config = ConfigDict(extra="forbid")

    def support(self) -> tuple[float, float]:
        raise NotImplementedError

    def ppf(self, u: np.ndarray, bounds: tuple[float, float]) -> np.ndarray:
        """Values at the uniform quantiles ``u``, within the parameter's allowed ``bounds``."""
        raise NotImplementedError

    def declared_range(self) -> tuple[float, float]:
        """The range the scenario writer declared; checked against the parameter's allowed range."""
        return self.support()

    def central(self) -> float:
        """A central value (the mode or median), used for documentation and deterministic runs."""
        raise NotImplementedError


class Fixed(_Dist):
    dist: Literal["fixed"]
    value: float

    def support(self):
        return (self.value, self.value)

    def ppf(self, u, bounds):
        return np.full(np.shape(u), self.value)

    def central(self):
        return self.value


class Uniform(_Dist):
    dist: Literal["uniform"]
    low: float
    high: float

    @model_validator(mode="after")
    def _order(self):
        if not self.low < self.high:
            raise ValueError(f"uniform needs low < high, got low={self.low}, high={self.high}")
        return self

    def support(self):
        return (self.low, self.high)

    def ppf(self, u, bounds):
        return self.low + (self.high - self.low) * np.asarray(u)

    def central(self):
        return (self.low + self.high) / 2


class Triangular(_Dist):
    dist: Literal["triangular"]
    low: float
    mode: float
    high: float

    @model_validator(mode="after")
    def _order(self):
        if not (self.low <= self.mode <= self.high and self.low < self.high):
            raise ValueError(
                f"triangular needs low <= mode <= high and low < high, "
                f"got low={self.low}, mode={self.mode}, high={self.high}")
        return self

    def support(self):
        return (self.low, self.high)

    def ppf(self, u, bounds):
        u = np.asarray(u, dtype=float)
        a, c, b = self.low, self.mode, self.high
        fc = (c - a) / (b - a)
        left = a + np.sqrt(u * (b - a) * (c - a))
        right = b - np.sqrt((1 - u) * (b - a) * (b - c))
        return np.where(u < fc, left, right)

    def central(self):
        return self.mode


class Normal(_Dist):
    """Normal(mean, sd), truncated to [low, high] if given, and always to the parameter's allowed range."""

    dist: Literal["normal"]
    mean: float
    sd: float = Field(gt=0)
    low: float | None = None
    high: float | None = None

    @model_validator(mode="after")
    def _order(self):
        lo = -math.inf if self.low is None else self.low
        hi = math.inf if self.high is None else self.high
        if not lo < hi:
            raise ValueError(f"normal needs low < high, got low={self.low}, high={self.high}")
        return self

    def support(self):
        return (-math.inf if self.low is None else self.low, math.inf if self.high is None else self.high)

    def declared_range(self):
        # unbounded tails are truncated to the parameter's allowed range when sampled
        return (self.mean if self.low is None else self.low, self.mean if self.high is None else self.high)

    def ppf(self, u, bounds):
        from scipy.stats import norm

        lo = max(self.support()[0], bounds[0])
        hi = min(self.support()[1], bounds[1])
        f_lo, f_hi = norm.cdf([(lo - self.mean) / self.sd, (hi - self.mean) / self.sd])
        return self.mean + self.sd * norm.ppf(f_lo + np.asarray(u) * (f_hi - f_lo))

    def central(self):
        return self.mean


class LogNormal(_Dist):
    """Lognormal with the given median and log-scale sd (sigma), truncated to the allowed range."""

    dist: Literal["lognormal"]
    median: float = Field(gt=0)
    sigma: float = Field(gt=0)

    def support(self):
        return (0.0, math.inf)

    def declared_range(self):
        return (self.median, self.median)

    def ppf(self, u, bounds):
        from scipy.stats import norm

        mu = math.log(self.median)
        lo = -np.inf if bounds[0] <= 0 else (math.log(bounds[0]) - mu) / self.sigma
        hi = np.inf if math.isinf(bounds[1]) else (math.log(bounds[1]) - mu) / self.sigma
        f_lo, f_hi = norm.cdf([lo, hi])
        return np.exp(mu + self.sigma * norm.ppf(f_lo + np.asarray(u) * (f_hi - f_lo)))

    def central(self):
        return self.median


class Beta(_Dist):
    """Beta(a, b) rescaled to [low, high] (default [0, 1])."""

    dist: Literal["beta"]
    a: float = Field(gt=0)
    b: float = Field(gt=0)
    low: float = 0.0
    high: float = 1.0

    @model_validator(mode="after")
    def _order(self):
        if not self.low < self.high:
            raise ValueError(f"beta needs low < high, got low={self.low}, high={self.high}")
        return self

    def support(self):
        return (self.low, self.high)

    def ppf(self, u, bounds):
        from scipy.stats import beta

        return self.low + (self.high - self.low) * beta.ppf(np.asarray(u), self.a, self.b)

    def central(self):
        return self.low + (self.high - self.low) * self.a / (self.a + self.b)


class Discrete(_Dist):
    """One of ``values`` with probabilities ``probs`` (equal if omitted)."""

    dist: Literal["discrete"]
    values: list[float] = Field(min_length=1)
    probs: list[float] | None = None

    @model_validator(mode="after")
    def _probs(self):
        if self.probs is not None:
            if len(self.probs) != len(self.values):
                raise ValueError(
                    f"discrete needs as many probs as values, got {len(self.probs)} probs "
                    f"for {len(self.values)} values")
            if any(p < 0 for p in self.probs) or abs(sum(self.probs) - 1) > 1e-6:
                raise ValueError(f"discrete probs must be >= 0 and sum to 1, got {self.probs}")
        return self

    def support(self):
        return (min(self.values), max(self.values))

    def ppf(self, u, bounds):
        probs = np.full(len(self.values), 1 / len(self.values)) if self.probs is None else np.asarray(self.probs)
        cdf = np.cumsum(probs)
        idx = np.minimum(np.searchsorted(cdf / cdf[-1], np.asarray(u), side="right"), len(self.values) - 1)
        return np.asarray(self.values, dtype=float)[idx]

    def central(self):
        if self.probs is None:
            return float(np.median(self.values))
        return float(self.values[int(np.argmax(self.probs))])


Distribution = Annotated[
    Union[Fixed, Uniform, Triangular, Normal, LogNormal, Beta, Discrete],
    Field(discriminator="dist"),
]
DIST_NAMES = ["fixed", "uniform", "triangular", "normal", "lognormal", "beta", "discrete"]

# A scenario value: a plain number (fixed) or a distribution table.
Value = Union[float, Distribution]


def as_dist(value: float | _Dist) -> _Dist:
    """Turn a plain number into a Fixed distribution."""
    return value if isinstance(value, _Dist) else Fixed(dist="fixed", value=float(value))
