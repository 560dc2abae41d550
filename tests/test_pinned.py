"""Every shipped run, sweep and calibration gives the pinned numbers on every executor.

``tests/golden/pinned.json`` holds digests made before the execution layer existed (see
``tests/pinned.py``); the same work on this process, on two local worker processes and on a
Dask LocalCluster of two workers must reproduce them byte for byte.

One allowance: on a numpy release other than the one the pins were made with, the fit's
importance weights may differ in the last bit (they go through BLAS; see
``pinned.fit_differences_beyond_rounding``). There the fit must match the pinned arrays to a
relative 1e-10 instead; the runs and sweeps stay byte for byte.
"""

from __future__ import annotations

import json

import pytest

import numpy as np

from pinned import GOLDEN, compute_all, fit_differences_beyond_rounding, pinned_numpy

GOLDEN_DIGESTS = json.loads(GOLDEN.read_text(encoding="utf-8"))


def _executor(kind: str):
    from sim.execution import DaskCluster, InProcess, LocalProcesses

    return {"in_process": InProcess, "two_processes": lambda: LocalProcesses(2),
            "dask_local": lambda: DaskCluster(local_workers=2)}[kind]()


@pytest.mark.parametrize("kind", ["in_process", pytest.param("two_processes", marks=pytest.mark.slow),
                                  pytest.param("dask_local", marks=pytest.mark.slow)])
def test_every_shipped_file_reproduces_its_pinned_numbers(kind, tmp_path):
    digests = compute_all(tmp_path, _executor(kind))
    for group, expected in GOLDEN_DIGESTS.items():
        for name, digest in expected.items():
            if group == "calibration" and digests[group][name] != digest and np.__version__ != pinned_numpy():
                moved = fit_differences_beyond_rounding(tmp_path / "calibration")
                assert not moved, f"{group}/{name} moved beyond rounding on numpy {np.__version__}: {moved}"
                continue
            assert digests[group][name] == digest, f"{group}/{name} moved on {kind}"
    assert set(digests["runs"]) == set(GOLDEN_DIGESTS["runs"]), "a shipped scenario has no pinned digest"
