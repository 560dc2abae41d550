"""``innovsim``: the command line, a thin layer over the Python API.

    innovsim validate scenarios/baseline.toml scenarios/*.toml
    innovsim schema > scenario.schema.json
    innovsim run scenarios/baseline.toml --runs 2000 --workers 8
    innovsim compare scenarios/baseline.toml scenarios/more_subsidy.toml
    innovsim sweep scenarios/sweeps/levers.toml --out results/levers
    innovsim optimise scenarios/optimise/hte_2030.toml --out results/opt
    innovsim analyze results/levers
    innovsim report results/baseline --lang both --pdf
    innovsim discover scenarios/baseline.toml --goal hte_250 --out results/discover
    innovsim calibrate calibration/targets.toml --out calibration/runs/baseline
    innovsim screen scenarios/baseline.toml --out screening/baseline

Exit codes: 0 success, 2 a mistake the user can fix (a broken scenario file, a bad option):
the message is one paragraph on stderr, never a traceback. Any other exception is a bug and
keeps its traceback. Heavy modules (pydantic, numpy, the engines) are imported inside the
command functions, so ``innovsim --help`` answers at once.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from typing import Sequence

from .errors import ScenarioError, UserError

EXIT_OK = 0
EXIT_USER_ERROR = 2
EXIT_INTERRUPTED = 130


# ---- option types (argparse turns their errors into a usage message and exit code 2) ---------

def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _runs(text: str) -> int:
    """--runs: a whole number from 1 to sim.limits.MAX_RUNS (checked before anything is allocated)."""
    from .limits import MAX_RUNS

    value = _positive_int(text)
    if value > MAX_RUNS:
        raise argparse.ArgumentTypeError(f"must be at most {MAX_RUNS:,} (sim.limits.MAX_RUNS, docs/LIMITS.md), "
                                         f"got {value:,}; use --precision to stop once the odds are precise enough")
    return value


def _non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {value}")
    return value


def _fraction(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"must lie strictly between 0 and 1, got {value:g}")
    return value


def _version() -> str:
    try:
        from importlib.metadata import version
        return version("hechuan-innovsim")
    except Exception:  # not installed (running from a source tree)
        return "unknown"


# ---- parser -----------------------------------------------------------------------------------

def _add_executor_options(p: argparse.ArgumentParser) -> None:
    """Where the work runs: local processes (default) or Dask; the results never depend on it."""
    where = p.add_mutually_exclusive_group()
    where.add_argument("--workers", type=_positive_int, metavar="K",
                       help="local worker processes (default: all cores; results do not depend on it)")
    where.add_argument("--scheduler", metavar="ADDRESS",
                       help="a running Dask scheduler, e.g. tcp://10.0.0.5:8786 (needs the 'cluster' extra)")
    where.add_argument("--dask-local", type=_positive_int, metavar="N",
                       help="start a Dask LocalCluster of N worker processes (needs the 'cluster' extra)")


def _add_restart_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--restart", action="store_true",
                   help="discard unfinished work of other settings in the folder instead of refusing to resume")


def _add_json_option(p: argparse.ArgumentParser, what: str) -> None:
    p.add_argument("--json", action="store_true",
                   help=f"print {what} as one JSON document on standard output, and nothing else there "
                        "(README: 'Machine-readable output')")


def _add_run_options(p: argparse.ArgumentParser) -> None:
    """Options shared by ``run`` and ``compare``."""
    p.add_argument("--runs", type=_runs, metavar="N",
                   help="Monte Carlo replicates (default: run.replicates of the scenario)")
    p.add_argument("--seed", type=_non_negative_int, metavar="S",
                   help="master seed (default: run.seed of the scenario)")
    _add_executor_options(p)
    p.add_argument("--out", metavar="DIR", help="folder for the results")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="innovsim",
        description="Odds that Hechuan District reaches the goals of its S&T innovation plan, "
                    "for a policy mix written in a scenario file.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("validate", help="check scenario, sweep and calibration files and explain any error",
                       description="Load and validate each file as the command that reads it would: a scenario "
                                   "(with its extends chain), a sweep file or a calibration file, told apart by "
                                   "their top-level tables. Prints OK per valid file; exit code 2 if any file is "
                                   "invalid.")
    p.add_argument("files", nargs="+", metavar="FILE", help="scenario, sweep or calibration TOML files")
    _add_json_option(p, "each file's kind, facts and problems")
    p.add_argument("--quiet", action="store_true", help="no OK lines: only the problems (and the exit code)")
    p.set_defaults(func=_cmd_validate)

    _add_schema_parser(sub)

    p = sub.add_parser("run", help="simulate a scenario and report the odds of each goal",
                       description="Run the Monte Carlo simulation of one scenario.")
    p.add_argument("scenario", metavar="SCENARIO", help="scenario TOML file")
    _add_run_options(p)
    p.add_argument("--chunk-size", type=_positive_int, metavar="C",
                   help="replicates simulated together in one block (default: run.chunk_size)")
    p.add_argument("--precision", type=_fraction, metavar="P",
                   help="target precision of the goal odds (e.g. 0.01)")
    p.add_argument("--engine", choices=["core", "mesa"], default="core",
                   help="vectorized core (default) or the Mesa agent model (same outputs, some "
                        "hundred times slower; one replicate per block)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    _add_json_option(p, "the summary (the document of DIR/summary.json)")
    p.add_argument("--report", action="store_true",
                   help="also write DIR/report.html, the planner's report in Chinese and English (needs --out)")
    _add_restart_option(p)
    p.set_defaults(func=_cmd_run)

    p = sub.add_parser("compare", help="compare the odds of two scenarios",
                       description="Run two scenarios on common random numbers and compare their odds.")
    p.add_argument("a", metavar="A", help="first scenario TOML file")
    p.add_argument("b", metavar="B", help="second scenario TOML file")
    _add_run_options(p)
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    _add_json_option(p, "the comparison (the document of DIR/compare.json)")
    p.set_defaults(func=_cmd_compare)

    p = sub.add_parser("sweep", help="run a lever sweep (resumable; local processes or Dask)",
                       description="Run every point of a sweep file, writing each to DIR/sweep.sqlite as it "
                                   "finishes. Run the same command again to resume an interrupted sweep.")
    p.add_argument("sweep", metavar="SWEEP", help="sweep TOML file (see scenarios/sweeps/)")
    p.add_argument("--out", metavar="DIR", required=True, help="folder for the results (required)")
    _add_executor_options(p)
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    _add_restart_option(p)
    p.set_defaults(func=_cmd_sweep)

    _add_optimise_parser(sub)

    p = sub.add_parser("calibrate", help="fit the model to the observed figures (ABC-SMC; resumable)",
                       description="Fit a hindcast of the model to the observations named in a calibration "
                                   "file by ABC-SMC. Each generation is checkpointed in DIR/checkpoints; run the "
                                   "same command again to resume. Writes DIR/posterior.csv and DIR/report.md.")
    p.add_argument("targets", metavar="TARGETS", help="calibration file, e.g. calibration/targets.toml")
    p.add_argument("--out", metavar="DIR", required=True, help="folder for the posterior and the report")
    p.add_argument("--holdout-year", type=_positive_int, metavar="YEAR",
                   help="leave that year's observations out of the fit and report how well they are predicted")
    p.add_argument("--holdout-from", type=_positive_int, metavar="YEAR",
                   help="fit only the observations before YEAR; predict those of YEAR and later (out of sample)")
    _add_executor_options(p)
    p.add_argument("--quiet", action="store_true", help="no progress lines")
    _add_restart_option(p)
    p.set_defaults(func=_cmd_calibrate)

    _add_discover_parser(sub)

    p = sub.add_parser("analyze", help="analyse a sweep: response curves, odds per yuan, Sobol' indices",
                       description="Read DIR/sweep.sqlite and write the analysis (report.md, tables, plots) "
                                   "to DIR/analysis.")
    p.add_argument("dir", metavar="DIR", help="a sweep's results folder")
    p.add_argument("--out", metavar="FOLDER", help="where to write the analysis (default: DIR/analysis)")
    p.add_argument("--quiet", action="store_true",
                   help="no line naming the files written: only the analysis (report.md) and any problem")
    p.set_defaults(func=_cmd_analyze)

    _add_report_parser(sub)

    _add_screen_parser(sub)
    return parser


def _add_optimise_parser(sub) -> None:
    """``innovsim optimise``: the cheapest lever mix for chance constraints (sim/optimise, docs/OPTIMISE.md)."""
    p = sub.add_parser("optimise", help="the cheapest lever mix whose odds reach a target, or the cost-odds frontier",
                       description="Search the levers of an optimisation file for the cheapest mix with P(goals) >= p "
                                   "(screen, surrogate, racing on common random numbers), verify it on fresh seeds "
                                   "and write DIR/optimisation.json, report.md, recommended.toml and charts. "
                                   "Every evaluation is checkpointed: run the same command again to resume.")
    p.add_argument("optfile", metavar="OPTFILE", help="optimisation TOML file (see scenarios/optimise/)")
    p.add_argument("--out", metavar="DIR", required=True, help="folder for the results (required)")
    _add_executor_options(p)
    p.add_argument("--quiet", action="store_true", help="no progress lines")
    _add_restart_option(p)
    p.set_defaults(func=_cmd_optimise)


def _cmd_optimise(args: argparse.Namespace) -> int:
    """innovsim optimise OPTFILE --out DIR: search, verify on fresh seeds, write the outputs."""
    from .optimise.spec import load_optimisation

    opt = load_optimisation(args.optfile)
    _prepare_out(args.out)
    from .optimise.run import run_optimisation

    executor = _executor(args)
    o = opt.spec.optimise
    print(f"Optimisation {o.name} ({o.mode}): {len(opt.names)} variables, {len(opt.spec.constraints)} constraints, "
          f"budget {o.replicates:,} replicates, seed {o.seed}; on {executor.describe()}", file=sys.stderr)
    progress = None if args.quiet else (lambda line: print(line, file=sys.stderr))
    outcome, ev = run_optimisation(opt, args.out, executor, restart=args.restart, progress=progress)
    rec = outcome.recommended
    if rec is None:
        print("No mix inside the bounds reached the targets; see report.md")
    else:
        levers = ", ".join(f"{n} = {v:,.0f}" if abs(v) >= 1e5 else f"{n} = {v:g}"
                           for n, v in rec.entry.cand.levers(opt.names).items())
        odds = "; ".join(f"P({n}) {e:.3f} (lower 95% bound {lo:.3f}, target {c.probability:g})"
                         for n, c, e, lo in zip(opt.constraint_names, opt.spec.constraints, rec.estimate, rec.lower))
        print(f"{'Recommended' if rec.passed else 'Best lead (NOT verified)'}: {levers}; cost "
              f"{rec.entry.cost / 1e6:,.1f}m CNY over the horizon; fresh-seed estimates {odds}")
    print(f"{outcome.spent:,} replicates ({ev.simulated:,} simulated now, the rest from checkpoints). Results in "
          f"{args.out}: optimisation.json, report.md, recommended.toml, finalists.csv, frontier.png, convergence.png",
          file=sys.stderr)
    return EXIT_OK


def _add_report_parser(sub) -> None:
    """``innovsim report``: the planner's report of a finished run (sim/reporting, docs/REPORT.md)."""
    p = sub.add_parser("report", help="the planner's report of a run: one self-contained HTML page (and PDF)",
                       description="Write one self-contained HTML page of a finished run (no network, fonts or "
                                   "scripts; charts inline), in Chinese, English or both: the odds of every goal "
                                   "with their likelihood words, fan charts, switching values, the calibration fit "
                                   "and an audit appendix; with the options below, a compared run, a sweep's odds "
                                   "per 100m CNY, discovery boxes and an optimisation. See docs/REPORT.md.")
    p.add_argument("dir", metavar="DIR", help="the --out folder of a finished innovsim run")
    p.add_argument("--lang", choices=["zh", "en", "both"], default="both", help="language(s) (default both)")
    p.add_argument("--pdf", action="store_true", help="also print it to an A4 PDF (headless Chromium or WeasyPrint)")
    p.add_argument("--compare", metavar="DIR2", help="a run to compare with (paired differences B - A, B = DIR)")
    p.add_argument("--sweep", metavar="SDIR", help="a sweep's folder: odds per 100m CNY by lever")
    p.add_argument("--discover", metavar="DDIR", help="an innovsim discover folder (discovery.json)")
    p.add_argument("--optimise", metavar="ODIR", help="an optimisation's folder (optimisation.json)")
    p.add_argument("--threshold", type=_fraction, default=0.5, metavar="P",
                   help="odds at which switching values are taken (default 0.5)")
    p.add_argument("--out", metavar="FILE", help="the HTML file (default DIR/report.html, or report_zh/_en.html)")
    p.add_argument("--no-timestamp", action="store_true",
                   help="leave the generation time out, so the same results give the same bytes")
    p.add_argument("--quiet", action="store_true", help="no lines naming the files written: only problems")
    p.set_defaults(func=_cmd_report)


