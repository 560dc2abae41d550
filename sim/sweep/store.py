"""A sweep's results on disk: one SQLite file, ``DIR/sweep.sqlite``, written point by point,
backed by the execution layer's checkpoint records.

Each finished point is first saved as a checksummed record in ``DIR/checkpoints/`` (the one
checkpoint facility, ``sim.execution.checkpoints``, keyed by the sweep's fingerprint and the
package version), then committed to the database. The records are the durable copy: a damaged
``sweep.sqlite`` is set aside (``sweep.sqlite.damaged``) with a warning and rebuilt from them,
and a damaged record is set aside and its point run again.

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
    """The database holds the results of another sweep (another file, seed or design)."""


class SweepStore:
    """The results of one sweep, opened for writing by the process that runs it: checkpoint
    records (the durable copy) and the SQLite database (the table readers use)."""

    def __init__(self, folder: str | Path, sweep, design, restart: bool = False):
        from ..execution.checkpoints import CheckpointStore
        from ..execution.files import make_folder

        self.folder = make_folder(folder)
        self.path = self.folder / FILE
        self.fingerprint = sweep.fingerprint()
        self.records = CheckpointStore(self.folder / "checkpoints", {"command": "sweep", "sweep": self.fingerprint},
                                       restart=restart, what="the results of another sweep",
                                       describe={"sweep": "sweep fingerprint (sweep file, base scenario, design, "
                                                          "replicates or seed)", "version": "innovsim version"})
        if restart:
            _remove_database(self.path)
        self.saved = self.saved_results()     # read (and checked) once: the database is checked against them
        self.db = self._open_database(sweep, design)

    def _open_database(self, sweep, design) -> sqlite3.Connection:
        """Open (or create) the database and check it against the records; a damaged one (it
        cannot be read, or its rows differ from the records: SQLite keeps no checksums) is set
        aside and rebuilt from the records."""
        saved = self.saved
        try:
            db = self._connect(sweep, design)
            try:
                problem = _disagreement(db, design, saved)
            except sqlite3.DatabaseError:
                db.close()
                raise
            if problem is None:
                return db
            db.close()
            exc: Exception = sqlite3.DatabaseError(problem)
        except sqlite3.DatabaseError as err:
            if isinstance(err, sqlite3.OperationalError) and "locked" in str(err):
                raise
            exc = err
        _set_aside_database(self.path, exc)
        self.db = self._connect(sweep, design)
        for result in saved:
            self._insert(result)
        return self.db

    def _connect(self, sweep, design) -> sqlite3.Connection:
        db = sqlite3.connect(self.path)
        try:
            check = db.execute("PRAGMA quick_check").fetchone()[0]
            if check != "ok":
                raise sqlite3.DatabaseError(f"integrity check: {check}")
            db.execute("PRAGMA journal_mode=WAL")      # a reader (analyze) never blocks the writer
            db.execute("PRAGMA synchronous=NORMAL")   # WAL + NORMAL: a commit survives a killed process
            db.executescript(SCHEMA)
            _start(db, sweep, design, self.fingerprint)
        except BaseException:
            db.close()
            raise
        return db

    def saved_results(self) -> list[PointResult]:
        """Every point whose record is intact (damaged records are set aside)."""
        from ..execution.checkpoints import json_of

        out = []
        for name in self.records.records():
            record = self.records.load(name)
            if record is not None:
                out.append(PointResult.from_dict(json_of(record)))
        return out

    def done(self) -> set[int]:
        """Points finished successfully (failed points are tried again)."""
        return {r.point for r in self.saved if r.ok}

    def save(self, r: PointResult) -> None:
        """Record one point: its checkpoint record (successful points), then its rows, all or nothing."""
        from ..execution.checkpoints import json_record

        if r.ok:
            self.records.save(f"point-{r.point:07d}", json_record(r.to_dict()))
        try:
            self._insert(r)
        except sqlite3.OperationalError as exc:
            if not _is_disk_problem(exc):
                raise
            raise _database_error(self.path, exc) from None

    def _insert(self, r: PointResult) -> None:
        with self.db:
            for table in POINT_TABLES:
                self.db.execute(f"DELETE FROM {table} WHERE point = ?", (r.point,))
            for table, rows in _rows_of(r).items():
                if rows:
                    self.db.executemany(f"INSERT INTO {table} VALUES ({', '.join('?' * len(rows[0]))})", rows)

    def close(self) -> None:
        self.db.close()


POINT_TABLES = ("results", "goals", "indicators")
_ORDER = {"results": "", "goals": " ORDER BY goal", "indicators": " ORDER BY indicator, year"}


def _rows_of(r: PointResult) -> dict[str, list[tuple]]:
    """A point's rows in each per-point table, as written and as checked."""
    return {"results": [(r.point, "ok" if r.ok else "failed", r.error, r.seconds, r.agent_years, r.runs)],
            "goals": sorted((r.point, *g) for g in r.goals),
            "indicators": sorted((r.point, *x) for x in r.indicators)}


def _disagreement(db: sqlite3.Connection, design, saved: list[PointResult]) -> str | None:
    """Where the database differs from the design and the records, or None."""
    values = db.execute("SELECT point, factor, value FROM factor_values ORDER BY point, factor").fetchall()
    expected = sorted((i, n, float(v)) for i, row in enumerate(design.values) for n, v in zip(design.names, row))
    if values != expected:
        return "its design differs from the sweep file's"
    for r in saved:
        for table, rows in _rows_of(r).items():
            held = db.execute(f"SELECT * FROM {table} WHERE point = ?{_ORDER[table]}", (r.point,)).fetchall()
            if held != [tuple(None if x != x else x for x in row) for row in rows]:   # SQLite stores NaN as NULL
                return f"its {table} rows of point {r.point} differ from the point's checkpoint record"
    return None


def _start(db: sqlite3.Connection, sweep, design, fingerprint: str) -> None:
    """Write the sweep's meta and design into a new database; check an existing one's fingerprint."""
    row = db.execute("SELECT value FROM meta WHERE key = 'fingerprint'").fetchone()
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
    with db:
        db.executemany("INSERT INTO meta VALUES (?, ?)", meta.items())
        db.executemany("INSERT INTO design VALUES (?, ?)", enumerate(design.roles))
        db.executemany("INSERT INTO factor_values VALUES (?, ?, ?)",
                       ((i, n, float(v)) for i, row in enumerate(design.values) for n, v in zip(design.names, row)))


def _database_files(path: Path) -> list[Path]:
    return [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")]


def _remove_database(path: Path) -> None:
    for p in _database_files(path):
        p.unlink(missing_ok=True)


def _set_aside_database(path: Path, exc: Exception) -> None:
    """Move a damaged database (and its WAL files) aside, with a warning."""
    import os
    import warnings

    from ..execution.checkpoints import DamagedCheckpoint

    for p in _database_files(path):
        if p.exists():
            os.replace(p, p.with_name(p.name + ".damaged"))
    warnings.warn(f"{path} was damaged ({exc}); set aside as {path.name}.damaged and rebuilt from the "
                  "checkpoint records", DamagedCheckpoint, stacklevel=3)


def _is_disk_problem(exc: sqlite3.OperationalError) -> bool:
    text = str(exc).lower()
    return any(words in text for words in ("full", "disk i/o", "readonly", "unable to open"))


def _database_error(path: Path, exc: sqlite3.OperationalError):
    from ..execution.files import DiskError

    return DiskError(f"cannot write '{path}': {exc}; free some space there (or give another --out) and run the "
                     "same command again: the finished points are kept and resumed.")


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
