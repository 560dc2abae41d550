"""Run a scenario end to end: simulate, keep every finished block on disk, evaluate the goals.

``run_scenario`` is the one function behind ``innovsim run``. With an output folder, the command
owns the folder while it runs, and each block of replicates is checkpointed under
``DIR/checkpoints/`` the moment it finishes (``sim.execution.checkpoints``: atomic, checksummed,
under a key of scenario fingerprint, seed, sizes, engine and version), so an interrupted run
loses at most the blocks in flight; running the same command again reuses every finished block,
and a damaged block is set aside and simulated again. When the run is complete,
``write_outputs`` writes the tidy table ``DIR/indicators.parquet`` (see ``sim.results`` for its
columns) and the summaries, each file all or nothing, and removes the checkpoints.

With ``precision``, replicates are added (doubling) until every goal's 95% interval has a
half-width at most ``precision``. Replicate ``i`` always has the same stream, so a run grown
this way equals a run of the final size made at once.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from .execution.checkpoints import CheckpointStore, FolderLock
from .execution.contract import block_simulator
from .execution.executors import Executor, LocalProcesses
from .execution.files import atomic_path, atomic_write, make_folder
from .execution.replicates import simulate_range
from .errors import UserError
from .goals import Odds, evaluate
from .goals_table import FILE as GOALS_FILE, write_goals_csv
from .limits import MAX_RUNS
from .inputs_table import FILE as INPUTS_FILE, write_inputs
from .results import Results, write_indicators

CHECKPOINTS = "checkpoints"

# words for the run key's fields in a mismatch message
_KEY_WORDS = {"scenario": "scenario fingerprint (its file or an edit of it)", "seed": "seed", "runs": "runs",
              "chunk_size": "chunk size", "engine": "engine", "precision": "precision", "version": "innovsim version",
              "first_replicate": "first replicate"}


@dataclass
class RunOutput:
    scenario: object
    results: Results
    odds: Odds
    out_dir: Path | None
    reused_blocks: int = 0
    store: CheckpointStore | None = None
    engine: str = "core"


def fingerprint(scenario) -> str:
    """A hash of everything in the scenario that changes a replicate's numbers (not run sizes)."""
    data = scenario.model_dump(mode="json", exclude={"run", "meta", "extends"})
    if scenario.posterior_file is not None:   # a refitted posterior changes the numbers
        from .scenario.posterior import content_hash
        data["posterior_content"] = content_hash(scenario.posterior_file)
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:16]


def run_store(out: str | Path, scenario, seed: int, runs: int, chunk_size: int, engine: str,
              precision: float | None, restart: bool = False, first_replicate: int = 0) -> CheckpointStore:
    """The checkpoint store of a run in ``out/checkpoints``, keyed by everything that fixes its
    blocks' numbers; the unfinished blocks of another setting make it refuse (``KeyMismatch``)."""
    key = {"command": "run", "scenario": fingerprint(scenario), "seed": seed, "runs": runs,
           "chunk_size": chunk_size, "engine": engine, "precision": precision}
    if first_replicate:              # keys of runs from replicate 0 stay as they were
        key["first_replicate"] = first_replicate
    return CheckpointStore(Path(out) / CHECKPOINTS, key, restart=restart,
                           what="the finished blocks of an unfinished run", describe=_KEY_WORDS)