def _add_screen_parser(sub) -> None:
    """``innovsim screen``: which assumptions each goal's odds hang on (sim/screening)."""
    from .screening import defaults as d
    p = sub.add_parser("screen", help="screen every parameter: which assumptions each goal's odds hang on",
                       description="Morris screening of every numeric parameter of a scenario (start values, "
                                   "behaviour, rules; with --levers the lever fields too), then a Sobol' refinement "
                                   "of the top ones. Writes DIR/ranking.csv, DIR/report.md and a tornado chart per "
                                   "goal; finished design points are kept in DIR/checkpoints, so the same command "
                                   "resumes an interrupted screening. See docs/SCREENING.md.")
    p.add_argument("scenario", metavar="SCENARIO", help="scenario TOML file")
    p.add_argument("--out", metavar="DIR", required=True, help="folder for the results (required)")
    p.add_argument("--levers", action="store_true", help="also screen the levers' numeric fields (0.5-1.5x each)")
    p.add_argument("--trajectories", type=_positive_int, metavar="N", default=d.TRAJECTORIES,
                   help=f"Morris trajectories, each of (parameters + 1) design points (default {d.TRAJECTORIES})")
    p.add_argument("--runs", type=_runs, metavar="R", default=d.RUNS,
                   help=f"replicates per design point (default {d.RUNS})")
    p.add_argument("--refine", type=_non_negative_int, metavar="K", default=d.REFINE,
                   help=f"Sobol' refinement of the K parameters with the largest effects, {d.REFINE_ROWS} x (K + 2) "
                        f"points; 0 for none (default {d.REFINE})")
    p.add_argument("--goal", nargs="+", metavar="ID", help="goals to rank (default: every goal and the joint goals)")
    p.add_argument("--seed", type=_non_negative_int, metavar="S",
                   help="seed of the design and the replicates (default: run.seed of the scenario)")
    _add_executor_options(p)
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    _add_restart_option(p)
    p.set_defaults(func=_cmd_screen)


