"""Benchmark: sweep throughput with 1 and 2 local worker processes, and the scaling ratio.

    python benchmarks/bench_sweep.py                                  # the default sweep below
    python benchmarks/bench_sweep.py --sweep scenarios/sweeps/levers.toml --workers 1 2
    python benchmarks/bench_sweep.py --replicates 1000 --points 40    # memory with big points
    python benchmarks/bench_sweep.py --json

Each configuration runs ``innovsim sweep`` in a fresh process into a fresh folder, timed from the
command's start to its end (wall clock), so start-up, worker start and the SQLite writes count.
Reported per configuration: wall seconds, points per minute, agent-years per second (the
``firms`` indicator summed over replicates and simulated years, as in bench_core.py), and the peak
resident memory of the runner process and of its largest worker (``ru_maxrss``). The scaling ratio
is wall(1 worker) / wall(N workers). Nothing is asserted: a measurement, not a test.

The default sweep is scenarios/sweeps/levers.toml with ``--points`` and ``--replicates`` set so
one configuration takes about a minute on one core: a Sobol' design of 3 factors, N = 8 (40 points)
x 200 replicates.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SWEEP = ROOT / "scenarios" / "sweeps" / "levers.toml"


def sized_copy(sweep: Path, points: int | None, replicates: int | None, folder: Path) -> Path:
    """The sweep file with ``[design] points`` and ``[sweep] replicates`` replaced (base made absolute)."""
    text = sweep.read_text(encoding="utf-8")
    text = re.sub(r'^base = "(.*)"', lambda m: f'base = "{(sweep.parent / m.group(1)).resolve().as_posix()}"', text,
                  flags=re.M)
    if points is not None:
        text = re.sub(r"^points = \d+", f"points = {points}", text, flags=re.M)
    if replicates is not None:
        text = re.sub(r"^replicates = \d+", f"replicates = {replicates}", text, flags=re.M)
    out = folder / sweep.name
    out.write_text(text, encoding="utf-8")
    return out


CHILD = """
import json, resource, sys, time
from sim.sweep.spec import load_sweep
from sim.execution import LocalProcesses
from sim.sweep.runner import run_sweep
sweep = load_sweep(sys.argv[1])
t = time.perf_counter()
s = run_sweep(sweep, sys.argv[2], LocalProcesses(int(sys.argv[3])))
wall = time.perf_counter() - t
print(json.dumps({"wall": wall, "points": s.ran, "failed": len(s.failed), "agent_years": s.agent_years,
                  "rss_main_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "rss_worker_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))
"""


def measure(sweep_file: Path, workers: int) -> dict:
    out = Path(tempfile.mkdtemp(prefix="bench_sweep_"))
    try:
        start = time.perf_counter()
        proc = subprocess.run([sys.executable, "-c", CHILD, str(sweep_file), str(out / "r"), str(workers)],
                              cwd=ROOT, capture_output=True, text=True, check=True)
        total = time.perf_counter() - start
    finally:
        shutil.rmtree(out, ignore_errors=True)
    row = json.loads(proc.stdout.strip().splitlines()[-1])
    row.update(workers=workers, command_wall=total, points_per_min=row["points"] / row["wall"] * 60,
               agent_years_per_s=row["agent_years"] / row["wall"])
    return row


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sweep", type=Path, default=DEFAULT_SWEEP)
    ap.add_argument("--points", type=int, default=40, help="[design] points (default 40; 0: as in the file)")
    ap.add_argument("--replicates", type=int, default=200, help="[sweep] replicates (default 200; 0: as in the file)")
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--json", action="store_true", help="one JSON line per configuration")
    args = ap.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        sweep_file = sized_copy(args.sweep, args.points or None, args.replicates or None, Path(tmp))
        rows = [measure(sweep_file, w) for w in args.workers]
    if args.json:
        for r in rows:
            print(json.dumps(r))
        return 0
    print(f"sweep {args.sweep.name}: {rows[0]['points']} points x {args.replicates or 'file'} replicates; "
          f"{os.cpu_count()} cores; load average before: {os.getloadavg()[0]:.2f}")
    print(f"{'workers':>7} {'wall s':>8} {'points/min':>11} {'agent-yr/s':>12} {'main MB':>8} {'worker MB':>10}")
    for r in rows:
        print(f"{r['workers']:>7} {r['wall']:>8.1f} {r['points_per_min']:>11.1f} {r['agent_years_per_s']:>12,.0f} "
              f"{r['rss_main_mb']:>8.0f} {r['rss_worker_mb']:>10.0f}")
    one = next((r for r in rows if r["workers"] == 1), None)
    for r in rows:
        if one is not None and r["workers"] > 1:
            print(f"scaling: {r['workers']} workers are x{one['wall'] / r['wall']:.2f} as fast as 1")
    return 0


if __name__ == "__main__":
    sys.exit(main())
