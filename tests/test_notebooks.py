"""Every notebook in notebooks/ runs from top to bottom without an error, and the outputs committed
with it (so that a reader on a code host sees the tables and figures) are those of such a run.

Each notebook is executed with nbclient on a fresh ``python3`` kernel, with its working directory
set to notebooks/ (so relative paths such as ``../scenarios/baseline.toml`` resolve as they do for
a researcher who opens it in Jupyter), ``INNOVSIM_NB_RUNS=64``, ``INNOVSIM_NB_MESA_RUNS=4`` (the
agent-model replicates of 02_agents.ipynb) and ``INNOVSIM_NB_SWEEP_POINTS=20`` x
``INNOVSIM_NB_SWEEP_REPLICATES=16`` (the lever sweep of 04_sweeps.ipynb, whose Dask run stays off:
``INNOVSIM_NB_DASK`` unset) and ``INNOVSIM_NB_CAL_POPULATION=40`` x ``INNOVSIM_NB_CAL_GENERATIONS=2`` (the ABC-SMC
budget of 03_calibration.ipynb) and ``INNOVSIM_NB_DISCOVERY_RUNS=800`` (the scenario discovery of
05_discovery_optimisation.ipynb) so the simulations stay small. The seeds are fixed in the
notebooks, so the numbers are the same at every run (timings and temporary folder names are not).

The executed copy is kept in memory only; the test never rewrites a notebook. It compares the
copy with the committed file: the same code cells, each with outputs of the same kinds (text on
stdout, a table, an image, ...), made at the sizes above. After editing a notebook, commit it with
fresh outputs made the same way::

    python tests/test_notebooks.py                     # every notebook
    python tests/test_notebooks.py 01_quickstart       # one
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

NOTEBOOK_DIR = Path(__file__).resolve().parents[1] / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
RUNS = "64"
SIZES = {
    "INNOVSIM_NB_RUNS": RUNS,
    "INNOVSIM_NB_MESA_RUNS": "4",
    "INNOVSIM_NB_SWEEP_POINTS": "20",          # a Sobol' design of N = 4 base rows x (3 levers + 2)
    "INNOVSIM_NB_SWEEP_REPLICATES": "16",
    "INNOVSIM_NB_CAL_POPULATION": "40",        # particles per ABC-SMC generation (03_calibration.ipynb)
    "INNOVSIM_NB_CAL_GENERATIONS": "2",
    "INNOVSIM_NB_DISCOVERY_RUNS": "800",       # the discovery of 05_discovery_optimisation.ipynb (300 find no box)
}
CELL_TIMEOUT = 600  # seconds per cell

# the calibration notebook fits the 2017-2025 hindcast (about a minute), and the agents and
# discovery/optimisation notebooks take 10-20 s each: CI's slow step runs them (the default suite
# keeps its 5-minute budget); the default suite still checks every committed notebook's outputs
SLOW_NOTEBOOKS = {"02_agents.ipynb", "03_calibration.ipynb", "05_discovery_optimisation.ipynb"}


def execute(path: Path):
    """The notebook at ``path`` executed on a fresh kernel at the sizes above (in memory).

    The kernel is a child process: it inherits ``os.environ``, which the caller sets to
    :data:`SIZES` (the test through monkeypatch, ``main`` directly). Cell timings are not
    recorded, so a re-executed notebook differs from the committed one only where it should.
    """
    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(
        nb,
        timeout=CELL_TIMEOUT,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOK_DIR)}},  # the kernel's working directory
        allow_errors=False,
        record_timing=False,
    )
    client.execute()
    return nb


def output_kinds(cell) -> list:
    """What a code cell shows, by kind: ('stream', 'stdout') for printed text (consecutive pieces
    joined: how the text is cut into pieces depends on timing), or (output type, its MIME types)
    for a table, an image or a value. Text on stderr (warnings, progress) is left out."""
    kinds: list = []
    for o in cell.get("outputs", []):
        if o["output_type"] == "stream":
            kind = ("stream", o["name"])
            if o["name"] == "stderr" or (kinds and kinds[-1] == kind):
                continue
        else:
            kind = (o["output_type"], tuple(sorted(o.get("data", {}))))
        kinds.append(kind)
    return kinds


def stdout_text(nb) -> str:
    return "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
                   if o.get("output_type") == "stream" and o.get("name") == "stdout")


def test_there_are_notebooks():
    assert NOTEBOOKS, f"no notebooks found in {NOTEBOOK_DIR}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_committed_with_outputs_of_one_run_at_the_test_sizes(path):
    """Cheap: reads the file only. Every code cell ran, in order, in one session; the figures are
    in the file; the sizes were the test's."""
    nb = nbformat.read(path, as_version=4)
    code_cells = [c for c in nb.cells if c.cell_type == "code"]
    assert [c.execution_count for c in code_cells] == list(range(1, len(code_cells) + 1)), \
        f"{path.name}: not committed from one top-to-bottom run (python tests/test_notebooks.py {path.stem})"
    assert any(("display_data", ("image/png", "text/plain")) in output_kinds(c) for c in code_cells), \
        f"{path.name}: no figure in the committed outputs"
    errors = [o for c in code_cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors, f"{path.name}: committed with errors"
    if "INNOVSIM_NB_RUNS" in "".join(c.source for c in code_cells):
        assert f"{RUNS} runs" in stdout_text(nb), f"{path.name}: outputs not made at INNOVSIM_NB_RUNS={RUNS}"


@pytest.mark.parametrize("path", [pytest.param(p, marks=pytest.mark.slow) if p.name in SLOW_NOTEBOOKS else p
                                  for p in NOTEBOOKS], ids=[p.name for p in NOTEBOOKS])
def test_notebook_executes_and_matches_its_committed_outputs(path, monkeypatch):
    for name, value in SIZES.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("INNOVSIM_NB_DASK", raising=False)   # no Dask cluster in the test
    committed = nbformat.read(path, as_version=4)
    try:
        nb = execute(path)
    except nbclient.exceptions.CellExecutionError as exc:  # shows the failing cell and traceback
        pytest.fail(f"{path.name} failed:\n{exc}", pytrace=False)

    code_cells = [c for c in nb.cells if c.cell_type == "code"]
    assert code_cells, f"{path.name} has no code cells"
    assert all(c.get("execution_count") for c in code_cells), "some code cells did not run"
    errors = [o for c in code_cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors, f"{path.name} produced errors: {[e.get('ename') for e in errors]}"
    # the runs really were small: the notebook reads INNOVSIM_NB_RUNS
    if "INNOVSIM_NB_RUNS" in "".join(c.source for c in code_cells):
        assert f"{RUNS} runs" in stdout_text(nb), "the notebook did not pick up INNOVSIM_NB_RUNS"
    # the committed outputs are in step with the code: same cells, same kinds of output
    old = [c for c in committed.cells if c.cell_type == "code"]
    assert [c.source for c in old] == [c.source for c in code_cells]
    stale = [i for i, (a, b) in enumerate(zip(old, code_cells)) if output_kinds(a) != output_kinds(b)]
    assert not stale, (f"{path.name}: the committed outputs of code cells {stale} differ in kind from a fresh run "
                       f"(e.g. {output_kinds(old[stale[0]])} vs {output_kinds(code_cells[stale[0]])}); "
                       f"refresh them: python tests/test_notebooks.py {path.stem}")


def shrink_images(nb) -> None:
    """Store each opaque PNG figure with a palette of 256 colours (a third of the bytes; a chart
    has far fewer colours, so it looks the same), to keep the committed notebooks small."""
    import base64
    import io

    from PIL import Image

    for cell in nb.cells:
        for o in cell.get("outputs", []):
            data = o.get("data", {})
            if "image/png" not in data:
                continue
            image = Image.open(io.BytesIO(base64.b64decode(data["image/png"])))
            if image.mode == "RGBA" and image.getchannel("A").getextrema() != (255, 255):
                continue                                   # transparent parts: keep as drawn
            small = io.BytesIO()
            image.convert("RGB").quantize(256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE) \
                .save(small, "PNG", optimize=True)
            if small.tell() < len(data["image/png"]) * 3 // 4:   # base64 is 4/3 of the bytes
                data["image/png"] = base64.b64encode(small.getvalue()).decode("ascii")


def main(names: list[str]) -> int:
    """Execute the notebooks (all, or those named) at the test's sizes and write them back with
    their outputs (figures stored small: ``shrink_images``)."""
    os.environ.update(SIZES)
    os.environ.pop("INNOVSIM_NB_DASK", None)
    chosen = [p for p in NOTEBOOKS if not names or p.stem in names or p.name in names]
    for path in chosen:
        nb = execute(path)
        shrink_images(nb)
        nbformat.write(nb, path)
        print(f"{path.name}: executed and written ({path.stat().st_size / 1e3:.0f} kB)")
    return 0 if chosen else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