def _add_discover_parser(sub) -> None:
    """``innovsim discover``: where the plan fails (docs/DISCOVERY.md)."""
    p = sub.add_parser("discover", help="scenario discovery: under which conditions each goal fails (PRIM)",
                       description="Find the combinations of uncertain inputs under which each goal fails (or, "
                                   "for a goal that fails in most futures, is still reached), by PRIM, and say them "
                                   "in English and Chinese; each box is checked on fresh runs. On a scenario file "
                                   "or a finished run's folder, the cases are the run's replicates; with --design, "
                                   "a space-filling design of --inputs with --replicates per point. Resumable.")
    p.add_argument("source", metavar="SCENARIO_OR_RUNDIR", help="scenario TOML file, or the --out folder of a run")
    p.add_argument("--out", metavar="DIR", required=True, help="folder for discovery.json, report.md and charts")
    p.add_argument("--goal", nargs="+", action="extend", metavar="ID",
                   help="goals to explain (ID: fails in its year; ID@YEAR: not reached by YEAR); default all")
    p.add_argument("--joint", type=_positive_int, action="append", metavar="YEAR",
                   help="explain the joint failure of all goals of YEAR")
    p.add_argument("--inputs", nargs="+", action="extend", metavar="PATH[=LOW:HIGH]",
                   help="inputs to analyse (dotted scenario paths; default every drawn input); with --design, "
                        "the factors and their ranges (an uncertain input defaults to its distribution's range)")
    p.add_argument("--design", choices=["lhs", "sobol"], help="run a space-filling design of --inputs instead")
    p.add_argument("--points", type=_positive_int, metavar="N", help="design points (default 64)")
    p.add_argument("--replicates", type=_positive_int, metavar="R", help="replicates per design point (default 20)")
    p.add_argument("--runs", type=_runs, metavar="N", help="replicates of the run (default: run.replicates)")
    p.add_argument("--seed", type=_non_negative_int, metavar="S", help="seed (default: run.seed of the scenario)")
    p.add_argument("--target", choices=["auto", "fail", "reach"], default="auto",
                   help="what a box gathers: failures, successes, or the rarer of the two per goal (default)")
    p.add_argument("--min-coverage", type=_fraction, default=0.5, metavar="C",
                   help="box rule: the densest box with at least this coverage (default 0.5)")
    p.add_argument("--max-dims", type=_positive_int, default=3, metavar="K",
                   help="box rule: at most K restricted inputs (default 3)")
    p.add_argument("--box", type=_non_negative_int, metavar="N",
                   help="report box N of the peeling trajectory instead of the rule's (see trajectory_<goal>.csv)")
    p.add_argument("--resamples", type=_positive_int, default=30, metavar="B",
                   help="bootstrap resamples for each limit's stability (default 30)")
    p.add_argument("--check-runs", type=_runs, metavar="N",
                   help="replicates of the fresh-seed check in run mode (default: as many as the run)")
    p.add_argument("--no-check", action="store_true", help="skip the check of the boxes on fresh runs")
    _add_executor_options(p)
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    _add_restart_option(p)
    p.set_defaults(func=_cmd_discover)


