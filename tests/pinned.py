"""Pinned results: digests of every shipped run, sweep and calibration at small sizes.

A refactor keeps the numbers byte-identical; these digests pin them. ``tests/golden/pinned.json``
holds the digests made from the code before the execution layer was introduced;
``tests/test_pinned.py`` recomputes them on every executor. (The calibration digest covers the
generations' exact arrays; it too was computed on the code before the change, commit 26f8961.)
To re-pin after a change that moves the numbers *on purpose*, run ``python tests/pinned.py`` and
say in the commit why they moved.

The digest of a run is the SHA-256 of its indicator arrays (float64 bytes, in the order of
``sim.indicators.INDICATORS``); of a sweep, of its goal and indicator tables; of a calibration,
of its ``posterior.csv``, ``history.json`` and every generation's arrays.
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = Path(__file__).with_name("golden") / "pinned.json"
# the small fit's arrays and the numpy they were made with: the check on another numpy (see below)
GOLDEN_FIT = GOLDEN.with_name("calibration_small.npz")
SCENARIOS = sorted((ROOT / "scenarios").glob("*.toml"))
SWEEPS = sorted((ROOT / "scenarios" / "sweeps").glob("*.toml"))
TARGETS = ROOT / "calibration" / "targets.toml"

RUNS, SEED, CHUNK = 24, 5, 8
MESA_RUNS = 2
SWEEP_REPLICATES, SWEEP_SOBOL_POINTS = 6, 20      # N = 4 base points for 3 factors
CAL_POPULATION, CAL_GENERATIONS, CAL_BATCH = 40, 2, 64


def digest_results(results) -> str:
    """SHA-256 of every indicator array of a run, in registry order."""
    import numpy as np

    from sim.indicators import INDICATORS

    h = hashlib.sha256()
    h.update(np.asarray(results.years, dtype=np.int64).tobytes())
    for name in INDICATORS:
        h.update(name.encode())
        h.update(np.ascontiguousarray(results.indicator(name), dtype=np.float64).tobytes())
    return h.hexdigest()


def digest_sweep(folder: Path) -> str:
    """SHA-256 of a sweep's per-point goal and indicator tables (not timings)."""
    h = hashlib.sha256()
    with sqlite3.connect(Path(folder) / "sweep.sqlite") as db:
        for query in ("SELECT point, status, runs FROM results ORDER BY point",
                      "SELECT * FROM goals ORDER BY point, goal",
                      "SELECT * FROM indicators ORDER BY point, indicator, year",
                      "SELECT * FROM factor_values ORDER BY point, factor"):
            for row in db.execute(query):
                h.update(repr(row).encode())
    return h.hexdigest()


GENERATION_FIELDS = ("t", "eps", "u", "weights", "distances", "summaries", "simulations")


def digest_calibration(folder: Path) -> str:
    """SHA-256 of a fit's posterior.csv and history.json and of every generation's arrays
    (exact bytes: the CSV's 10 significant digits would hide a change in the last bit)."""
    import numpy as np

    h = hashlib.sha256()
    h.update((folder / "posterior.csv").read_bytes())
    h.update((folder / "history.json").read_bytes())
    t = 0
    while (path := folder / "checkpoints" / f"gen-{t}.npz").exists():
        with np.load(path) as z:
            for name in GENERATION_FIELDS:
                h.update(np.ascontiguousarray(z[name]).tobytes())
        t += 1
    assert t > 0, f"no generations in {folder / 'checkpoints'}"
    return h.hexdigest()


def calibration_arrays(folder: Path) -> dict:
    """Every generation's arrays of a fit, keyed ``gen<t>/<field>``."""
    import numpy as np

    out, t = {}, 0
    while (path := folder / "checkpoints" / f"gen-{t}.npz").exists():
        with np.load(path) as z:
            out.update({f"gen{t}/{name}": np.asarray(z[name]) for name in GENERATION_FIELDS})
        t += 1
    return out


def save_golden_fit(folder: Path) -> None:
    """Keep the small fit's arrays and the numpy version beside the digests (on re-pinning)."""
    import numpy as np

    np.savez_compressed(GOLDEN_FIT, numpy_version=np.array(np.__version__), **calibration_arrays(folder))


