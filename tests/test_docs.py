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


def test_odd_tables_have_no_empty_or_unreasoned_cell(tmp_path):
    """Every row of the generated tables (parameters, population, levers, structural constants)
    says what it is and where it comes from: observed (with its source), derived (the formula),
    literature (the reference), law (the regulation) or "assumption: ..." with the reasoning; a
    bare "assumption" or an empty cell fails. Checked on tables freshly generated from the
    baseline, so a new parameter without a sourced comment fails here, not only a stale doc."""
    from sim.paramdoc import BEGIN, CONST_END, unsourced_rows

    doc = tmp_path / "ODD.md"
    shutil.copy(ROOT / "docs" / "ODD.md", doc)
    update(doc, ROOT / "scenarios" / "baseline.toml")
    text = doc.read_text(encoding="utf-8")
    block = text[text.index(BEGIN):text.index(CONST_END)]
    assert block.count("\n| `") > len(parameters.ALL), "the tables went missing"
    bad = unsourced_rows(block)
    hint = "rows without a source or reasoning (comment the value in scenarios/baseline.toml):\n"
    assert not bad, hint + "\n".join(bad)


def test_unsourced_rows_catches_empty_and_bare_cells():
    from sim.paramdoc import unsourced_rows

    rows = ["| `a` | meaning | share | 0.1 | 0 – 1 | assumption |",
            "| `b` | meaning | share | 0.1 | 0 – 1 |  |",
            "| `c` | meaning | share | 0.1 | 0 – 1 | assumption: because |",
            "| `d` |  | share | 0.1 | 0 – 1 | obs: x |"]
    assert unsourced_rows("\n".join(rows)) == [rows[0], rows[1], rows[3]]


def test_structural_constants_table_quotes_the_code():
    """Each constant docs/ODD.md lists as fixed in the code is still in the function it names."""
    from sim.constants import constants, missing_literals

    assert len(constants()) >= 20
    assert not missing_literals()