# ---- commands ---------------------------------------------------------------------------------

def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _cmd_validate(args: argparse.Namespace) -> int:
    """Validate every file (not stopping at the first bad one); exit 2 if any failed. Each file is
    checked as the command that reads it would (``sim.validate``: a scenario as ``run`` does, every
    file it names included; a sweep as ``sweep`` does; a calibration file as ``calibrate`` does),
    so "OK" means that command will start. The problems go to stderr, with --json too."""
    from .validate import check_file

    checked = [check_file(path) for path in args.files]
    for c in checked:
        if not c.ok:
            print(str(c.error), file=sys.stderr)
        elif not (args.quiet or args.json):
            print(f"OK: {c.file} ({c.text})")
    if args.json:
        _print_json(args, {"ok": all(c.ok for c in checked), "files": [c.to_dict() for c in checked]})
    return EXIT_OK if all(c.ok for c in checked) else EXIT_USER_ERROR


def _print_json(args: argparse.Namespace, doc: dict) -> None:
    """The one JSON document of ``--json`` on the real stdout (``main`` sends every other line of
    the command to stderr meanwhile): UTF-8 names, floats rounded to 6 digits, NaN as null."""
    import json

    from .goals import round_floats

    args.json_stdout.write(json.dumps(round_floats(doc), indent=2, ensure_ascii=False, allow_nan=False) + "\n")