def fit_differences_beyond_rounding(folder: Path, rtol: float = 1e-10) -> list[str]:
    """The arrays of the fit in ``folder`` that differ from the pinned fit by more than rounding.

    The importance weights go through BLAS and LAPACK (a matrix product and an inverse), whose
    summation order differs between the OpenBLAS builds of numpy releases; on another numpy the
    last bit of a weight may move (seen: 5e-18 on numpy 2.5 against 2.4). This is the check for
    that case: same shapes, the same integers, floats equal to ``rtol``.
    """
    import numpy as np

    with np.load(GOLDEN_FIT) as z:
        golden = {k: z[k] for k in z.files if k != "numpy_version"}
    got = calibration_arrays(folder)
    if set(got) != set(golden):
        return [f"fields {sorted(set(got) ^ set(golden))}"]
    return [k for k, want in golden.items()
            if got[k].shape != want.shape
            or not np.allclose(got[k], want, rtol=rtol, atol=0.0, equal_nan=True)]


def pinned_numpy() -> str:
    """The numpy version the golden fit was made with."""
    import numpy as np

    with np.load(GOLDEN_FIT) as z:
        return str(z["numpy_version"])


def small_sweep(path: Path, folder: Path) -> Path:
    """A copy of a shipped sweep file with fewer points and replicates and an absolute base."""
    text = path.read_text(encoding="utf-8")
    base = re.search(r'^base = "(.*)"', text, flags=re.M).group(1)
    text = re.sub(r'^base = ".*"', f'base = "{(path.parent / base).resolve().as_posix()}"', text, count=1, flags=re.M)
    text = re.sub(r"^replicates = \d+", f"replicates = {SWEEP_REPLICATES}", text, count=1, flags=re.M)
    text = re.sub(r"^points = \d+", f"points = {SWEEP_SOBOL_POINTS}", text, count=1, flags=re.M)
    out = Path(folder) / path.name
    out.write_text(text, encoding="utf-8")
    return out


def small_targets(folder: Path) -> Path:
    from sim.calibration.targets import budget_copy

    return budget_copy(TARGETS, folder, "targets.toml", population=CAL_POPULATION,
                       generations=CAL_GENERATIONS, batch=CAL_BATCH)


def compute_all(tmp: Path, executor=None) -> dict:
    """Every digest, computed on ``executor`` (default: this process)."""
    from sim.calibration.run import calibrate
    from sim.execution import InProcess
    from sim.runner import run_scenario
    from sim.scenario import load_scenario
    from sim.sweep.runner import run_sweep
    from sim.sweep.spec import load_sweep

    executor = executor if executor is not None else InProcess()
    out = {"runs": {}, "mesa": {}, "sweeps": {}, "calibration": {}}
    for path in SCENARIOS:
        sc = load_scenario(path)
        out["runs"][path.name] = digest_results(
            run_scenario(sc, runs=RUNS, seed=SEED, chunk_size=CHUNK, executor=executor).results)
    base = load_scenario(ROOT / "scenarios" / "baseline.toml")
    out["mesa"]["baseline.toml"] = digest_results(
        run_scenario(base, runs=MESA_RUNS, seed=SEED, engine="mesa", executor=executor).results)
    for path in SWEEPS:
        sweep = load_sweep(small_sweep(path, tmp))
        run_sweep(sweep, tmp / f"sweep-{path.stem}", executor)
        out["sweeps"][path.name] = digest_sweep(tmp / f"sweep-{path.stem}")
    fit_dir = tmp / "calibration"      # kept: the check on another numpy reads its arrays
    calibrate(small_targets(tmp), fit_dir, executor=executor)
    out["calibration"][TARGETS.name] = digest_calibration(fit_dir)
    return out


if __name__ == "__main__":
    # python tests/pinned.py --check: compare with the golden digests; without --check: re-pin
    import tempfile

    sys.path.insert(0, str(ROOT))
    with tempfile.TemporaryDirectory() as tmp:
        digests = compute_all(Path(tmp))
        if "--check" not in sys.argv:
            save_golden_fit(Path(tmp) / "calibration")
    if "--check" in sys.argv:
        golden = json.loads(GOLDEN.read_text(encoding="utf-8"))
        moved = [f"{kind}/{name}" for kind in golden for name in golden[kind]
                 if digests.get(kind, {}).get(name) != golden[kind][name]]
        print("all pinned results identical" if not moved else "moved: " + ", ".join(moved))
        sys.exit(1 if moved else 0)
    GOLDEN.parent.mkdir(exist_ok=True)
    GOLDEN.write_text(json.dumps(digests, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    print(json.dumps(digests, indent=2, sort_keys=True))
