"""The JSON Schemas of ``innovsim schema`` against the files planners write, with
check-jsonschema (what editors and CI tools use; taplo reads the same schemas).

- Every shipped scenario (complete or a variant), sweep, calibration and optimisation file passes
  the schema of its kind (as ``innovsim validate`` tells the kinds apart), and so does the
  README's example. Discovery has no file of its own.
- A typo (inside a lever, in a tool file's table), an unknown section, a year written as text and
  a complete scenario missing its sections fail, each naming the field.
- The committed ``schemas/`` equal what ``innovsim schema --kind KIND`` prints now, and
  ``.taplo.toml`` gives every shipped file the schema of its kind.

One check-jsonschema process per case (about a second each)."""

from __future__ import annotations

import glob
import json
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from sim import validate
from sim.file_schemas import COMMITTED_DIR, KINDS, SCENARIO, schema_text

from conftest import run_cli

pytest.importorskip("check_jsonschema")

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = sorted(p for folder in ("scenarios", "calibration") for p in (ROOT / folder).rglob("*.toml"))
SCENARIOS = sorted((ROOT / "scenarios").glob("*.toml"))
REGENERATE = f"innovsim schema --all {COMMITTED_DIR}"


@pytest.fixture(scope="module")
def schema_dir(tmp_path_factory) -> Path:
    """Every kind's schema, as ``innovsim schema --all DIR`` writes them."""
    folder = tmp_path_factory.mktemp("schemas")
    code, out, err = run_cli("schema", "--all", folder)
    assert code == 0, err
    assert out.startswith(f"Wrote {len(KINDS)} schemas")
    return folder


def schema_of(folder: Path, kind: str) -> Path:
    return folder / KINDS[kind].file_name


def check(schema: Path, *files: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "check_jsonschema", "--schemafile", str(schema),
                           *map(str, files)], capture_output=True, text=True, timeout=120)


def shipped_by_kind() -> dict[str, list[Path]]:
    found: dict[str, list[Path]] = {}
    for path in SHIPPED:
        found.setdefault(validate.detect_kind(path), []).append(path)
    return found


