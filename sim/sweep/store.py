"""A sweep's results on disk: one SQLite file, ``DIR/sweep.sqlite``, written point by point.

Why SQLite: a sweep writes thousands of small results, one as each point finishes, from one
process; SQLite commits each point in one transaction (all of it or none, even if the process is
killed mid-write), keeps everything in one file, needs nothing beyond Python's standard library,
and is read by pandas, R, DuckDB or any SQL tool. (Parquet would need one file per point and a
compaction step.)

Tables (tidy: one row per observation):

- ``meta(key, value)``: ``fingerprint`` (what determines the numbers), ``sweep`` (the sweep file
  as JSON), ``factors`` (names, paths, ranges, baseline values, whether a lever budget), ``design``
  (kind, N for Sobol'), ``base_year``, ``base_scenario`` and ``goals`` (names and years);
- ``design(point, role)`` and ``factor_values(point, factor, value)``: every planned point;
- ``results(point, status, error, seconds, agent_years, runs)``: ``status`` is ``ok`` or
  ``failed`` (with the error); a point without a row has not finished;
- ``goals(point, goal, year, attained, probability)``: replicates reaching each goal (and
  ``joint_<year>``: all goals of that year) out of ``runs``;
- ``indicators(point, indicator, year, mean, p10, p50, p90)``: each goal indicator in its goal year.

Reading: ``read_sweep(DIR)`` returns these as pandas DataFrames (``SweepData``).
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from .point import PointResult

FILE = "sweep.sqlite"

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS design (point INTEGER PRIMARY KEY, role TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS factor_values (point INTEGER NOT NULL, factor TEXT NOT NULL, value REAL NOT NULL,
                                          PRIMARY KEY (point, factor));
CREATE TABLE IF NOT EXISTS results (point INTEGER PRIMARY KEY, status TEXT NOT NULL, error TEXT NOT NULL,
                                    seconds REAL NOT NULL, agent_years REAL NOT NULL, runs INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS goals (point INTEGER NOT NULL, goal TEXT NOT NULL, year INTEGER NOT NULL,
                                  attained INTEGER NOT NULL, probability REAL NOT NULL, PRIMARY KEY (point, goal));
CREATE TABLE IF NOT EXISTS indicators (point INTEGER NOT NULL, indicator TEXT NOT NULL, year INTEGER NOT NULL,
                                       mean REAL, p10 REAL, p50 REAL, p90 REAL, PRIMARY KEY (point, indicator, year));
"""


class StoreMismatch(Exception):
    """The folder holds the results of another sweep (another file, seed or design)."""


class SweepStore:
    """The results database of one sweep, opened for writing by the process that runs it."""

    def __init__(self, folder: str | Path, sweep, design):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.path = self.folder / FILE
        self.db = sqlite3.connect(self.path)
        self.db.execute("PRAGMA journal_mode=WAL")      # a reader (analyze) never blocks the writer
        self.db.execute("PRAGMA synchronous=NORMAL")   # WAL + NORMAL: a commit survives a killed process
        self.db.executescript(SCHEMA)
        self._start(sweep, design)

    def _start(self, sweep, design) -> None:
        fingerprint = sweep.fingerprint()
        row = self.db.execute("SELECT value FROM meta WHERE key = 'fingerprint'").fetchone()
        if row is not None:
            if row[0] != fingerprint:
                raise StoreMismatch(row[0])
            return
        factors = [{"name": n, "path": f.path, "low": f.low, "high": f.high, "baseline": sweep.baseline[n],
                    "budget": _is_budget(f)} for n, f in zip(sweep.names, sweep.spec.factors)]
        meta = {"fingerprint": fingerprint, "sweep": sweep.spec.model_dump_json(),
                "factors": json.dumps(factors), "design": json.dumps({"kind": sweep.spec.design.kind,
                                                                      "n_base": design.n_base}),
                "base_year": str(sweep.base.horizon.base_year), "base_scenario": sweep.base.meta.name,
                "goals": json.dumps({gid: {"name": g.name, "name_zh": g.name_zh, "year": int(g.year)}
                                     for gid, g in sweep.base.goals.items()}, ensure_ascii=False)}
        with self.db:
            self.db.executemany("INSERT INTO meta VALUES (?, ?)", meta.items())
            self.db.executemany("INSERT INTO design VALUES (?, ?)", enumerate(design.roles))
            self.db.executemany("INSERT INTO factor_values VALUES (?, ?, ?)",
                                ((i, n, float(v)) for i, row in enumerate(design.values)
                                 for n, v in zip(design.names, row)))

    def done(self) -> set[int]:
        """Points finished successfully (failed points are tried again)."""
        return {r[0] for r in self.db.execute("SELECT point FROM results WHERE status = 'ok'")}

    def save(self, r: PointResult) -> None:
        """Record one point, all or nothing."""
        with self.db:
            for table in ("results", "goals", "indicators"):
                self.db.execute(f"DELETE FROM {table} WHERE point = ?", (r.point,))
            self.db.execute("INSERT INTO results VALUES (?, ?, ?, ?, ?, ?)",
                            (r.point, "ok" if r.ok else "failed", r.error, r.seconds, r.agent_years, r.runs))
            self.db.executemany("INSERT INTO goals VALUES (?, ?, ?, ?, ?)", ((r.point, *g) for g in r.goals))
            self.db.executemany("INSERT INTO indicators VALUES (?, ?, ?, ?, ?, ?, ?)",
                                ((r.point, *x) for x in r.indicators))

    def close(self) -> None:
        self.db.close()


def _is_budget(f) -> bool:
    from .spec import is_budget
    return is_budget(f)


@dataclass
class SweepData:
    """A sweep's results as pandas DataFrames (see the module docstring for the columns)."""

    meta: dict
    factors: list[dict]
    design: "object"           # DataFrame: point, role, one column per factor
    results: "object"
    goals: "object"
    indicators: "object"

    @property
    def kind(self) -> str:
        return json.loads(self.meta["design"])["kind"]

    @property
    def n_base(self) -> int:
        return json.loads(self.meta["design"])["n_base"]

    @property
    def factor_names(self) -> list[str]:
        return [f["name"] for f in self.factors]

    def failed(self):
        return self.results[self.results["status"] == "failed"]

    def wide_goals(self):
        """Probability of each goal (columns) at each finished point (rows), with the factor values."""
        p = self.goals.pivot(index="point", columns="goal", values="probability")
        return self.design.set_index("point").join(p, how="inner")


def read_sweep(folder: str | Path) -> SweepData:
    """Read ``DIR/sweep.sqlite`` (complete or not) into DataFrames."""
    import pandas as pd

    path = Path(folder) / FILE
    if not path.is_file():
        raise FileNotFoundError(f"no sweep results in '{folder}' (expected {FILE}; run innovsim sweep first)")
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        meta = dict(db.execute("SELECT key, value FROM meta").fetchall())
        design = pd.read_sql("SELECT point, role FROM design ORDER BY point", db)
        values = pd.read_sql("SELECT point, factor, value FROM factor_values", db)
        results = pd.read_sql("SELECT * FROM results ORDER BY point", db)
        goals = pd.read_sql("SELECT * FROM goals ORDER BY point, goal", db)
        indicators = pd.read_sql("SELECT * FROM indicators ORDER BY point, indicator, year", db)
    factors = json.loads(meta["factors"])
    wide = values.pivot(index="point", columns="factor", values="value")[[f["name"] for f in factors]]
    design = design.set_index("point").join(wide).reset_index()
    return SweepData(meta, factors, design, results, goals, indicators)