def _add_schema_parser(sub) -> None:
    """``innovsim schema``: the JSON Schema of one kind of input file, or of every kind (sim.file_schemas)."""
    from .file_schemas import COMMITTED_DIR, KINDS, SCENARIO

    p = sub.add_parser("schema", help="print the JSON Schema of scenario, sweep, calibration or optimisation files",
                       description="Print the JSON Schema of one kind of input file, for editors (completion and "
                                   "checking as you type) and check-jsonschema. The copies in "
                                   f"{COMMITTED_DIR}/ that .taplo.toml hands to VS Code are written by "
                                   f"'innovsim schema --all {COMMITTED_DIR}'.")
    p.add_argument("--kind", choices=list(KINDS),
                   help=f"the kind of file (default: {SCENARIO}, complete or a variant with extends)")
    where = p.add_mutually_exclusive_group()
    where.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of standard output")
    where.add_argument("--all", metavar="DIR", help="write every kind's schema to DIR/<kind>.schema.json "
                                                    "(the folder is made if missing)")
    p.add_argument("--quiet", action="store_true", help="no line naming the files --all wrote")
    p.set_defaults(func=_cmd_schema)


def _cmd_schema(args: argparse.Namespace) -> int:
    """innovsim schema [--kind KIND] [-o FILE] | --all DIR: the schemas of sim.file_schemas."""
    from .file_schemas import SCENARIO, schema_text, write_schemas

    if args.all:
        if args.kind:
            raise UserError(f"--kind {args.kind} and --all {args.all} do not go together: --all writes every "
                            "kind's schema; drop one of them")
        try:
            paths = write_schemas(args.all)
        except OSError as exc:
            raise UserError(f"cannot write the schemas to '{args.all}': {exc.strerror or exc}") from None
        if not args.quiet:
            print(f"Wrote {len(paths)} schemas: {', '.join(str(p) for p in paths)}")
        return EXIT_OK
    text = schema_text(args.kind or SCENARIO)
    if args.output:
        try:
            with open(args.output, "w", encoding="utf-8") as fh:
                fh.write(text)
        except OSError as exc:
            raise UserError(f"cannot write the schema to '{args.output}': {exc.strerror or exc}") from None
    else:
        sys.stdout.write(text)
    return EXIT_OK


def _progress_bar(args, desc: str, unit: str = "run"):
    """Progress on stderr (or None with --quiet): a tqdm bar on a terminal, a line every 10% in a
    log or pipe, never carriage returns there (sim.progress)."""
    if getattr(args, "quiet", False):
        return None
    from .progress import progress_bar

    return progress_bar(desc, unit, sys.stderr)


#: the topmost folders ``_prepare_out`` made for this command, so that a command stopped by an
#: input error leaves none of them behind empty (``_remove_made_folders``)
_MADE: list = []


def _remove_made_folders() -> None:
    """Remove the folders this command made that hold nothing but empty folders and the folder
    lock (a mistake found after --out was prepared must not leave an empty results folder)."""
    import shutil

    from .execution.checkpoints import LOCK_FILE

    while _MADE:
        folder = _MADE.pop()
        files = [name for _, _, names in os.walk(folder) for name in names]
        if folder.is_dir() and set(files) <= {LOCK_FILE}:
            shutil.rmtree(folder, ignore_errors=True)


