"""Run a scenario end to end: simulate, keep every finished block on disk, evaluate the goals.

``run_scenario`` is the one function behind ``innovsim run``. With an output folder, each block
of replicates is checkpointed under ``DIR/checkpoints/`` the moment it finishes (a small ``.npz``
written to a temporary name and renamed into place), so an interrupted run loses at most the
blocks in flight; running the same command again reuses every finished block. When the run is
complete, ``write_outputs`` writes the tidy table ``DIR/indicators.parquet`` (see
``sim.results`` for its columns) and removes the checkpoints.

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
import numpy as np

from .results import Results, write_indicators

MAX_RUNS = 200_000
RUN_FILE = "_run.json"


@dataclass
class RunOutput:
    scenario: object
    results: Results
    odds: Odds
    out_dir: Path | None
    reused_blocks: int = 0
    store: "BlockStore | None" = None
    engine: str = "core"


def fingerprint(scenario) -> str:
    """A hash of everything in the scenario that changes a replicate's numbers (not run sizes)."""
    data = scenario.model_dump(mode="json", exclude={"run", "meta", "extends"})
    if scenario.posterior_file is not None:   # a refitted posterior changes the numbers
        from .calibration.posterior import content_hash
        data["posterior_content"] = content_hash(scenario.posterior_file)
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:16]


class BlockStore:
    """Finished blocks of one (scenario, seed, chunk size, engine), one ``.npz`` file each, in a folder.

    npz, not Parquet, because a checkpoint is written for every block while the workers run:
    it costs about a millisecond, so the main process does not compete with the workers.
    """

    def __init__(self, folder: Path, scenario, seed: int, chunk_size: int, engine: str = "core"):
        self.folder = Path(folder)
        self.scenario, self.seed, self.chunk_size = scenario, seed, chunk_size
        self.key = {"fingerprint": fingerprint(scenario), "seed": seed, "chunk_size": chunk_size, "engine": engine}
        self._prepare()

    def _prepare(self) -> None:
        run_file = self.folder / RUN_FILE
        if run_file.exists():
            try:
                same = json.loads(run_file.read_text()) == self.key
            except (OSError, ValueError):
                same = False
            if not same:  # checkpoints of another scenario, seed, chunking or engine: stale, start afresh
                shutil.rmtree(self.folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        _atomic_write_text(run_file, json.dumps(self.key))

    def path(self, first: int, k: int) -> Path:
        return self.folder / f"block-{first:09d}-{k:06d}.npz"

    def load(self, first: int, k: int, reps: np.ndarray) -> dict | None:
        """Block k of the range starting at ``first``, if a complete checkpoint of exactly these
        replicates exists; else None (a damaged file counts as absent)."""
        try:
            with np.load(self.path(first, k)) as z:
                saved = {name: z[name] for name in z.files}
        except (OSError, ValueError, EOFError):
            return None
        if not np.array_equal(saved.pop("_replicates", None), reps):
            return None
        return saved if saved and all(a.shape[0] == len(reps) for a in saved.values()) else None

    def save(self, first: int, k: int, reps: np.ndarray, indicators: dict) -> None:
        target = self.path(first, k)
        tmp = target.with_name(target.name + ".tmp")
        with open(tmp, "wb") as fh:
            np.savez(fh, _replicates=reps, **indicators)
        os.replace(tmp, target)

    def remove(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def _atomic_write_text(path: Path, text: str) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def _simulate_range(scenario, prep, seed, first, runs, chunk_size, workers, store, progress) -> tuple[Results, int]:
    """Replicates first..first+runs-1, reusing checkpointed blocks; returns their results."""
    from .core.engine import assemble, plan_blocks, simulate

    planned = plan_blocks(prep, seed, first, runs, chunk_size)
    number = {int(reps[0]): k for k, reps in enumerate(planned)}
    todo, parts, reused = [], [], 0
    for k, reps in enumerate(planned):
        saved = store.load(first, k, reps) if store is not None else None
        if saved is not None:
            parts.append((reps, saved))
            reused += 1
            if progress:
                progress(len(reps))
        else:
            todo.append(reps)

    def finished(reps, indicators):
        if store is not None:
            store.save(first, number[int(reps[0])], reps, indicators)
        parts.append((reps, indicators))
        if progress:
            progress(len(reps))

    simulate(prep, seed, todo, workers, finished)
    return assemble(scenario, seed, first, runs, parts), reused


def run_scenario(scenario, runs: int | None = None, seed: int | None = None, workers: int = 1,
                 chunk_size: int | None = None, precision: float | None = None, out: str | Path | None = None,
                 progress=None, max_runs: int = MAX_RUNS, engine: str = "core") -> RunOutput:
    """Simulate ``scenario`` and evaluate its goals.

    ``runs``, ``seed`` and ``chunk_size`` default to the scenario's ``[run]`` settings (the Mesa
    engine, ``engine="mesa"``, runs one replicate per block unless ``chunk_size`` is given).
    ``progress`` is an optional object with ``update(n)`` and ``total`` (e.g. a tqdm bar).
    With ``out``, finished blocks are checkpointed in ``out/checkpoints/`` and reused by a rerun.
    """
    from .core.engine import Prepared

    runs = scenario.run.replicates if runs is None else int(runs)
    seed = scenario.run.seed if seed is None else int(seed)
    if chunk_size is None:
        chunk_size = scenario.run.chunk_size if engine == "core" else 1
    chunk_size = int(chunk_size)
    store = None
    if out is not None:
        store = BlockStore(Path(out) / "checkpoints", scenario, seed, chunk_size, engine)
    prep = Prepared.of(scenario, engine)
    tick = progress.update if progress is not None else None
    if progress is not None:
        progress.total = runs
    results, reused = _simulate_range(scenario, prep, seed, 0, runs, chunk_size, workers, store, tick)
    odds = evaluate(scenario.goals, results, scenario.horizon.base_year)
    while precision is not None and odds.max_half_width() > precision and results.n_runs < max_runs:
        more = min(results.n_runs, max_runs - results.n_runs)
        if progress is not None:
            progress.total = results.n_runs + more
        new, r = _simulate_range(scenario, prep, seed, results.n_runs, more, chunk_size, workers, store, tick)
        reused += r
        results = Results.concat([results, new])
        odds = evaluate(scenario.goals, results, scenario.horizon.base_year)
    return RunOutput(scenario, results, odds, Path(out) if out is not None else None, reused, store, engine)


def write_outputs(output: RunOutput, out: str | Path, charts: bool = True) -> list[Path]:
    """Write into ``out``: indicators.parquet (the tidy table of every replicate and year),
    summary.json, report.txt, scenario.json (the resolved scenario) and the fan charts; then drop
    the run's checkpoints, which the Parquet file now holds."""
    from .report import format_levers, format_table, write_summary

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    table = out / "indicators.parquet"
    tmp = table.with_name(table.name + ".tmp")
    write_indicators(output.results, tmp)
    os.replace(tmp, table)
    written = [table, write_summary(output.odds, out / "summary.json", engine=output.engine)]
    report = out / "report.txt"
    _atomic_write_text(report, format_levers(output.scenario) + "\n" + format_table(output.odds, output.scenario.goals))
    scen = out / "scenario.json"
    _atomic_write_text(scen, output.scenario.model_dump_json(indent=2) + "\n")
    written += [report, scen]
    if charts:
        from .plots import fan_charts
        written += fan_charts(output.results, output.scenario.goals, out)
    if output.store is not None:
        output.store.remove()
    return written
