"""Posterior files, a scenario input: reading and checking the calibrated parameters a scenario
draws from. (The calibration writes them: ``sim/calibration/posterior.py``.)

A posterior file is a CSV table, one row per sample: a ``weight`` column (importance weights,
any non-negative scale), a ``base_year`` column (the year whose simulated state the samples'
start values are: the calibration's last hindcast year, the same in every row) and one column per
calibrated parameter, named as in the parameter
registry (``sim/parameters.py``; e.g. ``knowledge_productivity``, ``hte_apply_prob``). A
scenario names its posterior file by a path relative to its own folder::

    [posterior]
    file = "../calibration/posterior/posterior.csv"

or as ``shipped:`` and a path inside the innovsim project folder (the source folder holding
``sim/``, ``scenarios/`` and ``calibration/``; ``resolve_file``), which holds wherever the
scenario file is, so a copy of a shipped scenario in another folder runs as it is::

    [posterior]
    file = "shipped:calibration/posterior/posterior.csv"

Each replicate then draws one row of it (with probability proportional to its weight) and
takes that row's values for the parameters in the file, instead of drawing them from the
scenario's own distributions; the other parameters are drawn as usual. The row is chosen by one
extra uniform of the replicate's parameter stream, so a replicate's row depends only on (seed,
replicate): reproducible for any chunking, and common to scenarios compared with the same seed.
The odds then carry the parameters' fitted uncertainty, and the correlations between them.

The file passes the input gate (``sim.scenario.inputs``: a regular file of at most
``MAX_CSV_BYTES``) before it is read, so ``posterior.file = "/dev/zero"`` is an error, not a
process that fills memory.
"""

from __future__ import annotations

import hashlib
import math
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import UserError, located_message, suggest
from ..limits import MAX_CSV_BYTES
from .inputs import CSV_SUFFIX, read_bounded

WEIGHT = "weight"
BASE_YEAR = "base_year"
WHAT = "posterior file"

#: the prefix of a posterior.file read from the innovsim project folder, not the scenario's folder
SHIPPED = "shipped:"

#: what to do about a posterior.file that names no usable file (a scenario copied elsewhere)
PATH_FIX = ("Fix posterior.file, which is read relative to the folder of the scenario file that sets it "
            f"(or, written \"{SHIPPED}PATH\", from the innovsim project folder), or set posterior.enabled = false "
            "to draw those parameters from their priors")

#: the scenario sections whose parameters a posterior file can hold (each column names one of them)
DRAWN_SECTIONS = ("initial", "uncertainties", "rules")


class PosteriorError(UserError):
    """A posterior file that cannot be used: the file, the line and column, what is wrong and
    what is allowed (attributes ``file``, ``line``, ``column``, ``message``, ``allowed``)."""

    def __init__(self, file, message: str, line: int | None = None, column: str | None = None,
                 allowed: str | None = None):
        self.file, self.message, self.line, self.column, self.allowed = str(file), message, line, column, allowed
        super().__init__(located_message(f"In {WHAT} '{file}'{self.place}", message, allowed=allowed))

    @property
    def place(self) -> str:
        """', line 3, column 'exit_rate'' (empty for a problem of the whole file)."""
        return (f", line {self.line}" if self.line else "") + (f", column '{self.column}'" if self.column else "")

    def __reduce__(self):
        return (PosteriorError, (self.file, self.message, self.line, self.column, self.allowed))


