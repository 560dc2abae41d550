"""Simulation results: indicators per (replicate, year), in memory and on disk.

In memory
---------
:class:`Results` holds, for one scenario and seed, one float64 array shaped ``(R, Y)`` per
indicator: row ``i`` is replicate ``replicate_offset + i``, column ``j`` is ``years[j]``.
``years[0]`` is the base year and holds the start state (before any simulated step), so
``years`` runs ``base_year .. end_year``. Batches of replicates simulated separately are joined
with :meth:`Results.concat`.

On disk (the tidy indicators file)
----------------------------------
One Parquet file (written with pyarrow), one row per (replicate, year), rows sorted by replicate,
then year. Columns, in this order:

========================  =========  ==============================================================
column                    type       meaning
========================  =========  ==============================================================
``replicate``             int64      global replicate index (0-based; the seed stream's key)
``year``                  int16      calendar year; the base year row is the start state
one per indicator         float64    the indicator's value; order of ``sim.indicators.INDICATORS``
                                     (indicators not in that registry follow, in their own order);
                                     NaN where the engine had no value
========================  =========  ==============================================================

The file's schema metadata holds, under the key ``innovsim``, a JSON object
``{"format": "innovsim-indicators", "version": 1, "scenario": ..., "seed": ...,
"estimates": [...]}``, so a file alone is enough to recompute every summary (odds, quantiles).
It also holds one key per column for its unit, ``unit.<column>`` (``unit.gdp`` = ``100m_CNY``),
and one for its meaning, ``description.<column>``, both from ``sim.indicators.INDICATORS``
(``replicate`` is an ``index``, ``year`` a ``year``; an indicator not in the registry has unit
``unknown``); each field carries the same two as its own Arrow metadata (``unit``,
``description``). Units: ``pct`` percent (2.1 is 2.1%), ``share`` a fraction from 0 to 1,
``100m_CNY`` hundred million yuan (亿元), ``flag`` 0 or 1, ``rank`` a rank (1 is best), counts in
their own noun (``firms``, ``platforms``, ...). Read them back with
``pyarrow.parquet.read_schema(path).metadata[b"unit.gdp"]`` or
``read_schema(path).field("gdp").metadata[b"unit"]``; in DuckDB,
``SELECT * FROM parquet_kv_metadata('indicators.parquet')``.
Any Parquet reader opens it (``pandas.read_parquet``, ``pyarrow.parquet.read_table``, DuckDB,
R's ``arrow``).

Long runs stream: :class:`IndicatorWriter` writes one Parquet row group per appended batch, so
memory stays bounded by the batch. It writes to ``<path>.part`` and renames to ``<path>`` only on
a clean close, so a file at ``path`` is always complete; an interrupted run leaves only the
``.part`` file.

Why Parquet: columnar, typed, compressed, self-describing and readable from every analysis tool
a planner or researcher is likely to use; row groups give streaming for free.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .indicators import INDICATORS

FORMAT_NAME = "innovsim-indicators"
FORMAT_VERSION = 1
_META_KEY = b"innovsim"


@dataclass
class Results:
    """Indicators of R replicates over Y years for one scenario and seed.

    ``indicators[name]`` is a float64 array shaped ``(R, Y)``; row ``i`` is global replicate
    ``replicate_offset + i``. ``estimates`` names the start values that were drawn from
    distributions because no observed figure exists (every report lists them).
    """

    scenario: str
    seed: int
    years: np.ndarray
    indicators: dict[str, np.ndarray]
    replicate_offset: int = 0
    estimates: list[str] = field(default_factory=list)

    def __post_init__(self):
        self.years = np.asarray(self.years, dtype=np.int64).reshape(-1)
        if self.years.size and np.any(np.diff(self.years) <= 0):
            raise ValueError(f"years must be strictly increasing, got {self.years.tolist()}")
        self.indicators = {name: _as_matrix(name, a, self.years.size) for name, a in self.indicators.items()}
        rows = {a.shape[0] for a in self.indicators.values()}
        if len(rows) > 1:
            raise ValueError(f"indicators have different numbers of replicates: {sorted(rows)}")
        self.replicate_offset = int(self.replicate_offset)
        self.seed = int(self.seed)
        self.estimates = list(self.estimates)

    # ---- shape and lookup -------------------------------------------------------------

    @property
    def n_runs(self) -> int:
        """Number of replicates (rows)."""
        return next(iter(self.indicators.values())).shape[0] if self.indicators else 0

    @property
    def replicates(self) -> np.ndarray:
        """Global replicate index of each row."""
        return np.arange(self.replicate_offset, self.replicate_offset + self.n_runs, dtype=np.int64)

    @property
    def base_year(self) -> int:
        return int(self.years[0])

    @property
    def end_year(self) -> int:
        return int(self.years[-1])

    def indicator(self, name: str) -> np.ndarray:
        """The ``(R, Y)`` array of one indicator, with a helpful error if it is missing."""
        try:
            return self.indicators[name]
        except KeyError:
            raise KeyError(f"indicator '{name}' is not in these results; they hold: "
                           f"{', '.join(self.indicators)}") from None

    def year_index(self, year: int) -> int:
        """Column of ``year`` in the arrays."""
        hits = np.flatnonzero(self.years == int(year))
        if not hits.size:
            raise ValueError(f"year {year} is not in the results ({self.base_year}..{self.end_year})")
        return int(hits[0])

    # ---- combining ----------------------------------------------------------------------

    @classmethod
    def concat(cls, parts: list[Results]) -> Results:
        """Join batches of the same scenario, seed and years into one, rows in replicate order.

        Batches may come in any order (they are sorted by ``replicate_offset``) but together
        must cover a contiguous range of replicates, with no gap and no overlap, because a row's
        position is its replicate index.
        """
        if not parts:
            raise ValueError("nothing to concatenate")
        parts = sorted(parts, key=lambda r: r.replicate_offset)
        first = parts[0]
        for p in parts[1:]:
            _check_compatible(first, p)
        expected = first.replicate_offset
        for p in parts:
            if p.replicate_offset != expected:
                raise ValueError(f"batches are not contiguous: expected replicate {expected} next, "
                                 f"got a batch starting at {p.replicate_offset}")
            expected += p.n_runs
        indicators = {name: np.concatenate([p.indicators[name] for p in parts], axis=0)
                      for name in first.indicators}
        return cls(first.scenario, first.seed, first.years.copy(), indicators,
                   first.replicate_offset, list(first.estimates))

    def to_frame(self):
        """The tidy table as a pandas DataFrame (same columns as the Parquet file)."""
        import pandas as pd

        return pd.DataFrame(_tidy_columns(self))


def _as_matrix(name: str, a, n_years: int) -> np.ndarray:
    a = np.asarray(a, dtype=np.float64)
    if a.ndim == 1:
        a = a.reshape(1, -1)
    if a.ndim != 2 or a.shape[1] != n_years:
        raise ValueError(f"indicator '{name}' must be shaped (replicates, {n_years}), got {a.shape}")
    return a


def _check_compatible(a: Results, b: Results) -> None:
    if (a.scenario, a.seed) != (b.scenario, b.seed):
        raise ValueError(f"cannot join results of ({a.scenario!r}, seed {a.seed}) and "
                         f"({b.scenario!r}, seed {b.seed})")
    if not np.array_equal(a.years, b.years):
        raise ValueError("cannot join results over different years")
    if list(a.indicators) != list(b.indicators):
        raise ValueError(f"cannot join results with different indicators: "
                         f"{list(a.indicators)} vs {list(b.indicators)}")


# ---- tidy layout ----------------------------------------------------------------------------

def column_order(names) -> list[str]:
    """Indicator columns in file order: the registry's order first, unknown names after."""
    names = list(names)
    known = [n for n in INDICATORS if n in names]
    return known + [n for n in names if n not in INDICATORS]


