"""``discover``: scenario discovery end to end, in either mode, with the check on fresh runs.

- **Run mode** (a scenario file, or the folder of a finished ``innovsim run --out``): the cases
  are the run's replicates, with the inputs each drew (``inputs.parquet``). A scenario file is
  first run into ``DIR/run`` (resumable, as ``innovsim run``). The fresh check runs the same
  scenario again with another seed into ``DIR/check`` and classifies those replicates by the
  box: the box is checked on futures drawn as the scenario draws them.
- **Design mode** (``design=``): a space-filling design of the chosen inputs with replicates per
  point, run as a sweep into ``DIR/design`` (``sim.discovery.design``); the fresh check is a new
  design (another design seed and replicate seed) into ``DIR/check``.

Both folders resume: a rerun of the same command reuses every finished block or point, and the
analysis is seeded, so a resumed discovery writes exactly what an uninterrupted one writes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import UserError
from .analysis import RESAMPLES, Finding, Rule, analyse
from .cases import Cases, choose_inputs, registry_info, varying
from .outcomes import failures, parse_outcomes

FRESH_SEED_OFFSET = 1          # the fresh check's seed: the discovery's seed + this
KEY_FILE = "discover_key.json"


@dataclass
class Discovery:
    """Everything one ``discover`` found: per outcome a ``Finding``, and how it was made."""

    scenario: object
    mode: str
    findings: list[Finding]
    cases: Cases
    rule: Rule
    seed: int
    fresh_seed: int | None = None
    info: dict = field(default_factory=dict)


# ---- run mode -------------------------------------------------------------------------------------

def _load_run_folder(folder: Path):
    """(scenario, results, inputs table, inputs metadata) of a finished run's folder."""
    from ..inputs_table import FILE, read_inputs
    from ..results import read_indicators
    from ..scenario.schema import Scenario

    for name in ("indicators.parquet", FILE, "scenario.json"):
        if not (folder / name).is_file():
            extra = (" (it was made before runs recorded their inputs: run it again with innovsim run --out)"
                     if name == FILE else "")
            raise UserError(f"{folder}: not the folder of a finished run, it has no {name}{extra}; give a scenario "
                            "file or the --out folder of innovsim run")
    scenario = Scenario.model_validate_json((folder / "scenario.json").read_text(encoding="utf-8"))
    results = read_indicators(folder / "indicators.parquet")
    frame, meta = read_inputs(folder / FILE)
    if not np.array_equal(frame["replicate"].to_numpy(), results.replicates):
        raise UserError(f"{folder}: inputs.parquet and indicators.parquet hold different replicates; run it again")
    return scenario, results, frame, meta


def _ensure_run(scenario, folder: Path, runs: int, seed: int, executor, engine: str, progress, restart: bool):
    """A finished run of ``scenario`` in ``folder`` (reused if its key matches, else run, resumable)."""
    from ..runner import fingerprint, run_scenario, write_outputs

    key = {"scenario": fingerprint(scenario), "runs": runs, "seed": seed, "engine": engine}
    key_file = folder / KEY_FILE
    if key_file.is_file() and json.loads(key_file.read_text()) == key and (folder / "inputs.parquet").is_file():
        return _load_run_folder(folder)
    from ..execution.files import atomic_write, make_folder

    make_folder(folder)
    output = run_scenario(scenario, runs=runs, seed=seed, executor=executor, out=folder, progress=progress,
                          engine=engine, restart=restart)
    write_outputs(output, folder, charts=False)
    atomic_write(key_file, json.dumps(key) + "\n")
    return _load_run_folder(folder)


def run_cases(results, frame, goals: dict, outcomes, names: list[str]) -> Cases:
    """The cases of a run: one per replicate, its drawn inputs ``names`` and each outcome's failure."""
    fails = {o.key: failures(o, goals, results).astype(float) for o in outcomes}
    units, meanings = registry_info(names)
    return Cases(frame[names].to_numpy(float), list(names), fails, np.ones(results.n_runs), False, units, meanings,
                 frame["replicate"].to_numpy(np.int64))


def _run_inputs(frame, wanted) -> list[str]:
    from ..inputs_table import PARTICLE

    available = [c for c in frame.columns if c not in ("replicate", PARTICLE)]
    names = choose_inputs(available, wanted, "the run")
    x = frame[names].to_numpy(float)
    return [names[j] for j in varying(x, names)]


# ---- the check on fresh runs ------------------------------------------------------------------------

def fresh_stats(finding: Finding, cases: Cases, seed: int) -> dict:
    """The box's density inside and outside, coverage and mass on fresh cases, with 95% intervals
    (cluster bootstrap) and the test of inside against outside."""
    from .significance import box_intervals, density_greater

    key = finding.outcome.key
    cases = cases.of_interest(key, finding.target)
    f, t = cases.fails[key], cases.trials
    inside = finding.box.contains(cases.x)
    fi, ti, fo, to = f[inside].sum(), t[inside].sum(), f[~inside].sum(), t[~inside].sum()
    p, naive = density_greater(f, t, inside, ~inside, cases.clustered) if inside.any() and (~inside).any() \
        else (float("nan"), float("nan"))
    return {"cases": int(len(cases)), "trials": float(t.sum()), "cases_inside": int(inside.sum()),
            "density": float(fi / ti) if ti else float("nan"),
            "density_outside": float(fo / to) if to else float("nan"),
            "coverage": float(fi / (fi + fo)) if fi + fo else float("nan"),
            "mass": float(ti / t.sum()) if t.sum() else float("nan"),
            "p_inside_denser": p, "p_naive": naive, "intervals": box_intervals(inside, f, t, seed=seed)}


