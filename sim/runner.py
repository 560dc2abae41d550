"""Run a scenario end to end: simulate, keep every finished block on disk, evaluate the goals.

``run_scenario`` is the one function behind ``innovsim run``. With an output folder, each block
of replicates is written as its own Parquet file under ``DIR/indicators/`` the moment it
finishes (atomically: a temporary file renamed into place), so an interrupted run loses at most
the blocks in flight; running the same command again reuses every finished block. The folder
``DIR/indicators/`` is a Parquet dataset: ``pandas.read_parquet("DIR/indicators")`` reads all of
it as one tidy table (see ``sim.results`` for the columns).

With ``precision``, replicates are added (doubling) until every goal's 95% interval has a
half-width at most ``precision``. Replicate ``i`` always has the same stream, so a run grown
this way equals a run of the final size made at once.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from .goals import Odds, evaluate
from .results import Results, read_indicators, write_indicators

MAX_RUNS = 200_000
RUN_FILE = "_run.json"


@dataclass
class RunOutput:
    scenario: object
    results: Results
    odds: Odds
    out_dir: Path | None
    reused_blocks: int = 0


def fingerprint(scenario) -> str:
    """A hash of everything in the scenario that changes a replicate's numbers (not run sizes)."""
    data = scenario.model_dump(mode="json", exclude={"run", "meta", "extends"})
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:16]


class BlockStore:
    """Finished blocks of one (scenario, seed, chunk size) as Parquet files in a folder."""

    def __init__(self, folder: Path, scenario, seed: int, chunk_size: int):
        self.folder = Path(folder)
        self.scenario, self.seed, self.chunk_size = scenario, seed, chunk_size
        self.key = {"fingerprint": fingerprint(scenario), "seed": seed, "chunk_size": chunk_size}
        self._prepare()

    def _prepare(self) -> None:
        run_file = self.folder / RUN_FILE
        if run_file.exists():
            try:
                same = json.loads(run_file.read_text()) == self.key
            except (OSError, ValueError):
                same = False
            if not same:  # results of another scenario, seed or chunking: stale, start afresh
                shutil.rmtree(self.folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        _atomic_write_text(run_file, json.dumps(self.key))

    def path(self, start: int) -> Path:
        return self.folder / f"part-{start:09d}.parquet"

    def has(self, start: int, size: int) -> bool:
        p = self.path(start)
        if not p.exists():
            return False
        try:
            return read_indicators(p).n_runs == size
        except Exception:  # a damaged file is simply recomputed
            return False

    def load(self, start: int) -> Results:
        return read_indicators(self.path(start))

    def save(self, part: Results) -> None:
        target = self.path(part.replicate_offset)
        tmp = target.with_suffix(".tmp")
        write_indicators(part, tmp)
        os.replace(tmp, target)


def _atomic_write_text(path: Path, text: str) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def _simulate_range(scenario, prep, seed, first, runs, chunk_size, workers, store, progress) -> tuple[list, int]:
    from .core.engine import blocks, simulate, to_results

    todo, parts, reused = [], [], 0
    for reps in blocks(first, runs, chunk_size):
        start = int(reps[0])
        if store is not None and store.has(start, len(reps)):
            parts.append(store.load(start))
            reused += 1
            if progress:
                progress(len(reps))
        else:
            todo.append(reps)

    def finished(start, indicators):
        part = to_results(scenario, seed, start, indicators)
        if store is not None:
            store.save(part)
        parts.append(part)
        if progress:
            progress(part.n_runs)

    simulate(prep, seed, todo, workers, finished)
    return parts, reused


def run_scenario(scenario, runs: int | None = None, seed: int | None = None, workers: int = 1,
                 chunk_size: int | None = None, precision: float | None = None, out: str | Path | None = None,
                 progress=None, max_runs: int = MAX_RUNS) -> RunOutput:
    """Simulate ``scenario`` and evaluate its goals.

    ``runs``, ``seed`` and ``chunk_size`` default to the scenario's ``[run]`` settings.
    ``progress`` is an optional object with ``update(n)`` and ``total`` (e.g. a tqdm bar).
    With ``out``, finished blocks are kept in ``out/indicators/`` and reused by a rerun.
    """
    from .core.engine import Prepared

    runs = scenario.run.replicates if runs is None else int(runs)
    seed = scenario.run.seed if seed is None else int(seed)
    chunk_size = scenario.run.chunk_size if chunk_size is None else int(chunk_size)
    store = None
    if out is not None:
        store = BlockStore(Path(out) / "indicators", scenario, seed, chunk_size)
    prep = Prepared.of(scenario)
    tick = progress.update if progress is not None else None
    if progress is not None:
        progress.total = runs
    parts, reused = _simulate_range(scenario, prep, seed, 0, runs, chunk_size, workers, store, tick)
    results = Results.concat(parts)
    odds = evaluate(scenario.goals, results, scenario.horizon.base_year)
    while precision is not None and odds.max_half_width() > precision and results.n_runs < max_runs:
        more = min(results.n_runs, max_runs - results.n_runs)
        if progress is not None:
            progress.total = results.n_runs + more
        new, r = _simulate_range(scenario, prep, seed, results.n_runs, more, chunk_size, workers, store, tick)
        reused += r
        results = Results.concat([results] + new)
        odds = evaluate(scenario.goals, results, scenario.horizon.base_year)
    return RunOutput(scenario, results, odds, Path(out) if out is not None else None, reused)


def write_outputs(output: RunOutput, out: str | Path, charts: bool = True) -> list[Path]:
    """Write summary.json, report.txt, the fan charts and the resolved scenario into ``out``."""
    from .report import format_table, write_summary

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written = [write_summary(output.odds, out / "summary.json")]
    report = out / "report.txt"
    _atomic_write_text(report, format_table(output.odds, output.scenario.goals) + "\n")
    written.append(report)
    scen = out / "scenario.json"
    _atomic_write_text(scen, output.scenario.model_dump_json(indent=2) + "\n")
    written.append(scen)
    if charts:
        from .plots import fan_charts
        written += fan_charts(output.results, output.scenario.goals, out)
    return written


def export_indicators(output: RunOutput, path: str | Path) -> Path:
    """Write all replicates' indicators as one Parquet file (for runs kept in memory)."""
    return write_indicators(output.results, path)