def _tidy_columns(results: Results) -> dict[str, np.ndarray]:
    """Long-format columns: one row per (replicate, year), replicate-major."""
    r, y = results.n_runs, results.years.size
    cols = {
        "replicate": np.repeat(results.replicates, y),
        "year": np.tile(results.years, r).astype(np.int16),
    }
    for name in column_order(results.indicators):
        cols[name] = results.indicators[name].reshape(-1)
    return cols


def _metadata(results: Results) -> dict[bytes, bytes]:
    meta = {"format": FORMAT_NAME, "version": FORMAT_VERSION, "scenario": results.scenario,
            "seed": results.seed, "estimates": results.estimates}
    return {_META_KEY: json.dumps(meta, ensure_ascii=False).encode("utf-8")}


# the two key columns' units and meaning; the indicators' come from sim.indicators.INDICATORS
KEY_COLUMNS: dict[str, tuple[str, str]] = {
    "replicate": ("index", "global replicate index (0-based; the key of its random stream)"),
    "year": ("year", "calendar year; the base year's row is the start state"),
}
UNKNOWN_UNIT = "unknown"   # an indicator that is not in the registry


def column_units(names) -> dict[str, tuple[str, str]]:
    """(unit, description) of each column of the file: the key columns, then ``names``."""
    known = {**KEY_COLUMNS, **INDICATORS}
    return {n: known.get(n, (UNKNOWN_UNIT, "not in sim.indicators.INDICATORS")) for n in [*KEY_COLUMNS, *names]}


def _unit_metadata(units: dict[str, tuple[str, str]]) -> dict[bytes, bytes]:
    """One schema-metadata key per column for its unit and one for its description
    (``unit.<column>``, ``description.<column>``), readable by any Parquet reader."""
    meta = {}
    for name, (unit, text) in units.items():
        meta[f"unit.{name}".encode()] = unit.encode("utf-8")
        meta[f"description.{name}".encode()] = text.encode("utf-8")
    return meta


