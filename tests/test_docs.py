"""The documentation stays in step with the code: every parameter has a row in docs/ODD.md."""

import shutil
from pathlib import Path

from sim import parameters
from sim.paramdoc import update

ROOT = Path(__file__).resolve().parents[1]


def test_odd_parameter_table_is_current(tmp_path):
    doc = tmp_path / "ODD.md"
    shutil.copy(ROOT / "docs" / "ODD.md", doc)
    changed = update(doc, ROOT / "scenarios" / "baseline.toml")
    assert not changed, "docs/ODD.md is stale: run python -m sim.paramdoc scenarios/baseline.toml --update docs/ODD.md"


def test_every_parameter_is_in_odd():
    text = (ROOT / "docs" / "ODD.md").read_text(encoding="utf-8")
    missing = [p.name for p in parameters.ALL if f"| `{p.name}` |" not in text]
    assert not missing, f"parameters without a row in docs/ODD.md: {missing}"