def _prepare_out(out) -> None:
    """Make sure --out is a folder we can write to before any work starts (one clear message,
    not a traceback, and no simulation lost to a typo in a path)."""
    if out is None:
        return
    from pathlib import Path

    path = Path(out)
    missing = [f for f in (path.absolute(), *path.absolute().parents) if not f.exists()]
    _MADE.extend(missing[-1:])       # removed again if the command stops at an input error
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / ".innovsim-write-test"
        probe.write_text("")
        probe.unlink()
    except OSError as exc:
        what = "is a file, not a folder" if path.exists() and not path.is_dir() else (exc.strerror or str(exc))
        raise UserError(f"--out {out}: cannot write results there ({what}); give a folder you can write to, "
                        f"for example --out {os.path.join('results', 'run1')}") from None


def _executor(args):
    """The executor of --workers / --dask-local / --scheduler (default: local processes on every
    core this process may use); results never depend on it."""
    from .execution.executors import make_executor

    return make_executor(args.workers, getattr(args, "dask_local", None), getattr(args, "scheduler", None))


def _cmd_run(args: argparse.Namespace) -> int:
    """innovsim run SCENARIO: simulate, print the odds table, write the results folder."""
    from .scenario.loader import load_scenario

    if args.report and not args.out:
        raise UserError("--report needs --out DIR: the report is written beside the results, as DIR/report.html")
    scenario = load_scenario(args.scenario, check_inputs=True)   # every file the run reads, before --out
    _prepare_out(args.out)
    from .runner import run_scenario, write_outputs

    bar = _progress_bar(args, scenario.meta.name)
    try:
        output = run_scenario(scenario, runs=args.runs, seed=args.seed, executor=_executor(args),
                              chunk_size=args.chunk_size, precision=args.precision, out=args.out, progress=bar,
                              engine=args.engine, restart=args.restart)
    finally:
        if bar is not None:
            bar.close()
    from .report import format_levers, format_table

    if not args.json:
        print(format_levers(scenario))
        if args.engine == "mesa":
            print("Engine: the Mesa agent model (sim.abm), statistically equal to the core; "
                  "different random numbers, so not the core's numbers run for run.\n")
        print(format_table(output.odds, scenario.goals))
    if args.precision is not None and output.odds.max_half_width() > args.precision:
        print(f"note: stopped at {output.results.n_runs} runs before every interval was within "
              f"±{args.precision}", file=sys.stderr)
    if args.out:
        write_outputs(output, args.out)
        reused = f" ({_plural(output.reused_blocks, 'finished block')} reused)" if output.reused_blocks else ""
        print(f"Results in {args.out}: summary.json, goals.csv, report.txt, indicators.parquet (tidy table), "
              f"fan_<goal>.png{reused}", file=sys.stderr)
        if args.report:
            from .reporting.render import write_report

            print(f"Report: {write_report(args.out)[0]}", file=sys.stderr)
    if args.json:
        import json

        from .report import summary_json
        from .runner import summary_parts

        record, hanging = summary_parts(output)                # as write_outputs
        doc = summary_json(output.odds, engine=output.engine, record=record, hangs_on=hanging)
        _print_json(args, json.loads(doc))
    return EXIT_OK


def _cmd_compare(args: argparse.Namespace) -> int:
    """innovsim compare A B: both scenarios on common random numbers, odds side by side."""
    from .scenario.loader import load_scenario

    a, b = load_scenario(args.a, check_inputs=True), load_scenario(args.b, check_inputs=True)
    _prepare_out(args.out)
    from .goals import compare
    from .report import format_compare
    from .runner import run_scenario

    runs = args.runs if args.runs is not None else a.run.replicates
    seed = args.seed if args.seed is not None else a.run.seed
    outputs = []
    for scenario in (a, b):
        bar = _progress_bar(args, scenario.meta.name)
        try:
            outputs.append(run_scenario(scenario, runs=runs, seed=seed, executor=_executor(args), progress=bar))
        finally:
            if bar is not None:
                bar.close()
    oa, ob = outputs
    comparison = compare(oa.odds, ob.odds, oa.results, ob.results, a.goals)
    if not args.json:
        print(format_compare(comparison, oa.odds, a.goals))
    doc = {"a": a.meta.name, "b": b.meta.name, "runs": runs, "seed": seed, **comparison.to_dict()}
    if args.out:
        import json

        from .goals import round_floats
        from .execution.files import atomic_write, make_folder

        out = make_folder(args.out)
        atomic_write(out / "compare.json", json.dumps(round_floats(doc), indent=2, ensure_ascii=False) + "\n")
    if args.json:
        _print_json(args, doc)
    return EXIT_OK


