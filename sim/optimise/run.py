"""Run an optimisation: own the folder, open the checkpoints and the workers, search, write.

``run_optimisation`` is the function behind ``innovsim optimise``. The evaluations run on any
executor of the execution layer (local processes or Dask) in one session (the workers start
once). Each finished evaluation block is a checkpoint record in ``DIR/checkpoints`` under a key
(the optimisation's fingerprint, the engine and the package version); a rerun replays the
search from the records and simulates only what is missing, so the result is identical to an
uninterrupted run for any executor or worker count. ``DIR/state.json`` shows the candidates,
their replicates and the budget spent after every stage (for people; the records are what
resumes).
"""

from __future__ import annotations

import json
from pathlib import Path

from ..execution.checkpoints import CheckpointStore, FolderLock
from ..execution.files import atomic_write
from .candidates import SEARCH as SEARCH_PURPOSE
from .candidates import VERIFY as VERIFY_PURPOSE
from .candidates import derived_seed
from .evaluate import EvalContext, Evaluator, factory_of
from .search import SEARCH, VERIFY, Outcome, Search

CHECKPOINTS = "checkpoints"
_KEY_WORDS = {"optimisation": "optimisation file (fingerprint)", "engine": "engine", "version": "package version"}


def seeds_of(opt) -> dict[str, int]:
    """The engine seeds of the search stream and the fresh verification stream."""
    seed = opt.spec.optimise.seed
    return {SEARCH: derived_seed(seed, SEARCH_PURPOSE), VERIFY: derived_seed(seed, VERIFY_PURPOSE)}


def optimise(opt, executor, store=None, factory=None, on_progress=None) -> tuple[Outcome, Evaluator]:
    """The search of ``opt`` (from ``spec.load_optimisation``) on ``executor``, taking finished
    blocks from ``store`` (a CheckpointStore, or None: all in memory). ``factory`` builds a block
    simulator from a scenario (default: the vectorized core)."""
    spec = opt.spec
    goals = tuple(tuple(c.goals) for c in spec.constraints)
    context = EvalContext(opt.base, goals, spec.optimise.enforce_budget_cap, factory or factory_of("core"))
    from .evaluate import evaluate_task

    with executor.session(evaluate_task, context) as session:
        ev = Evaluator(session, store, seeds_of(opt), spec.search.screen_replicates, len(goals))
        outcome = Search(opt, ev, on_progress).run()
    return outcome, ev


def run_optimisation(opt, out: str | Path, executor, restart: bool = False, engine: str = "core",
                     factory=None, progress=None) -> tuple[Outcome, Evaluator]:
    """Run (or resume) ``opt`` into ``out`` and write its outputs (``outputs.write_outputs``).
    ``progress(line)`` is told each stage as it ends."""
    from .outputs import state_document, write_outputs

    out = Path(out)
    with FolderLock(out):
        key = {"command": "optimise", "optimisation": opt.fingerprint(), "engine": engine}
        store = CheckpointStore(out / CHECKPOINTS, key, restart=restart,
                                what="the evaluations of an unfinished optimisation", describe=_KEY_WORDS)

        def on_stage(search, stage):
            atomic_write(out / "state.json", json.dumps(state_document(search, stage), indent=1) + "\n")
            if progress is not None:
                h = search.history[-1]
                best = h["best_certified_cost_cny"]
                progress(f"{stage}: {h['live']} candidates live, {h['replicates']:,} replicates"
                         + (f", cheapest certified {best / 1e6:,.1f}m CNY" if best is not None else ""))

        outcome, ev = optimise(opt, executor, store, factory, on_stage)
        write_outputs(opt, outcome, out)
    return outcome, ev
