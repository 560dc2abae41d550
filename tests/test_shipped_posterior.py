"""A copied scenario works (issue 16, item 5): the shipped scenarios name their posterior as
``shipped:PATH`` (a file of the innovsim project, wherever the scenario file is), so a copy of the
baseline in another folder validates and runs; a relative path that misses says which field to
fix and which ``shipped:`` name would do; and a command stopped by an input error leaves no empty
results folder behind."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest

from conftest import BASELINE, ROOT, edit_toml, run_cli
from sim.scenario.posterior import SHIPPED, project_root, resolve_file

SHIPPED_BASELINE = "shipped:calibration/posterior/posterior.csv"


def test_shipped_names_are_read_from_the_project_folder(tmp_path):
    assert project_root() == ROOT
    assert resolve_file(SHIPPED_BASELINE, tmp_path) == str(ROOT / "calibration" / "posterior" / "posterior.csv")
    assert resolve_file("p.csv", tmp_path) == str(tmp_path / "p.csv")                # relative: the folder
    assert resolve_file("/data/p.csv", tmp_path) == "/data/p.csv"


@pytest.mark.parametrize("path", sorted((ROOT / "scenarios").glob("*.toml")), ids=lambda p: p.name)
def test_every_shipped_posterior_is_named_so_that_a_copy_finds_it(path):
    posterior = tomllib.loads(path.read_text(encoding="utf-8")).get("posterior", {})
    if "file" in posterior:
        assert posterior["file"].startswith(SHIPPED), f"{path.name}: posterior.file = {posterior['file']!r}"
        assert Path(resolve_file(posterior["file"], path.parent)).is_file()


def test_a_copy_of_the_baseline_elsewhere_runs(tmp_path):
    copy = tmp_path / "x" / "baseline.toml"
    copy.parent.mkdir()
    copy.write_text(BASELINE.read_text(encoding="utf-8"), encoding="utf-8")
    code, out, err = run_cli("validate", copy)
    assert code == 0 and out.startswith("OK:"), err
    code, out, err = run_cli("run", copy, "--runs", 20, "--workers", 1, "--out", tmp_path / "x" / "out", "--quiet")
    assert code == 0, err
    summary = json.loads((tmp_path / "x" / "out" / "summary.json").read_text(encoding="utf-8"))
    assert summary["runs"] == 20


def test_a_relative_path_that_misses_names_the_field_and_the_shipped_name(tmp_path):
    copy = tmp_path / "mine" / "baseline.toml"
    copy.parent.mkdir()
    copy.write_text(edit_toml(BASELINE.read_text(encoding="utf-8"), "posterior", "file",
                              '"../calibration/posterior/posterior.csv"'), encoding="utf-8")
    code, out, err = run_cli("run", copy, "--runs", 4, "--out", tmp_path / "out")
    assert code == 2 and out == ""
    for needle in (str(copy), "field 'posterior.file'", "does not exist", f'file = "{SHIPPED_BASELINE}"',
                   "posterior.enabled = false"):
        assert needle in err, f"{needle!r} not in: {err}"
    assert "calibrate" not in err, "the fix is the path, not a new calibration"
    assert not (tmp_path / "out").exists(), "nothing written for an input error"


def test_a_shipped_name_of_no_file_says_where_it_looked(tmp_path):
    copy = tmp_path / "b.toml"
    copy.write_text(edit_toml(BASELINE.read_text(encoding="utf-8"), "posterior", "file",
                              '"shipped:calibration/nope/posterior.csv"'), encoding="utf-8")
    code, _, err = run_cli("validate", copy)
    assert code == 2
    for needle in ("field 'posterior.file'", str(ROOT / "calibration" / "nope" / "posterior.csv"),
                   f"project folder {ROOT} has no such file"):
        assert needle in err, f"{needle!r} not in: {err}"


def test_an_input_error_after_the_folder_was_made_leaves_no_folder(tmp_path):
    """discover finds an unknown --goal only after it prepared --out (and took its lock there)."""
    out = tmp_path / "new" / "deeper"
    code, _, err = run_cli("discover", BASELINE, "--goal", "no_such_goal", "--runs", 4, "--out", out)
    assert code == 2 and "no_such_goal" in err
    assert not (tmp_path / "new").exists(), "the folders the command made are gone"


def test_an_input_error_keeps_a_folder_that_was_there(tmp_path):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("keep me", encoding="utf-8")
    code, _, _ = run_cli("discover", BASELINE, "--goal", "no_such_goal", "--runs", 4, "--out", out)
    assert code == 2
    assert (out / "notes.txt").read_text(encoding="utf-8") == "keep me"
    empty = tmp_path / "empty"
    empty.mkdir()
    run_cli("discover", BASELINE, "--goal", "no_such_goal", "--runs", 4, "--out", empty)
    assert empty.is_dir(), "a folder the user made is never removed, even empty"
