"""Benchmark of the vectorized core: wall time, throughput and peak memory of the baseline scenario.

    python benchmarks/bench_core.py                                  # 1,000 and 10,000 runs, 1 and 2 workers
    python benchmarks/bench_core.py --runs 1000 --workers 1 2        # a smaller grid
    python benchmarks/bench_core.py --runs 1000 10000 --workers 2 --json bench.json

Every (runs, workers) configuration is measured in a fresh Python process, so the peak-memory
figures of one configuration are not inflated by an earlier one (``ru_maxrss`` is a lifetime
high-water mark). The timed section is ``sim.execution.run_replicates(scenario, runs, seed, workers,
chunk_size)`` alone: imports, scenario loading and a small warm-up run come before it; starting
the worker pool is inside it (it is part of what a user waits for).

Reported per configuration (see benchmarks/README.md for more):

- ``wall s``: wall-clock seconds of the timed section;
- ``agent-yr/s``: agent-years per second, where agent-years = alive firms summed over replicates
  and simulated years (``results.indicators["firms"][:, 1:].sum()``; the base year is the start
  state, not a step). This is the work the model does on real firms;
- ``agent-yr/cpu-s``: agent-years per CPU second of all processes: the cost of the work itself, less
  sensitive to other programs competing for the cores than the per-wall-second figure;
- ``slot-yr/s``: slot-years per second, slot-years = capacity x replicates x simulated years. Random
  numbers are drawn for every agent slot; the yearly step computes on the slots up to each block's
  last living firm (blocks group replicates of similar size);
- ``cpu s``: user + system CPU seconds of the main process and its worker processes, and
  ``cpu/wall``, their ratio (about 1 per busy process; well below the number of workers means
  waiting, e.g. for a core that other programs on the host are using);
- ``load``: the 1-minute load average just before the timed section (a noisy-host indicator);
- ``maxrss self``: ``getrusage(RUSAGE_SELF).ru_maxrss``, the RSS high-water mark of the main process;
- ``maxrss child``: ``getrusage(RUSAGE_CHILDREN).ru_maxrss``: the high-water mark of the *largest*
  finished worker process, NOT the sum over workers (0 with 1 worker: no child processes);
- ``tree RSS``/``tree PSS``: peak over time of the summed RSS / PSS of the main process and all
  its descendants, sampled every ``--interval`` seconds in a background thread with psutil (if
  installed; it is not a dependency of the package). Summed RSS counts pages shared between the
  forked workers and the parent once per process (an upper bound); PSS splits each shared page
  among the processes sharing it, so summed PSS is the fairest "total memory in use". Sampling can
  miss a peak shorter than the interval.

With 1 and 2 workers for the same number of runs, the speed-up (wall time with 1 worker / wall
time with 2) is printed as well. No figure is asserted: this is a measurement, not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SCENARIO = ROOT / "scenarios" / "baseline.toml"
MIB = 1024 * 1024


# ---- memory sampling --------------------------------------------------------------------------

class TreeSampler:
    """Peak summed RSS and PSS of this process and its descendants, sampled in a background thread."""

    def __init__(self, interval: float = 0.1, pss: bool = True):
        try:
            import psutil
        except ImportError:  # optional: not a dependency of sim
            psutil = None
        self.psutil = psutil
        self.interval = interval
        self.want_pss = pss
        self.peak_rss = 0
        self.peak_pss = 0
        self.samples = 0
        self._stop = threading.Event()
        self._thread = None

    @property
    def available(self) -> bool:
        return self.psutil is not None

    def _sample(self) -> None:
        me = self.psutil.Process(os.getpid())
        try:
            procs = [me] + me.children(recursive=True)
        except self.psutil.Error:
            procs = [me]
        rss = pss = 0
        for p in procs:
            try:
                if self.want_pss:
                    info = p.memory_full_info()  # reads /proc/PID/smaps_rollup: ~0.3 ms a process
                    rss += info.rss
                    pss += getattr(info, "pss", info.rss)
                else:
                    rss += p.memory_info().rss
            except (self.psutil.Error, OSError):  # a worker that just exited, or no permission
                continue
        self.peak_rss = max(self.peak_rss, rss)
        self.peak_pss = max(self.peak_pss, pss)
        self.samples += 1

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._sample()
            self._stop.wait(self.interval)

    def __enter__(self):
        if self.available:
            self._thread = threading.Thread(target=self._loop, name="rss-sampler", daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc):
        if self._thread is not None:
            self._stop.set()
            self._thread.join()
            self._sample()  # one last sample, so a run shorter than the interval still has one
        return False


def maxrss_bytes(who: int) -> int:
    """ru_maxrss in bytes (Linux reports KiB, macOS bytes)."""
    value = resource.getrusage(who).ru_maxrss
    return value if sys.platform == "darwin" else value * 1024


def cpu_seconds() -> float:
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


# ---- one configuration (runs in its own process) ----------------------------------------------

def measure_one(scenario_path: str, runs: int, workers: int, seed: int, chunk_size: int | None,
                interval: float, pss: bool) -> dict:
    import numpy as np

    import sim
    from sim.execution import run_replicates
    from sim.core.init import build_layout

    scenario = sim.load_scenario(scenario_path)
    chunk = scenario.run.chunk_size if chunk_size is None else chunk_size
    capacity = int(build_layout(scenario).capacity)
    # warm-up: imports inside the engine, first-touch of numpy code paths (one block, in process)
    run_replicates(scenario, runs=min(chunk, runs), seed=seed + 1, workers=1, chunk_size=chunk)

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    cpu0 = cpu_seconds()
    with TreeSampler(interval, pss) as sampler:
        t0 = time.perf_counter()
        results = run_replicates(scenario, runs=runs, seed=seed, workers=workers, chunk_size=chunk)
        wall = time.perf_counter() - t0
    cpu = cpu_seconds() - cpu0

    firms = results.indicators["firms"]
    sim_years = int(firms.shape[1] - 1)  # column 0 is the base year's start state
    agent_years = float(np.nansum(firms[:, 1:]))
    slot_years = float(capacity) * results.n_runs * sim_years
    return {
        "runs": runs, "workers": workers, "seed": seed, "chunk_size": chunk,
        "capacity": capacity, "simulated_years": sim_years,
        "wall_s": wall, "cpu_s": cpu, "cpu_per_wall": cpu / wall, "loadavg_1min_before": load,
        "agent_years": agent_years, "agent_years_per_s": agent_years / wall,
        "slot_years": slot_years, "slot_years_per_s": slot_years / wall,
        "alive_share": agent_years / slot_years,
        "maxrss_self_bytes": maxrss_bytes(resource.RUSAGE_SELF),
        "maxrss_children_max_bytes": maxrss_bytes(resource.RUSAGE_CHILDREN),
        "tree_peak_rss_bytes": sampler.peak_rss if sampler.available else None,
        "tree_peak_pss_bytes": (sampler.peak_pss if sampler.available and pss else None),
        "tree_samples": sampler.samples,
        "psutil": sampler.available,
    }


def run_in_subprocess(args, runs: int, workers: int) -> dict:
    cmd = [sys.executable, __file__, "--_one", str(runs), str(workers), "--scenario", str(args.scenario),
           "--seed", str(args.seed), "--interval", str(args.interval)]
    if args.chunk_size is not None:
        cmd += ["--chunk-size", str(args.chunk_size)]
    if args.no_pss:
        cmd.append("--no-pss")
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr)
        raise SystemExit(f"benchmark of runs={runs}, workers={workers} failed (exit {proc.returncode})")
    return json.loads(proc.stdout.strip().splitlines()[-1])


# ---- report -------------------------------------------------------------------------------------

def environment() -> dict:
    import numpy as np

    try:
        load = os.getloadavg()
    except OSError:
        load = None
    return {
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "platform": platform.platform(),
        "cpu": platform.processor() or platform.machine(),
        "nproc": os.cpu_count(),
        "usable_cpus": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "loadavg_at_start": load,
    }


def _mb(x) -> str:
    return "n/a" if x is None else f"{x / MIB:,.0f} MiB"


def _rate(x: float) -> str:
    return f"{x / 1e6:,.2f} M"


def format_report(env: dict, rows: list[dict]) -> str:
    end = env.get("loadavg_at_end")
    lines = [
        f"sim.core.engine benchmark, {env['date']}: python {env['python']}, numpy {env['numpy']}, "
        f"nproc {env['nproc']} (usable {env['usable_cpus']}), load average at start "
        + ("n/a" if env["loadavg_at_start"] is None else " ".join(f"{x:.2f}" for x in env["loadavg_at_start"]))
        + ("" if not end else ", at end " + " ".join(f"{x:.2f}" for x in end)),
    ]
    if rows:
        r0 = rows[0]
        lines.append(f"scenario {r0.get('scenario', '')}: capacity {r0['capacity']:,} agent slots per replicate, "
                     f"{r0['simulated_years']} simulated years, chunk size {r0['chunk_size']}, seed {r0['seed']}")
    lines.append("")
    header = ["runs", "workers", "wall s", "cpu s", "cpu/wall", "load", "agent-years", "agent-yr/s", "agent-yr/cpu-s",
              "slot-years", "slot-yr/s",
              "maxrss self", "maxrss child", "tree RSS", "tree PSS"]
    table = [header]
    for r in rows:
        table.append([f"{r['runs']:,}", str(r["workers"]), f"{r['wall_s']:.2f}", f"{r['cpu_s']:.1f}",
                      f"{r['cpu_per_wall']:.2f}",
                      "n/a" if r.get("loadavg_1min_before") is None else f"{r['loadavg_1min_before']:.2f}",
                      f"{r['agent_years'] / 1e6:,.2f} M", _rate(r["agent_years_per_s"]),
                      _rate(r["agent_years"] / r["cpu_s"]) if r["cpu_s"] > 0 else "n/a",
                      f"{r['slot_years'] / 1e6:,.2f} M", _rate(r["slot_years_per_s"]),
                      _mb(r["maxrss_self_bytes"]),
                      _mb(r["maxrss_children_max_bytes"]) if r["workers"] > 1 else "-",
                      _mb(r["tree_peak_rss_bytes"]), _mb(r["tree_peak_pss_bytes"])])
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    for k, row in enumerate(table):
        lines.append("  ".join(cell.rjust(w) for cell, w in zip(row, widths)))
        if k == 0:
            lines.append("  ".join("-" * w for w in widths))
    lines += [
        "",
        "cpu/wall = CPU seconds of main process + workers per wall second (1.0 = one busy core; below the",
        "number of workers means waiting: pool start-up, an idle worker at the end, or other load on the host);",
        "load = 1-minute load average just before the timed section.",
        "agent-yr/cpu-s = agent-years per CPU second (all processes): less sensitive to a busy host than agent-yr/s.",
        "agent-years = alive firms summed over replicates and simulated years (firms[:, 1:].sum());",
        "slot-years = capacity x replicates x simulated years (random numbers are drawn for every slot; "
        "the step computes on slots up to the block's last living firm).",
        "maxrss child = RSS high-water mark of the LARGEST worker process (max over children, not the sum).",
        "tree RSS / PSS = peak of the summed RSS / PSS of main process + workers, sampled by psutil; summed RSS",
        "counts pages shared by forked workers once per process, PSS shares them out (the fairer total).",
    ]
    by_runs: dict[int, dict[int, float]] = {}
    for r in rows:
        by_runs.setdefault(r["runs"], {})[r["workers"]] = r["wall_s"]
    speedups = []
    for runs, walls in by_runs.items():
        if 1 in walls:
            for w, wall in sorted(walls.items()):
                if w > 1:
                    speedups.append(f"  {runs:,} runs: {w} workers vs 1: x{walls[1] / wall:.2f} "
                                    f"({walls[1]:.2f} s -> {wall:.2f} s)")
    if speedups:
        lines += ["", "speed-up (wall time with 1 worker / with N workers, same invocation):"] + speedups
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, nargs="+", default=[1000, 10000], help="replicates (default: 1000 10000)")
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2], help="worker processes (default: 1 2)")
    ap.add_argument("--skip", nargs="*", default=[], metavar="RUNSxWORKERS",
                    help="configurations of the grid to leave out, e.g. 10000x1")
    ap.add_argument("--scenario", default=str(DEFAULT_SCENARIO), help="scenario file (default: the baseline)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--chunk-size", type=int, default=None, help="replicates per block (default: the scenario's)")
    ap.add_argument("--interval", type=float, default=0.1, help="psutil sampling interval in seconds (default 0.1)")
    ap.add_argument("--no-pss", action="store_true", help="sample RSS only (cheaper than reading smaps)")
    ap.add_argument("--json", default=None, help="also write the figures to this JSON file")
    ap.add_argument("--_one", nargs=2, type=int, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    if args._one:  # child: measure one configuration, print one JSON line
        runs, workers = args._one
        row = measure_one(args.scenario, runs, workers, args.seed, args.chunk_size, args.interval, not args.no_pss)
        print(json.dumps(row))
        return 0

    if any(r < 1 for r in args.runs) or any(w < 1 for w in args.workers):
        ap.error("--runs and --workers must be at least 1")
    skip = {s.lower() for s in args.skip}
    env = environment()
    rows = []
    for runs in args.runs:
        for workers in args.workers:
            if f"{runs}x{workers}" in skip:
                continue
            print(f"measuring runs={runs:,} workers={workers} ...", file=sys.stderr, flush=True)
            row = run_in_subprocess(args, runs, workers)
            row["scenario"] = Path(args.scenario).name
            rows.append(row)
    try:
        env["loadavg_at_end"] = os.getloadavg()
    except OSError:
        env["loadavg_at_end"] = None
    print(format_report(env, rows))
    if args.json:
        Path(args.json).write_text(json.dumps({"environment": env, "results": rows}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
