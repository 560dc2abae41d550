"""``innovsim``: the command line, a thin layer over the Python API.

    innovsim validate scenarios/baseline.toml scenarios/*.toml
    innovsim schema > scenario.schema.json
    innovsim run scenarios/baseline.toml --runs 2000 --workers 8
    innovsim compare scenarios/baseline.toml scenarios/more_subsidy.toml
    innovsim sweep scenarios/sweeps/levers.toml --out results/levers
    innovsim analyze results/levers
    innovsim calibrate calibration/targets.toml --out calibration/runs/baseline

Exit codes: 0 success, 2 a mistake the user can fix (a broken scenario file, a bad option):
the message is one paragraph on stderr, never a traceback. Any other exception is a bug and
keeps its traceback. Heavy modules (pydantic, numpy, the engines) are imported inside the
command functions, so ``innovsim --help`` answers at once.
"""

from __future__ import annotations

import argparse
import sys
from typing import Sequence

from .errors import ScenarioError, UserError

EXIT_OK = 0
EXIT_USER_ERROR = 2
EXIT_INTERRUPTED = 130

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_TITLE = "Hechuan innovation-ecosystem simulator: scenario file"


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

    p = sub.add_parser("validate", help="check scenario files and explain any error",
                       description="Load and validate each scenario file (with its extends chain). "
                                   "Prints OK per valid file; exit code 2 if any file is invalid.")
    p.add_argument("files", nargs="+", metavar="FILE", help="scenario TOML files")
    p.set_defaults(func=_cmd_validate)

    p = sub.add_parser("schema", help="print the JSON Schema of scenario files",
                       description="Print the JSON Schema of scenario files (for editors and docs).")
    p.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of standard output")
    p.set_defaults(func=_cmd_schema)

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
    _add_restart_option(p)
    p.set_defaults(func=_cmd_run)

    p = sub.add_parser("compare", help="compare the odds of two scenarios",
                       description="Run two scenarios on common random numbers and compare their odds.")
    p.add_argument("a", metavar="A", help="first scenario TOML file")
    p.add_argument("b", metavar="B", help="second scenario TOML file")
    _add_run_options(p)
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

    p = sub.add_parser("analyze", help="analyse a sweep: response curves, odds per yuan, Sobol' indices",
                       description="Read DIR/sweep.sqlite and write the analysis (report.md, tables, plots) "
                                   "to DIR/analysis.")
    p.add_argument("dir", metavar="DIR", help="a sweep's results folder")
    p.add_argument("--out", metavar="FOLDER", help="where to write the analysis (default: DIR/analysis)")
    p.set_defaults(func=_cmd_analyze)
    return parser


# ---- commands ---------------------------------------------------------------------------------

def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _cmd_validate(args: argparse.Namespace) -> int:
    """Validate every file (not stopping at the first bad one); exit 2 if any failed. Each file is
    checked as ``run`` would read it, every file it names included (parents through extends, the
    posterior file in full), so "OK" means a run of it will start."""
    from .scenario.loader import load_scenario

    failed = 0
    for path in args.files:
        try:
            s = load_scenario(path, check_inputs=True)
        except UserError as exc:
            failed += 1
            print(str(exc), file=sys.stderr)
            continue
        print(f"OK: {path} ({s.meta.name}, {_plural(len(s.goals), 'goal')}, "
              f"{_plural(len(s.levers.active()), 'lever')})")
    return EXIT_USER_ERROR if failed else EXIT_OK


def scenario_json_schema() -> dict:
    """The JSON Schema of a scenario file, with ``$schema`` and a title."""
    from .scenario.schema import Scenario

    schema = Scenario.model_json_schema()
    schema.pop("title", None)
    return {"$schema": SCHEMA_DIALECT, "title": SCHEMA_TITLE, **schema}


def _cmd_schema(args: argparse.Namespace) -> int:
    import json

    text = json.dumps(scenario_json_schema(), indent=2, ensure_ascii=False) + "\n"
    if args.output:
        try:
            with open(args.output, "w", encoding="utf-8") as fh:
                fh.write(text)
        except OSError as exc:
            raise UserError(f"cannot write the schema to '{args.output}': {exc.strerror or exc}") from None
    else:
        sys.stdout.write(text)
    return EXIT_OK


def _progress_bar(args, desc: str):
    """A tqdm bar on stderr (or None with --quiet)."""
    if getattr(args, "quiet", False):
        return None
    from tqdm import tqdm
    tqdm.monitor_interval = 0   # no monitor thread: the worker processes are forked from this one
    return tqdm(total=0, desc=desc, unit="run", file=sys.stderr, dynamic_ncols=True, leave=False)


def _prepare_out(out) -> None:
    """Make sure --out is a folder we can write to before any work starts (one clear message,
    not a traceback, and no simulation lost to a typo in a path)."""
    if out is None:
        return
    import os
    from pathlib import Path

    path = Path(out)
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
        print(f"Results in {args.out}: summary.json, report.txt, indicators.parquet (tidy table), "
              f"fan_<goal>.png{reused}", file=sys.stderr)
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
    print(format_compare(comparison, oa.odds, a.goals))
    if args.out:
        import json

        from .goals import round_floats
        from .execution.files import atomic_write, make_folder

        out = make_folder(args.out)
        doc = {"a": a.meta.name, "b": b.meta.name, "runs": runs, "seed": seed, **comparison.to_dict()}
        atomic_write(out / "compare.json", json.dumps(round_floats(doc), indent=2, ensure_ascii=False) + "\n")
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
    bar = None
    if not args.quiet:
        from tqdm import tqdm
        tqdm.monitor_interval = 0
        bar = tqdm(total=0, desc=s.name, unit="point", file=sys.stderr, dynamic_ncols=True, leave=False)
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
    print(f"Analysis in {out}: {', '.join(p.name for p in written)}", file=sys.stderr)
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
    try:
        return args.func(args)
    except (ScenarioError, UserError) as exc:
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