def _cmd_sweep(args: argparse.Namespace) -> int:
    """innovsim sweep SWEEP --out DIR: run (or resume) a sweep; finished points are kept."""
    from .sweep.spec import load_sweep

    sweep = load_sweep(args.sweep)
    _prepare_out(args.out)
    from .sweep.runner import run_sweep

    executor = _executor(args)
    s = sweep.spec.sweep
    print(f"Sweep {s.name}: {sweep.n_points} points ({sweep.spec.design.kind}) x {s.replicates} replicates, "
          f"seed {s.seed}, base scenario {sweep.base.meta.name}; on {executor.describe()}", file=sys.stderr)
    bar = _progress_bar(args, s.name, "point")
    try:
        summary = run_sweep(sweep, args.out, executor, progress=bar, restart=args.restart)
    finally:
        if bar is not None:
            bar.close()
    rate = summary.ran / summary.seconds * 60 if summary.seconds > 0 else 0.0
    print(f"{summary.points} points: {summary.reused} already done, {summary.ran} run now in {summary.seconds:.1f} s "
          f"({rate:.1f} points a minute, {summary.agent_years / max(summary.seconds, 1e-9):,.0f} agent-years/s)")
    if summary.failed:
        print(f"{len(summary.failed)} points failed (recorded in {args.out}/sweep.sqlite; rerun the command to "
              "retry them):")
        for point, error in summary.failed[:20]:
            print(f"  point {point}: {error.splitlines()[0] if error else 'unknown error'}")
    print(f"Results in {args.out}/sweep.sqlite; analyse with: innovsim analyze {args.out}", file=sys.stderr)
    return EXIT_OK


def _cmd_calibrate(args: argparse.Namespace) -> int:
    """innovsim calibrate TARGETS --out DIR: ABC-SMC of the hindcast; resumes from checkpoints."""
    import time
    from pathlib import Path

    from .calibration.targets import load_targets

    load_targets(args.targets)          # a broken file is reported before anything is written
    _prepare_out(args.out)
    from .calibration.run import calibrate

    start = time.perf_counter()

    def progress(g):
        if not args.quiet:
            eps = "inf" if g.eps == float("inf") else f"{g.eps:.3g}"
            print(f"generation {g.t}: tolerance {eps}, {g.simulations:,} simulations, acceptance "
                  f"{g.acceptance:.3f}, ESS {g.ess:.0f} ({time.perf_counter() - start:.0f} s)", file=sys.stderr)

    fit = calibrate(args.targets, args.out, progress=progress, holdout_year=args.holdout_year,
                    executor=_executor(args), restart=args.restart, holdout_from=args.holdout_from)
    print(Path(args.out, "report.md").read_text(encoding="utf-8"))
    print(f"Posterior in {Path(args.out, 'posterior.csv')} ({len(fit.result.last.weights)} particles); a scenario "
          f"uses it with [posterior] file = \"...\"", file=sys.stderr)
    return EXIT_OK


def _cmd_report(args: argparse.Namespace) -> int:
    """innovsim report DIR: the self-contained HTML report (and PDF) of a finished run."""
    from .reporting.render import ReportOptions, write_report

    options = ReportOptions(lang=args.lang, compare=args.compare, sweep=args.sweep, discover=args.discover,
                            optimise=args.optimise, threshold=args.threshold, timestamp=not args.no_timestamp)
    written = write_report(args.dir, args.out, options, pdf=args.pdf)
    for path in [] if args.quiet else written:
        print(f"Report: {path} ({path.stat().st_size / 1e6:.2f} MB)", file=sys.stderr)
    return EXIT_OK


def _cmd_analyze(args: argparse.Namespace) -> int:
    """innovsim analyze DIR: the report, tables and plots of a sweep."""
    from pathlib import Path

    from .sweep.analyze import analyze_sweep, write_analysis

    analysis = analyze_sweep(args.dir)
    out = Path(args.out) if args.out else Path(args.dir) / "analysis"
    _prepare_out(out)
    written = write_analysis(analysis, out)
    report = out / "report.md"
    if report.exists():
        print(report.read_text(encoding="utf-8"))
    if not args.quiet:
        print(f"Analysis in {out}: {', '.join(p.name for p in written)}", file=sys.stderr)
    return EXIT_OK