# ---- the command ---------------------------------------------------------------------------------

def discover(source, out, *, goals=None, joint=None, inputs=None, design: str | None = None, points: int = 64,
             replicates: int = 20, runs: int | None = None, seed: int | None = None, rule: Rule = Rule(),
             executor=None, check: bool = True, check_runs: int | None = None, resamples: int = RESAMPLES,
             restart: bool = False, progress=None, target: str = "auto") -> Discovery:
    """Scenario discovery of ``source`` (a scenario file or a finished run's folder) into ``out``.
    With ``design`` ("lhs" or "sobol"), on a design of ``inputs`` (``PATH[=LOW:HIGH]``) with
    ``points`` points of ``replicates`` replicates each; else on the run's own draws. ``target``:
    what the boxes gather ("fail", "reach", or "auto": the rarer of the two per outcome)."""
    from ..execution.executors import InProcess

    out = Path(out)
    executor = executor if executor is not None else InProcess()
    source = Path(source)
    if design is not None:
        return _discover_design(source, out, goals, joint, inputs, design, points, replicates, seed, rule, executor,
                                check, resamples, restart, progress, target)
    if source.is_dir():
        scenario, results, frame, meta = _load_run_folder(source)
        engine = meta.get("engine", "core")
    else:
        from ..scenario.loader import load_scenario

        from ..inputs_table import input_columns

        scenario = load_scenario(source, check_inputs=True)
        parse_outcomes(scenario, goals, joint)                  # mistakes are reported before any run
        choose_inputs([c for c, _ in input_columns(scenario)], inputs, "the scenario")
        engine = "core"
        runs = scenario.run.replicates if runs is None else int(runs)
        seed_ = scenario.run.seed if seed is None else int(seed)
        scenario, results, frame, meta = _ensure_run(scenario, out / "run", runs, seed_, executor, engine,
                                                     progress, restart)
    outcomes = parse_outcomes(scenario, goals, joint)
    names = _run_inputs(frame, inputs)
    cases = run_cases(results, frame, scenario.goals, outcomes, names)
    findings = [analyse(cases, o, rule, results.seed, resamples, target=target) for o in outcomes]
    found = Discovery(scenario, "run", findings, cases, rule, results.seed,
                      info={"runs": results.n_runs, "engine": engine, "posterior": scenario.posterior_file})
    if check and any(f.box.n_restricted for f in findings):
        fresh_seed = results.seed + FRESH_SEED_OFFSET
        n = results.n_runs if check_runs is None else int(check_runs)
        _, fresh, fresh_frame, _ = _ensure_run(scenario, out / "check", n, fresh_seed, executor, engine,
                                               progress, restart)
        fresh_cases = run_cases(fresh, fresh_frame, scenario.goals, outcomes, names)
        for f in findings:
            if f.box.n_restricted:
                f.fresh = fresh_stats(f, fresh_cases, fresh_seed)
        found.fresh_seed = fresh_seed
    return found


def _discover_design(source: Path, out: Path, goals, joint, inputs, kind, points, replicates, seed, rule,
                     executor, check, resamples, restart, progress, target) -> Discovery:
    from ..scenario.loader import load_scenario
    from .design import KINDS, build_sweep, design_cases, parse_factor, run_design

    if kind not in KINDS:
        raise UserError(f"--design {kind}: choose one of {', '.join(KINDS)}")
    if source.is_dir():
        raise UserError(f"--design needs a scenario file, not a folder ({source}); the design runs its own points")
    scenario = load_scenario(source, check_inputs=True)
    outcomes = parse_outcomes(scenario, goals, joint)
    for o in outcomes:
        if o.kind == "reached_by":
            raise UserError(f"--goal {o.key}: a design records each goal in its goal year and the joint goals, not "
                            "the year a goal is first reached; analyse 'reached by' outcomes on a run (no --design)")
    factors = [parse_factor(text, scenario) for text in inputs or []]
    seed = scenario.run.seed if seed is None else int(seed)
    names = [p for p, _, _ in factors]
    sweep = build_sweep(scenario, factors, kind, points, replicates, seed, 0, out / "design")
    run_design(sweep, out / "design", executor, progress, restart)
    cases = design_cases(out / "design", outcomes, names)
    findings = [analyse(cases, o, rule, seed, resamples, target=target) for o in outcomes]
    found = Discovery(scenario, "design", findings, cases, rule, seed,
                      info={"design": kind, "points": points, "replicates": replicates,
                            "factors": [{"input": p, "low": lo, "high": hi} for p, lo, hi in factors],
                            "failed_points": int(points - len(cases))})
    if check and any(f.box.n_restricted for f in findings):
        fresh_seed = seed + FRESH_SEED_OFFSET
        fresh_sweep = build_sweep(scenario, factors, kind, points, replicates, fresh_seed, 1, out / "check")
        run_design(fresh_sweep, out / "check", executor, progress, restart)
        fresh_cases = design_cases(out / "check", outcomes, names)
        for f in findings:
            if f.box.n_restricted:
                f.fresh = fresh_stats(f, fresh_cases, fresh_seed)
        found.fresh_seed = fresh_seed
    return found
