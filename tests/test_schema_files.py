"""The JSON Schema of ``innovsim schema`` against the files planners write, with
check-jsonschema (what editors and CI tools use; taplo reads the same schema): every shipped
scenario, complete or a variant, and the README's example pass; a typo, an unknown section, a
year written as text and a complete scenario missing its sections fail, each naming the field.

One check-jsonschema process per case (about a second each)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import run_cli

pytest.importorskip("check_jsonschema")

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = sorted((ROOT / "scenarios").glob("*.toml"))


@pytest.fixture(scope="module")
def schema_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("schema") / "scenario.schema.json"
    code, _, err = run_cli("schema", "-o", path)
    assert code == 0, err
    return path


def check(schema: Path, *files: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "check_jsonschema", "--schemafile", str(schema),
                           *map(str, files)], capture_output=True, text=True, timeout=120)


def readme_example() -> str:
    """The README's variant example (the first TOML block that extends a scenario)."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```toml\n(.*?)```", text, flags=re.S)
    return next(b for b in blocks if b.lstrip().startswith("extends"))


def test_every_shipped_scenario_and_the_readme_example_pass(schema_file, tmp_path):
    assert len(SCENARIOS) >= 7 and any("extends" in p.read_text(encoding="utf-8") for p in SCENARIOS)
    example = tmp_path / "my_subsidy.toml"
    example.write_text(readme_example(), encoding="utf-8")
    proc = check(schema_file, *SCENARIOS, example)
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.parametrize("body, needle", [
    ("[levers.fiscal_support]\nrd_subsidy_rat = 0.1\n",
     "$.levers.fiscal_support: Additional properties are not allowed ('rd_subsidy_rat' was unexpected)"),
    ("[budgett]\nannual_total_cny = 1\n", "('budgett' was unexpected)"),
    ('[levers.fiscal_support]\nstart_year = "2024"\n',
     "$.levers.fiscal_support.start_year: '2024' is not of type 'integer'"),
    ('[initial]\nrd_intensity = { dist = "triangle", low = 1, mode = 2, high = 3 }\n', "$.initial.rd_intensity"),
])
def test_a_variant_with_a_mistake_fails_naming_the_field(schema_file, tmp_path, body, needle):
    shutil.copy(ROOT / "scenarios" / "baseline.toml", tmp_path / "baseline.toml")
    path = tmp_path / "mine.toml"
    path.write_text('extends = "baseline.toml"\n' + body, encoding="utf-8")
    proc = check(schema_file, path)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert needle in proc.stdout, proc.stdout


def test_a_complete_scenario_must_have_its_sections(schema_file, tmp_path):
    path = tmp_path / "bare.toml"
    path.write_text('[meta]\nname = "bare"\n', encoding="utf-8")
    proc = check(schema_file, path)
    assert proc.returncode == 1
    for section in ("budget", "initial", "population", "goals"):
        assert f"'{section}' is a required property" in proc.stdout