@dataclass(frozen=True)
class Posterior:
    """Samples (n, d) of the parameters ``names``, with normalized weights (n,)."""

    names: tuple[str, ...]
    samples: np.ndarray
    weights: np.ndarray
    path: str = ""
    base_year: int = 0          # the year of the state the samples start from

    def check_base_year(self, base_year: int) -> None:
        """A forecast starts where its posterior ends: refuse a scenario of another base year
        (it would start the state of one year in another, silently)."""
        if base_year != self.base_year:
            raise PosteriorError(
                self.path, f"its samples hold the simulated state of {self.base_year}, but the scenario's "
                f"horizon.base_year is {base_year}: a forecast must start in the year its posterior ends. Set "
                f"[horizon] base_year = {self.base_year}, or refit the calibration so that its hindcast ends in "
                f"{base_year} (innovsim calibrate; the hindcast ends at the latest observed year unless "
                "[hindcast] end_year says otherwise)", column=BASE_YEAR, allowed=f"base_year = {base_year}")

    def pick(self, u: np.ndarray) -> np.ndarray:
        """Sample indices for uniforms ``u`` (inverse CDF of the weights)."""
        cdf = np.cumsum(self.weights)
        return np.minimum(np.searchsorted(cdf, u * cdf[-1], side="right"), len(cdf) - 1)

    def effective_sample_size(self) -> float:
        return float(1.0 / np.sum(self.weights ** 2))


def project_root() -> Path:
    """The innovsim project folder (the one holding ``sim/``), which ``shipped:`` names start from."""
    return Path(__file__).resolve().parents[2]


def resolve_file(file: str, folder: str | Path) -> str:
    """``posterior.file`` as written in a scenario file, made absolute: ``shipped:PATH`` from the
    project folder, so that a copy of a shipped scenario runs anywhere; a relative path from
    ``folder``, the folder of the scenario file that sets it (as ``extends``); an absolute path as is."""
    if file.startswith(SHIPPED):
        return str((project_root() / file[len(SHIPPED):].lstrip("/")).resolve())
    return file if os.path.isabs(file) else str((Path(folder) / file).resolve())


def _shipped_hint(path: str | Path) -> str:
    """For a posterior path that names no file: the project's file of the same name, as a
    ``shipped:`` name (a shipped scenario copied elsewhere, whose relative path now misses), or
    why a ``shipped:`` name found nothing; empty otherwise."""
    root, parts = project_root(), Path(path).parts
    if Path(path).is_relative_to(root):
        return (f" The innovsim project folder {root} has no such file (shipped: names are read there; an "
                "installed package without the source folder has no shipped calibration: name a CSV by its path).")
    for k in range(min(len(parts) - 1, 4), 0, -1):       # the longest tail of the path the project has
        tail = Path(*parts[-k:])
        if (root / tail).is_file():
            return (f" The innovsim project has {tail.as_posix()}: to use it from anywhere, write "
                    f"file = \"{SHIPPED}{tail.as_posix()}\".")
    return ""


def _read(path: str | Path) -> bytes:
    """The file's bytes, through the input gate."""
    def error(message: str) -> PosteriorError:
        message = message.rstrip()
        hint = "" if Path(path).exists() else _shipped_hint(path)
        return PosteriorError(path, f"{message}{'' if message[-1:] in '.?!' else '.'}{hint} {PATH_FIX}")

    return read_bounded(path, MAX_CSV_BYTES, WHAT, CSV_SUFFIX, error)


_CACHE: dict[tuple[str, str], Posterior] = {}
_CACHE_SIZE = 8


def read_posterior(path: str | Path) -> Posterior:
    """Read and check a posterior CSV: known parameter columns, values in their allowed ranges,
    non-negative finite weights with a positive sum. Cached by path and content."""
    data = _read(path)
    key = (str(path), hashlib.sha256(data).hexdigest())
    if key not in _CACHE:
        if len(_CACHE) >= _CACHE_SIZE:
            del _CACHE[next(iter(_CACHE))]
        _CACHE[key] = _parse(str(path), data)
    return _CACHE[key]


def content_hash(path: str | Path) -> str:
    """The posterior file's content hash (part of a run's fingerprint; "missing" if there is no
    usable file, which the run itself then reports)."""
    try:
        return hashlib.sha256(_read(path)).hexdigest()[:16]
    except PosteriorError:
        return "missing"


