"""Every notebook in notebooks/ runs from top to bottom without an error.

Each notebook is executed with nbclient on a fresh ``python3`` kernel, with its working directory
set to notebooks/ (so relative paths such as ``../scenarios/baseline.toml`` resolve as they do for
a researcher who opens it in Jupyter), ``INNOVSIM_NB_RUNS=64``, ``INNOVSIM_NB_MESA_RUNS=4`` (the
agent-model replicates of 02_agents.ipynb) and ``INNOVSIM_NB_SWEEP_POINTS=20`` x
``INNOVSIM_NB_SWEEP_REPLICATES=16`` (the lever sweep of 04_sweeps.ipynb, whose Dask run stays off:
``INNOVSIM_NB_DASK`` unset) and ``INNOVSIM_NB_CAL_POPULATION=40`` x ``INNOVSIM_NB_CAL_GENERATIONS=2`` (the ABC-SMC
budget of 03_calibration.ipynb) so the simulations stay small.
The executed copy is kept in memory only; the notebook files are not rewritten.
"""

from __future__ import annotations

from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

NOTEBOOK_DIR = Path(__file__).resolve().parents[1] / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
RUNS = "64"
MESA_RUNS = "4"
SWEEP_POINTS = "20"        # a Sobol' design of N = 4 base rows x (3 levers + 2)
SWEEP_REPLICATES = "16"
CAL_POPULATION = "40"      # particles per ABC-SMC generation (03_calibration.ipynb)
CAL_GENERATIONS = "2"
CELL_TIMEOUT = 600  # seconds per cell


def test_there_are_notebooks():
    assert NOTEBOOKS, f"no notebooks found in {NOTEBOOK_DIR}"


# the calibration notebook fits the 2017-2025 hindcast (about a minute): CI's slow step runs it
SLOW_NOTEBOOKS = {"03_calibration.ipynb"}


@pytest.mark.parametrize("path", [pytest.param(p, marks=pytest.mark.slow) if p.name in SLOW_NOTEBOOKS else p
                                  for p in NOTEBOOKS], ids=[p.name for p in NOTEBOOKS])
def test_notebook_executes(path, monkeypatch):
    # the kernel is a child process: it inherits this environment
    monkeypatch.setenv("INNOVSIM_NB_RUNS", RUNS)
    monkeypatch.setenv("INNOVSIM_NB_MESA_RUNS", MESA_RUNS)
    monkeypatch.setenv("INNOVSIM_NB_SWEEP_POINTS", SWEEP_POINTS)
    monkeypatch.setenv("INNOVSIM_NB_SWEEP_REPLICATES", SWEEP_REPLICATES)
    monkeypatch.setenv("INNOVSIM_NB_CAL_POPULATION", CAL_POPULATION)
    monkeypatch.setenv("INNOVSIM_NB_CAL_GENERATIONS", CAL_GENERATIONS)
    monkeypatch.delenv("INNOVSIM_NB_DASK", raising=False)   # no Dask cluster in the test
    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(
        nb,
        timeout=CELL_TIMEOUT,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOK_DIR)}},  # the kernel's working directory
        allow_errors=False,
    )
    try:
        client.execute()
    except nbclient.exceptions.CellExecutionError as exc:  # shows the failing cell and traceback
        pytest.fail(f"{path.name} failed:\n{exc}", pytrace=False)

    code_cells = [c for c in nb.cells if c.cell_type == "code"]
    assert code_cells, f"{path.name} has no code cells"
    assert all(c.get("execution_count") for c in code_cells), "some code cells did not run"
    errors = [o for c in code_cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors, f"{path.name} produced errors: {[e.get('ename') for e in errors]}"
    # the runs really were small: the notebook reads INNOVSIM_NB_RUNS
    text = "".join(o.get("text", "") for c in code_cells for o in c.get("outputs", [])
                   if o.get("output_type") == "stream")
    if "INNOVSIM_NB_RUNS" in "".join(c.source for c in code_cells):
        assert f"{RUNS} runs" in text, "the notebook did not pick up INNOVSIM_NB_RUNS"
