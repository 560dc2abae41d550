"""Calibration on 1 and on K worker processes: the same posterior, and the speed-up.

    python benchmarks/bench_calibrate.py [calibration/targets.toml] [--workers 2] [--repeats 1]

Runs ``innovsim calibrate TARGETS --out TMP --workers W --quiet`` in a fresh process for W = 1
and W = K (alternating, ``repeats`` times each), checks that every ``posterior.csv`` is
byte-identical, and prints the wall times and the ratio of the medians measured in this run.
The ratio, not the seconds, is the result: this machine's hosts vary.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def one_fit(targets: str, workers: int, out: Path) -> float:
    cmd = [sys.executable, "-m", "sim", "calibrate", targets, "--out", str(out), "--workers", str(workers), "--quiet"]
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, cwd=ROOT)
    return time.perf_counter() - start


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("targets", nargs="?", default="calibration/targets.toml")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=1)
    a = ap.parse_args()
    times: dict[int, list[float]] = {1: [], a.workers: []}
    posteriors = set()
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(a.repeats):
            for w in (1, a.workers):
                out = Path(tmp) / f"w{w}-{r}"
                times[w].append(one_fit(a.targets, w, out))
                posteriors.add((out / "posterior.csv").read_bytes())
                print(f"workers {w}, repeat {r}: {times[w][-1]:.1f} s", file=sys.stderr)
    serial, parallel = statistics.median(times[1]), statistics.median(times[a.workers])
    print(f"posterior.csv identical across all {2 * a.repeats} fits: {len(posteriors) == 1}")
    print(f"median wall: {serial:.1f} s on 1 worker, {parallel:.1f} s on {a.workers}; "
          f"speed-up x{serial / parallel:.2f}")
    return 0 if len(posteriors) == 1 else 1


if __name__ == "__main__":
    raise SystemExit(main())