def run_scenario(scenario, runs: int | None = None, seed: int | None = None, workers: int = 1,
                 chunk_size: int | None = None, precision: float | None = None, out: str | Path | None = None,
                 progress=None, max_runs: int = MAX_RUNS, engine: str = "core", executor: Executor | None = None,
                 restart: bool = False, first_replicate: int = 0) -> RunOutput:
    """Simulate ``scenario`` and evaluate its goals.

    ``runs``, ``seed`` and ``chunk_size`` default to the scenario's ``[run]`` settings (the Mesa
    engine, ``engine="mesa"``, runs one replicate per block unless ``chunk_size`` is given).
    The replicates are ``first_replicate .. first_replicate + runs - 1`` of ``seed``: replicate
    ``i`` has the same numbers, to the bit, whether it runs alone (``runs=1,
    first_replicate=i``), in a block of others or in a full run, so one replicate of a run (an
    EMA Workbench experiment, a case to look at) can be run on its own.
    ``executor`` (default: ``LocalProcesses(workers)``) says where blocks run; it never changes
    the numbers. ``progress`` is an optional object with ``update(n)`` and ``total`` (e.g. a tqdm
    bar). With ``out``, the command owns that folder while it runs (a second command on it
    refuses), finished blocks are checkpointed in ``out/checkpoints/`` and reused by a rerun of
    the same settings; ``restart`` discards the checkpoints of other settings instead of refusing.
    """
    simulator = block_simulator(scenario, engine)
    runs = scenario.run.replicates if runs is None else int(runs)
    seed = scenario.run.seed if seed is None else int(seed)
    chunk_size = int(simulator.default_chunk_size if chunk_size is None else chunk_size)
    if first_replicate < 0:
        raise UserError(f"first_replicate = {first_replicate}: replicates are numbered from 0; give 0 or more")
    if runs > max_runs:
        raise UserError(f"--runs {runs:,}: more replicates than one run may have (at most {max_runs:,}, "
                        "sim.limits.MAX_RUNS; see docs/LIMITS.md); ask for fewer, or use --precision to stop "
                        "as soon as the odds are precise enough")
    executor = executor if executor is not None else LocalProcesses(workers)
    if out is None:
        return _run(scenario, simulator, runs, seed, chunk_size, precision, None, progress, max_runs, executor,
                    first=first_replicate)
    with FolderLock(out):
        store = run_store(out, scenario, seed, runs, chunk_size, engine, precision, restart, first_replicate)
        return _run(scenario, simulator, runs, seed, chunk_size, precision, store, progress, max_runs, executor,
                    out=Path(out), first=first_replicate)


def _run(scenario, simulator, runs, seed, chunk_size, precision, store, progress, max_runs, executor,
         out: Path | None = None, first: int = 0) -> RunOutput:
    """Replicates ``first..first + runs - 1``, doubled with ``precision`` until every goal's
    interval is narrow enough."""
    tick = progress.update if progress is not None else None
    if progress is not None:
        progress.total = runs
    results, reused = simulate_range(simulator, seed, first, runs, chunk_size, executor, store, tick)
    odds = evaluate(scenario.goals, results, scenario.horizon.base_year)
    while precision is not None and odds.max_half_width() > precision and results.n_runs < max_runs:
        more = min(results.n_runs, max_runs - results.n_runs)
        if progress is not None:
            progress.total = results.n_runs + more
        new, r = simulate_range(simulator, seed, first + results.n_runs, more, chunk_size, executor, store, tick)
        reused += r
        results = Results.concat([results, new])
        odds = evaluate(scenario.goals, results, scenario.horizon.base_year)
    return RunOutput(scenario, results, odds, out, reused, store, simulator.name)


def summary_parts(output: RunOutput) -> tuple[dict, dict]:
    """What summary.json and report.txt add to the odds: the goals' record (``sim.record``) and
    the assumptions each goal hangs on (the shipped screening)."""
    from .record import goal_record
    from .report import hangs_on

    return goal_record(output.scenario), hangs_on(output.scenario.goals)


def write_outputs(output: RunOutput, out: str | Path, charts: bool = True) -> list[Path]:
    """Write into ``out``: indicators.parquet (the tidy table of every replicate and year),
    inputs.parquet (the uncertain inputs each replicate drew, ``sim.inputs_table``), summary.json,
    goals.csv (its odds as a flat table, ``sim.goals_table``), report.txt, scenario.json (the
    resolved scenario) and the fan charts, each file all or nothing; then drop the run's
    checkpoints, which the Parquet file now holds."""
    from .record import format_record
    from .report import format_hangs_on, format_levers, format_table, write_summary

    out = make_folder(out)
    record, hanging = summary_parts(output)
    with FolderLock(out):
        table = out / "indicators.parquet"
        with atomic_path(table) as tmp:
            write_indicators(output.results, tmp)
        inputs = out / INPUTS_FILE           # the uncertain inputs each replicate drew (sim.inputs_table)
        with atomic_path(inputs) as tmp:
            write_inputs(output.scenario, output.results.seed, output.results.replicates, tmp, output.engine)
        written = [table, inputs, write_summary(output.odds, out / "summary.json", engine=output.engine,
                                                 record=record, hangs_on=hanging)]
        written.append(write_goals_csv(output.odds, out / GOALS_FILE, output.engine))   # summary.json, flat
        report = atomic_write(out / "report.txt", format_levers(output.scenario) + "\n"
                              + format_table(output.odds, output.scenario.goals) + "\n"
                              + format_record(output.scenario, record) + format_hangs_on(hanging))
        scen = atomic_write(out / "scenario.json", output.scenario.model_dump_json(indent=2) + "\n")
        written += [report, scen]
        if charts:
            from .plots import fan_charts
            written += fan_charts(output.results, output.scenario.goals, out)
        if output.store is not None:
            output.store.clear()
    return written