def _cmd_screen(args: argparse.Namespace) -> int:
    """innovsim screen SCENARIO --out DIR: Morris screening and Sobol' refinement; resumable."""
    from .scenario.loader import load_scenario

    scenario = load_scenario(args.scenario, check_inputs=True)
    _prepare_out(args.out)
    from .screening.report import write_outputs
    from .screening.runner import Settings, check_goals, goal_years, screen

    goals = check_goals(args.goal, goal_years(scenario))
    seed = scenario.run.seed if args.seed is None else args.seed
    settings = Settings(trajectories=args.trajectories, runs=args.runs, refine=args.refine, seed=seed,
                        levers=args.levers)
    executor = _executor(args)
    print(f"Screening {scenario.meta.name}: {args.trajectories} trajectories x {args.runs} replicates a point, "
          f"refining {args.refine}, seed {seed}; on {executor.describe()}", file=sys.stderr)
    bar = _progress_bar(args, scenario.meta.name, "point")
    try:
        result = screen(scenario, args.out, settings, executor, goals=goals, progress=bar, restart=args.restart)
    finally:
        if bar is not None:
            bar.close()
    written = write_outputs(result, goals, args.out)
    from pathlib import Path

    print(Path(args.out, "report.md").read_text(encoding="utf-8"))
    print(f"{result.ran + result.reused} points ({result.reused} reused) in {result.seconds:.1f} s; results in "
          f"{args.out}: {', '.join(p.name for p in written)}", file=sys.stderr)
    return EXIT_OK


def _cmd_discover(args: argparse.Namespace) -> int:
    """innovsim discover SCENARIO_OR_RUNDIR --out DIR: PRIM boxes in words, checked on fresh runs."""
    from pathlib import Path

    if args.design is None:
        for flag, value in (("--points", args.points), ("--replicates", args.replicates)):
            if value is not None:
                raise UserError(f"{flag} sets the size of a design: give it with --design lhs (or sobol), or leave "
                                f"it out to analyse the run's own replicates")
    elif args.runs is not None or args.check_runs is not None:
        raise UserError("--runs and --check-runs size a run; a design is sized by --points and --replicates")
    if not Path(args.source).exists():
        raise UserError(f"{args.source}: no such file or folder; give a scenario TOML file or a run's --out folder")
    _prepare_out(args.out)
    from .discovery import Rule, discover, write_discovery
    from .execution.checkpoints import FolderLock

    rule = Rule(min_coverage=args.min_coverage, max_dims=args.max_dims, box=args.box)
    bar = _progress_bar(args, "discover")
    try:
        with FolderLock(args.out):
            found = discover(args.source, args.out, goals=args.goal, joint=args.joint, inputs=args.inputs,
                             design=args.design, points=args.points or 64, replicates=args.replicates or 20,
                             runs=args.runs, seed=args.seed, rule=rule, executor=_executor(args),
                             check=not args.no_check, check_runs=args.check_runs, resamples=args.resamples,
                             restart=args.restart, progress=bar, target=args.target)
            write_discovery(found, args.out)
    finally:
        if bar is not None:
            bar.close()
    for f in found.findings:
        from .discovery.report import box_document

        doc = box_document(f, found.cases)
        print(f"{doc['outcome']}: {doc['summary_en']}\n  {doc['summary_zh']}")
        if f.note and f.box.n_restricted:
            print(f"  note: {f.note}")
        if f.fresh is not None:
            print(f"  fresh runs: density {f.fresh['density']:.0%} inside, {f.fresh['density_outside']:.0%} outside, "
                  f"coverage {f.fresh['coverage']:.0%}")
    print(f"Discovery in {args.out}: discovery.json, report.md, boxes.csv, trajectory_<goal>.png/csv, "
          "box_<goal>.png, cases_<goal>.png", file=sys.stderr)
    return EXIT_OK


# ---- entry point ------------------------------------------------------------------------------

def main(argv: Sequence[str] | None = None) -> int:
    """Parse ``argv`` (default: ``sys.argv[1:]``), run the command, return the exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help / --version (0) or a usage error (2), already printed
        return exc.code if isinstance(exc.code, int) else EXIT_USER_ERROR
    import warnings

    shown = warnings.showwarning
    warnings.showwarning = _show_warning
    # --json: the document is the only thing on stdout; anything else the command prints goes to stderr
    args.json_stdout = sys.stdout
    quiet_stdout = contextlib.redirect_stdout(sys.stderr) if getattr(args, "json", False) else contextlib.nullcontext()
    _MADE.clear()
    try:
        with quiet_stdout:
            return args.func(args)
    except (ScenarioError, UserError) as exc:
        _remove_made_folders()
        print(str(exc), file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print("innovsim: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    finally:
        warnings.showwarning = shown


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """Warnings as one line for a planner ('warning: ...'), not a source location."""
    print(f"warning: {message}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