def _schema(results: Results):
    import pyarrow as pa

    names = column_order(results.indicators)
    units = column_units(names)
    types = {"replicate": pa.int64(), "year": pa.int16()}
    fields = [pa.field(n, types.get(n, pa.float64()), metadata={"unit": unit, "description": text})
              for n, (unit, text) in units.items()]
    return pa.schema(fields, metadata={**_metadata(results), **_unit_metadata(units)})


# ---- writing --------------------------------------------------------------------------------

class IndicatorWriter:
    """Stream batches of results into one Parquet file, one row group per :meth:`append`.

    Use as a context manager::

        with IndicatorWriter("out/indicators.parquet") as w:
            for batch in batches:
                w.append(batch)

    The schema and metadata come from the first batch; later batches must have the same
    scenario, seed, years and indicators. The file appears at ``path`` only when the writer
    closes without an exception (it is written to ``path + ".part"`` meanwhile). Closing a
    writer that received no batch writes nothing.
    """

    def __init__(self, path, compression: str = "zstd"):
        self.path = Path(path)
        self.part_path = self.path.with_name(self.path.name + ".part")
        self.compression = compression
        self._writer = None
        self._first: Results | None = None
        self.rows_written = 0

    def __enter__(self) -> IndicatorWriter:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self.close(complete=exc_type is None)

    def append(self, results: Results) -> None:
        """Write one batch as a row group."""
        import pyarrow as pa

        if self._first is None:
            self._open(results)
        else:
            _check_compatible(self._first, results)
        table = pa.Table.from_pydict(_tidy_columns(results), schema=self._schema)
        self._writer.write_table(table, row_group_size=max(1, table.num_rows))
        self.rows_written += table.num_rows

    def close(self, complete: bool = True) -> None:
        """Finish the file; move it into place if ``complete``."""
        if self._writer is None:
            return
        self._writer.close()
        self._writer = None
        if complete:
            os.replace(self.part_path, self.path)

    def _open(self, results: Results) -> None:
        import pyarrow.parquet as pq

        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._first = results
        self._schema = _schema(results)
        self._writer = pq.ParquetWriter(self.part_path, self._schema, compression=self.compression)


def write_indicators(results: Results, path) -> Path:
    """Write all of ``results`` to ``path`` as one tidy Parquet file; returns the path."""
    with IndicatorWriter(path) as w:
        w.append(results)
    return Path(path)


# ---- reading --------------------------------------------------------------------------------

def read_indicators(path, columns: list[str] | None = None) -> Results:
    """Read a tidy indicators file back into :class:`Results`.

    ``columns`` optionally restricts the indicators read (the file is columnar, so this is
    cheap). The file must hold a complete grid: every replicate of a contiguous range, each
    with the same years.
    """
    import pyarrow.parquet as pq

    wanted = None if columns is None else ["replicate", "year", *columns]
    table = pq.read_table(path, columns=wanted)
    meta = _read_metadata(pq.read_schema(path).metadata, path)
    rep = table.column("replicate").to_numpy().astype(np.int64)
    year = table.column("year").to_numpy().astype(np.int64)
    order = np.lexsort((year, rep))
    rep, year = rep[order], year[order]
    reps, years = np.unique(rep), np.unique(year)
    _check_grid(rep, year, reps, years, path)
    shape = (reps.size, years.size)
    names = [n for n in table.column_names if n not in ("replicate", "year")]
    indicators = {n: table.column(n).to_numpy().astype(np.float64)[order].reshape(shape) for n in names}
    return Results(meta.get("scenario", ""), int(meta.get("seed", 0)), years, indicators,
                   replicate_offset=int(reps[0]) if reps.size else 0,
                   estimates=list(meta.get("estimates", [])))


def _read_metadata(raw: dict | None, path) -> dict:
    if not raw or _META_KEY not in raw:
        return {}
    meta = json.loads(raw[_META_KEY].decode("utf-8"))
    if meta.get("format") != FORMAT_NAME or int(meta.get("version", 0)) > FORMAT_VERSION:
        raise ValueError(f"{path}: not an indicators file this version can read "
                         f"(format {meta.get('format')!r}, version {meta.get('version')})")
    return meta


def _check_grid(rep, year, reps, years, path) -> None:
    """The sorted rows must be exactly every (replicate, year) of a contiguous replicate range."""
    if reps.size and not np.array_equal(reps, np.arange(reps[0], reps[0] + reps.size)):
        raise ValueError(f"{path}: replicates are not contiguous ({reps[0]}..{reps[-1]} with gaps)")
    complete = (rep.size == reps.size * years.size
                and np.array_equal(rep, np.repeat(reps, years.size))
                and np.array_equal(year, np.tile(years, reps.size)))
    if not complete:
        raise ValueError(f"{path}: rows do not form a complete (replicate, year) grid "
                         f"({rep.size} rows for {reps.size} replicates x {years.size} years)")
