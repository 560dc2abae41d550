"""``--quiet`` on every command (issue 16, item 7): each subcommand of ``innovsim`` accepts it,
and on the commands that gained it (``analyze``, ``report``) it leaves standard error empty while
the result (the analysis on stdout, the report's file) and the exit code stay as they were."""

from __future__ import annotations

import argparse

import pytest

from conftest import BASELINE, run_cli


def _subcommands() -> dict[str, argparse.ArgumentParser]:
    """Every subcommand of the real parser, read from it (a new command is checked too)."""
    from sim.cli import build_parser

    action = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def test_the_parser_has_the_commands_the_readme_lists():
    assert {"validate", "schema", "run", "compare", "sweep", "optimise", "calibrate", "discover", "analyze",
            "report", "screen"} <= set(_subcommands())


@pytest.mark.parametrize("command", sorted(_subcommands()))
def test_every_command_accepts_quiet(command):
    code, out, err = run_cli(command, "--help")
    assert code == 0, err
    assert "--quiet" in out, f"innovsim {command} --help lists no --quiet:\n{out}"
    action = _subcommands()[command]._option_string_actions["--quiet"]
    assert action.nargs == 0 and action.default is False, "--quiet is a flag, off unless given"


SWEEP = """
[sweep]
name = "quiet"
base = "{base}"
replicates = 4
seed = 7

[design]
kind = "lhs"
points = 4
seed = 11

[[factors]]
path = "levers.fiscal_support.annual_budget_cny"
low = 40_000_000
high = 100_000_000
"""


@pytest.fixture(scope="module")
def sweep_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("quiet_sweep")
    spec = root / "quiet.toml"
    spec.write_text(SWEEP.format(base=BASELINE.as_posix()), encoding="utf-8")
    code, _, err = run_cli("sweep", spec, "--out", root / "run", "--workers", 1, "--quiet")
    assert code == 0, err
    return root / "run"


def test_analyze_quiet_prints_the_analysis_and_nothing_on_stderr(sweep_dir, tmp_path):
    code, loud_out, loud_err = run_cli("analyze", sweep_dir, "--out", tmp_path / "loud")
    assert code == 0 and "Analysis in" in loud_err, loud_err
    code, out, err = run_cli("analyze", sweep_dir, "--out", tmp_path / "quiet", "--quiet")
    assert code == 0
    assert err == ""
    assert out == loud_out and out.strip(), "the analysis itself is still printed"
    assert (tmp_path / "quiet" / "report.md").is_file()


def test_analyze_quiet_still_reports_an_error(tmp_path):
    code, out, err = run_cli("analyze", tmp_path / "no_sweep", "--quiet")
    assert code == 2 and out == ""
    assert "no sweep.sqlite" in err


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("quiet_run") / "run"
    code, _, err = run_cli("run", BASELINE, "--runs", 8, "--seed", 1, "--workers", 1, "--out", out, "--quiet")
    assert code == 0, err
    return out


def test_report_quiet_writes_the_report_and_nothing_on_stderr(run_dir, tmp_path):
    code, _, err = run_cli("report", run_dir, "--lang", "en", "--no-timestamp", "--out", tmp_path / "loud.html")
    assert code == 0 and "Report: " in err, err
    code, out, err = run_cli("report", run_dir, "--lang", "en", "--no-timestamp", "--out", tmp_path / "q.html",
                             "--quiet")
    assert code == 0
    assert (out, err) == ("", "")
    assert (tmp_path / "q.html").read_bytes() == (tmp_path / "loud.html").read_bytes()


def test_report_quiet_still_reports_an_error(tmp_path):
    code, _, err = run_cli("report", tmp_path / "nothing", "--quiet")
    assert code == 2 and err.strip(), "the problem is still said"