def readme_example() -> str:
    """The README's variant example (the first TOML block that extends a scenario)."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```toml\n(.*?)```", text, flags=re.S)
    return next(b for b in blocks if b.lstrip().startswith("extends"))


def test_the_kinds_are_validates_kinds():
    assert set(KINDS) == {validate.SCENARIO, *validate.KINDS}


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_shipped_file_passes_the_schema_of_its_kind(schema_dir, kind):
    files = shipped_by_kind().get(kind, [])
    assert files, f"no shipped {kind} file under scenarios/ or calibration/"
    proc = check(schema_of(schema_dir, kind), *files)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_the_readme_example_and_every_variant_pass(schema_dir, tmp_path):
    variants = [p for p in shipped_by_kind()[SCENARIO] if "extends" in tomllib.loads(p.read_text(encoding="utf-8"))]
    assert len(variants) >= 5 and len(SCENARIOS) >= 7
    example = tmp_path / "my_subsidy.toml"
    example.write_text(readme_example(), encoding="utf-8")
    proc = check(schema_of(schema_dir, SCENARIO), example)
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.parametrize("body, needle", [
    ("[levers.fiscal_support]\nrd_subsidy_rat = 0.1\n",
     "$.levers.fiscal_support: Additional properties are not allowed ('rd_subsidy_rat' was unexpected)"),
    ("[levers.tech_recruitment.sector_mix]\nautoo = 1.0\n",
     "$.levers.tech_recruitment.sector_mix: 'autoo' is not one of ['auto',"),
    ('[levers.fiscal_support]\nrd_subsidy_rate = "high"\n',
     "$.levers.fiscal_support.rd_subsidy_rate: 'high' is not of type 'number'"),
    ("[budgett]\nannual_total_cny = 1\n", "('budgett' was unexpected)"),
    ('[levers.fiscal_support]\nstart_year = "2024"\n',
     "$.levers.fiscal_support.start_year: '2024' is not of type 'integer'"),
    ('[initial]\nrd_intensity = { dist = "triangle", low = 1, mode = 2, high = 3 }\n', "$.initial.rd_intensity"),
])
def test_a_variant_with_a_mistake_fails_naming_the_field(schema_dir, tmp_path, body, needle):
    shutil.copy(ROOT / "scenarios" / "baseline.toml", tmp_path / "baseline.toml")
    path = tmp_path / "mine.toml"
    path.write_text('extends = "baseline.toml"\n' + body, encoding="utf-8")
    proc = check(schema_of(schema_dir, SCENARIO), path)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert needle in proc.stdout, proc.stdout


def test_a_complete_scenario_must_have_its_sections(schema_dir, tmp_path):
    path = tmp_path / "bare.toml"
    path.write_text('[meta]\nname = "bare"\n', encoding="utf-8")
    proc = check(schema_of(schema_dir, SCENARIO), path)
    assert proc.returncode == 1
    for section in ("budget", "initial", "population", "goals"):
        assert f"'{section}' is a required property" in proc.stdout


@pytest.mark.parametrize("kind, shipped, old, new, needle", [
    ("sweep", "scenarios/sweeps/levers.toml", "\nreplicates =", "\nreplicatez =",
     "$.sweep: Additional properties are not allowed ('replicatez' was unexpected)"),
    ("optimisation", "scenarios/optimise/hte_2030.toml", 'mode = "cheapest"', 'mode = "cheapestt"',
     "$.optimise.mode: 'cheapestt' is not one of ['cheapest', 'frontier']"),
    ("calibration", "calibration/targets.toml", "\nstatistic =", "\nstatistik =",
     "Additional properties are not allowed ('statistik' was unexpected)"),
])
def test_a_tool_file_with_a_mistake_fails_naming_the_field(schema_dir, tmp_path, kind, shipped, old, new, needle):
    text = (ROOT / shipped).read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / Path(shipped).name
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    proc = check(schema_of(schema_dir, kind), path)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert needle in proc.stdout, proc.stdout


# ---- the committed schemas and the editor setup --------------------------------------------------

@pytest.mark.parametrize("kind", sorted(KINDS))
def test_the_committed_schema_is_what_innovsim_schema_prints(kind):
    code, out, err = run_cli("schema", "--kind", kind)
    assert code == 0, err
    assert out == schema_text(kind) and json.loads(out)["title"] == KINDS[kind].title
    committed = ROOT / COMMITTED_DIR / KINDS[kind].file_name
    assert committed.is_file(), f"{committed} is missing; write it with: {REGENERATE}"
    assert committed.read_text(encoding="utf-8") == out, f"{committed} is stale; regenerate it with: {REGENERATE}"


def test_the_schemas_folder_holds_only_the_kinds():
    assert sorted(p.name for p in (ROOT / COMMITTED_DIR).iterdir()) == sorted(k.file_name for k in KINDS.values())


def taplo_schema_for(path: Path, rules: list[dict]) -> str | None:
    """The schema path .taplo.toml gives ``path``: that of the last rule whose include globs match
    it and exclude globs do not (taplo's "last defined rule takes precedence"). Python's glob
    matches these patterns as taplo's globset does, relative to the project root."""
    def matches(patterns):
        return any(path in {ROOT / p for p in glob.glob(pat, root_dir=ROOT, recursive=True)} for pat in patterns)

    chosen = None
    for rule in rules:
        if matches(rule.get("include", [])) and not matches(rule.get("exclude", [])):
            chosen = rule["schema"]["path"]
    return chosen


def test_taplo_gives_every_shipped_file_the_schema_of_its_kind():
    rules = tomllib.loads((ROOT / ".taplo.toml").read_text(encoding="utf-8"))["rule"]
    assert {r["name"] for r in rules} == set(KINDS)
    for rule in rules:
        assert rule["schema"]["path"] == f"{COMMITTED_DIR}/{KINDS[rule['name']].file_name}"
    for kind, files in shipped_by_kind().items():
        for path in files:
            assert taplo_schema_for(path, rules) == f"{COMMITTED_DIR}/{KINDS[kind].file_name}", path


# ---- the command ------------------------------------------------------------------------------------

def test_schema_defaults_to_scenarios_and_writes_a_file_quietly(tmp_path):
    code, out, err = run_cli("schema", "-o", tmp_path / "s.json", "--quiet")
    assert (code, out) == (0, "")
    assert (tmp_path / "s.json").read_text(encoding="utf-8") == schema_text(SCENARIO)
    code, out, err = run_cli("schema", "--all", tmp_path / "new" / "dir", "--quiet")
    assert (code, out) == (0, "") and len(list((tmp_path / "new" / "dir").glob("*.schema.json"))) == len(KINDS)


def test_kind_with_all_and_an_unwritable_folder_are_user_errors(tmp_path):
    code, out, err = run_cli("schema", "--kind", "sweep", "--all", tmp_path)
    assert code == 2 and "--kind sweep and --all" in err and "Traceback" not in err
    blocker = tmp_path / "file"
    blocker.write_text("", encoding="utf-8")
    code, out, err = run_cli("schema", "--all", blocker / "sub")
    assert code == 2 and f"cannot write the schemas to '{blocker / 'sub'}'" in err and "Traceback" not in err
