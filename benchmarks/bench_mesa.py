"""Benchmark: the vectorized core against the Mesa agent model, same scenario and seed, one worker each.

    python benchmarks/bench_mesa.py                                   # 1,000 core and 10 Mesa replicates
    python benchmarks/bench_mesa.py --core-runs 2000 --mesa-runs 20
    python benchmarks/bench_mesa.py --json                            # one JSON line instead of the report

Both engines run in this process, one after the other, with one worker (no process pool), on the
same scenario and seed. The timed sections (``time.perf_counter``) are

- core: ``sim.execution.run_replicates(scenario, runs=core_runs, seed=seed, workers=1)`` (blocks of the
  scenario's chunk size);
- Mesa: ``sim.execution.run_replicates(scenario, runs=mesa_runs, seed=seed, workers=1, engine="mesa")``, i.e.
  ``sim.abm.batch.MesaSimulator``: one ``InnovationModel(..., record_history=False)`` per
  replicate, run to the horizon, indicators read from its DataCollector.

Each engine first runs a small untimed warm-up (imports, first use of numpy code paths) with another
seed. Imports and scenario loading are not timed.

Throughput is in **agent-years per second**: agent-years = the ``firms`` indicator (living firms at
the end of each year) summed over replicates and simulated years, i.e.
``results.indicators["firms"][:, 1:].sum()``; column 0 is the base year's start state, not a
simulated step. This is the same measure as ``bench_core.py``'s ``agent-yr/s``. The two engines draw
different random numbers, so their agent-years per replicate differ a little; dividing by them
makes the rates comparable. The printed ratio is core agent-yr/s / Mesa agent-yr/s.

CPU seconds (user + system, this process) are reported too: on a busy host they show whether the
wall time was spent computing. Nothing is asserted: this is a measurement, not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SCENARIO = ROOT / "scenarios" / "baseline.toml"


def cpu_seconds() -> float:
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def loadavg() -> float | None:
    try:
        return os.getloadavg()[0]
    except (AttributeError, OSError):
        return None


def timed(label: str, fn) -> dict:
    """Run ``fn()`` (returns Results) once; wall and CPU seconds, agent-years and their rates."""
    import numpy as np

    print(f"timing {label} ...", file=sys.stderr, flush=True)
    load = loadavg()
    cpu0 = cpu_seconds()
    t0 = time.perf_counter()
    results = fn()
    wall = time.perf_counter() - t0
    cpu = cpu_seconds() - cpu0
    firms = results.indicators["firms"]
    agent_years = float(np.nansum(firms[:, 1:]))   # column 0: the base year's start state
    return {
        "runs": int(results.n_runs), "simulated_years": int(firms.shape[1] - 1),
        "wall_s": wall, "cpu_s": cpu, "loadavg_1min_before": load,
        "agent_years": agent_years, "agent_years_per_replicate": agent_years / results.n_runs,
        "agent_years_per_s": agent_years / wall,
        "agent_years_per_cpu_s": agent_years / cpu if cpu > 0 else None,
        "s_per_replicate": wall / results.n_runs,
    }


def measure(scenario_path: str, core_runs: int, mesa_runs: int, seed: int) -> dict:
    import numpy as np

    import sim
    from sim.execution import run_replicates

    scenario = sim.load_scenario(scenario_path)
    # warm-up, untimed, another seed: one core block and one Mesa replicate
    print("warming up ...", file=sys.stderr, flush=True)
    run_replicates(scenario, runs=min(scenario.run.chunk_size, core_runs), seed=seed + 1, workers=1)
    run_replicates(scenario, runs=1, seed=seed + 1, workers=1, engine="mesa")

    core = timed(f"core, {core_runs:,} replicates",
                 lambda: run_replicates(scenario, runs=core_runs, seed=seed, workers=1))
    mesa = timed(f"Mesa, {mesa_runs:,} replicates",
                 lambda: run_replicates(scenario, runs=mesa_runs, seed=seed, workers=1, engine="mesa"))
    return {
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "python": platform.python_version(), "numpy": np.__version__, "mesa_version": _version("mesa"),
        "nproc": os.cpu_count(), "scenario": Path(scenario_path).name, "seed": seed,
        "chunk_size": scenario.run.chunk_size, "workers": 1,
        "core": core, "mesa": mesa,
        "ratio_core_over_mesa": core["agent_years_per_s"] / mesa["agent_years_per_s"],
        "ratio_core_over_mesa_cpu": (core["agent_years_per_cpu_s"] / mesa["agent_years_per_cpu_s"]
                                     if core["agent_years_per_cpu_s"] and mesa["agent_years_per_cpu_s"] else None),
    }


def _version(package: str) -> str | None:
    try:
        from importlib.metadata import version
        return version(package)
    except Exception:  # not installed, or no metadata
        return None


def format_report(r: dict) -> str:
    lines = [
        f"core vs Mesa benchmark, {r['date']}: python {r['python']}, numpy {r['numpy']}, mesa {r['mesa_version']}, "
        f"nproc {r['nproc']}; scenario {r['scenario']}, seed {r['seed']}, 1 worker each "
        f"(core chunk size {r['chunk_size']})",
        "",
    ]
    header = ["engine", "replicates", "wall s", "s/replicate", "cpu s", "cpu/wall", "load", "agent-years",
              "agent-yr/replicate", "agent-yr/s", "agent-yr/cpu-s"]
    table = [header]
    for name in ("core", "mesa"):
        e = r[name]
        table.append([
            "core" if name == "core" else "Mesa", f"{e['runs']:,}", f"{e['wall_s']:.2f}", f"{e['s_per_replicate']:.4f}",
            f"{e['cpu_s']:.1f}", f"{e['cpu_s'] / e['wall_s']:.2f}",
            "n/a" if e["loadavg_1min_before"] is None else f"{e['loadavg_1min_before']:.2f}",
            f"{e['agent_years']:,.0f}", f"{e['agent_years_per_replicate']:,.0f}", f"{e['agent_years_per_s']:,.0f}",
            "n/a" if e["agent_years_per_cpu_s"] is None else f"{e['agent_years_per_cpu_s']:,.0f}"])
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    for k, row in enumerate(table):
        lines.append("  ".join(cell.rjust(w) for cell, w in zip(row, widths)))
        if k == 0:
            lines.append("  ".join("-" * w for w in widths))
    ratio_cpu = r["ratio_core_over_mesa_cpu"]
    lines += [
        "",
        f"core / Mesa throughput (agent-yr/s): x{r['ratio_core_over_mesa']:,.0f}"
        + ("" if ratio_cpu is None else f"   (per CPU second: x{ratio_cpu:,.0f})"),
        "",
        "agent-years = living firms (the `firms` indicator) summed over replicates and the "
        f"{r['core']['simulated_years']} "
        "simulated years (firms[:, 1:].sum(); the base year is the start state, not a step).",
        "cpu s = user + system CPU seconds of this process; cpu/wall well below 1 means another program took the core.",
        "load = 1-minute load average just before the timed section (a noisy-host hint).",
    ]
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scenario", default=str(DEFAULT_SCENARIO), help="scenario file (default: the baseline)")
    ap.add_argument("--core-runs", type=int, default=1000, help="core replicates (default 1000)")
    ap.add_argument("--mesa-runs", type=int, default=10, help="Mesa replicates (default 10, about 3 s each)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json", action="store_true", help="print the figures as one JSON line instead of the report")
    args = ap.parse_args(argv)
    if args.core_runs < 1 or args.mesa_runs < 1:
        ap.error("--core-runs and --mesa-runs must be at least 1")

    result = measure(args.scenario, args.core_runs, args.mesa_runs, args.seed)
    print(json.dumps(result) if args.json else format_report(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