def _parse(path: str, data: bytes) -> Posterior:
    import io

    import pandas as pd

    from .. import parameters

    try:
        df = pd.read_csv(io.BytesIO(data))
    except Exception as exc:  # unreadable CSV: say which file
        raise PosteriorError(path, f"not a readable CSV table: {exc}") from None
    if WEIGHT not in df.columns:
        raise PosteriorError(path, f"no '{WEIGHT}' column; the columns are {', '.join(map(str, df.columns))}",
                             allowed=f"a '{WEIGHT}' column and one column per calibrated parameter")
    if df.empty:
        raise PosteriorError(path, "the file has no samples")
    names = [c for c in df.columns if c not in (WEIGHT, BASE_YEAR)]
    registry = {p.name: p for p in parameters.ALL}
    for c in names:
        if c not in registry:
            near = suggest(c, registry)
            hint = f"; did you mean '{near}'?" if near else ""
            raise PosteriorError(path, f"not a model parameter{hint}", column=str(c),
                                 allowed="registry parameter names (see docs/ODD.md)")
    for i, row in enumerate(df.itertuples(index=False), start=2):      # line 1 is the header
        w = getattr(row, WEIGHT)
        if not (isinstance(w, (int, float)) and math.isfinite(w) and w >= 0):
            raise PosteriorError(path, f"{w!r} is not a non-negative number", line=i, column=WEIGHT)
        for c in names:
            v, p = getattr(row, c), registry[c]
            if not (isinstance(v, (int, float)) and math.isfinite(v) and p.low <= v <= p.high):
                raise PosteriorError(path, f"{v!r} is outside the parameter's allowed range", line=i, column=c,
                                     allowed=f"{p.low:g}..{p.high:g} {p.unit}")
    base_year = _base_year(path, df)
    w = df[WEIGHT].to_numpy(float)
    if w.sum() <= 0:
        raise PosteriorError(path, "the weights sum to 0", column=WEIGHT, allowed="weights with a positive sum")
    return Posterior(tuple(names), df[names].to_numpy(float), w / w.sum(), path, base_year)


def _base_year(path: str, df) -> int:
    """The one base year of every sample (files made before it was recorded cannot be used)."""
    if BASE_YEAR not in df.columns:
        raise PosteriorError(path, f"no '{BASE_YEAR}' column: the file does not say which year's state its samples "
                             "hold (it was written by an older version); refit it with innovsim calibrate",
                             allowed=f"a '{BASE_YEAR}' column, the same year in every row")
    years = set(df[BASE_YEAR].tolist())
    if len(years) != 1 or not all(isinstance(y, (int, float)) and float(y).is_integer() for y in years):
        raise PosteriorError(path, f"the samples disagree on their year ({sorted(map(str, years))[:4]})",
                             column=BASE_YEAR, allowed="one whole year, the same in every row")
    return int(years.pop())


def calibrated_names(scenario) -> set[str]:
    """The parameters a scenario draws from its posterior file (none without one, or disabled)."""
    return set(read_posterior(scenario.posterior_file).names) if scenario.posterior_file is not None else set()


def drawn_from_posterior(scenario, path: str, whose: str = "the scenario's") -> str | None:
    """``"rules.exit_rate is drawn from the scenario's posterior file"`` if the dotted ``path``
    names a parameter (or a part of its distribution) that ``scenario`` draws from its posterior
    file, else None. Such a value is never used: every replicate takes its posterior sample's
    instead. The one test behind every refusal to vary one (sweeps, optimisation, discovery's
    designs, ``apply_overrides``); each caller adds why that matters to it and what to do.
    ``whose`` words the scenario ("the base scenario's")."""
    section, _, rest = str(path).partition(".")
    if section not in DRAWN_SECTIONS or scenario.posterior_file is None:
        return None
    return f"{path} is drawn from {whose} posterior file" if rest.split(".")[0] in calibrated_names(scenario) else None
