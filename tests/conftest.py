"""Shared test helpers and fixtures.

``edit_toml`` and ``broken_copy`` make one-line variants of scenarios/baseline.toml (used by the
loader and CLI tests); ``baseline_scenario`` and ``baseline_rules`` load the baseline once per
session; ``tiny_fit`` fits calibration/targets.toml once per session on the smallest budget with a
second generation (``tiny_targets``), for the slow tests whose checks are exact. Test modules
import the helpers with ``from conftest import broken_copy, edit_toml``.
"""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.toml"
TARGETS = ROOT / "calibration" / "targets.toml"
OBSERVED = ROOT / "calibration" / "data" / "observed.csv"
# the smallest calibration budget with a second generation (the first whose particles depend on the
# distance): 10 particles, 2 generations. Enough where a check is exact (a resumed, repaired or
# held-out fit gives the same bytes), not where it is statistical (those tests set their own budget)
TINY_FIT = {"population": 10, "generations": 2, "batch": 16}


# ---- running the command line ---------------------------------------------------------------------

def run_cli(*argv) -> tuple[int, str, str]:
    """``innovsim ARGV`` in this process: (exit code, stdout, stderr)."""
    from sim.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(a) for a in argv])
    return code, out.getvalue(), err.getvalue()


# ---- editing scenario files -----------------------------------------------------------------------

def edit_toml(text: str, section: str | None, key: str, value: str | None) -> str:
    """Set ``key = value`` (TOML text) in ``[section]`` (None: top level); value None deletes the key.

    Only single-line ``key = value`` entries are handled, which is all the tests need.
    """
    lines = text.splitlines()
    if section is None:
        start = 0
        end = next((i for i, ln in enumerate(lines) if ln.lstrip().startswith("[")), len(lines))
    else:
        header = re.compile(r"^\s*\[\s*" + re.escape(section) + r"\s*\]\s*(#.*)?$")
        start = next((i + 1 for i, ln in enumerate(lines) if header.match(ln)), None)
        if start is None:
            if value is None:
                return text
            return text + f"\n[{section}]\n{key} = {value}\n"
        end = next((i for i in range(start, len(lines)) if lines[i].lstrip().startswith("[")), len(lines))
    pattern = re.compile(r"^\s*" + re.escape(key) + r"\s*=")
    for i in range(start, end):
        if pattern.match(lines[i]):
            if value is None:
                del lines[i]
            else:
                lines[i] = f"{key} = {value}"
            return "\n".join(lines) + "\n"
    if value is not None:
        lines.insert(start, f"{key} = {value}")
    return "\n".join(lines) + "\n"


def broken_copy(tmp_path: Path, *edits: tuple, name: str = "broken.toml") -> Path:
    """A copy of the baseline with ``(section, key, value)`` edits applied, written to tmp_path."""
    text = BASELINE.read_text(encoding="utf-8")
    for section, key, value in edits:
        text = edit_toml(text, section, key, value)
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def tiny_targets(folder: Path, observed: Path = OBSERVED, name: str = "targets.toml") -> Path:
    """A copy of calibration/targets.toml in ``folder`` on the ``TINY_FIT`` budget, reading ``observed``."""
    from sim.calibration.targets import budget_copy

    return budget_copy(TARGETS, folder, name, observed, **TINY_FIT)


# ---- shared fixtures -------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def baseline_path() -> Path:
    return BASELINE


@pytest.fixture(scope="session")
def baseline_scenario():
    """scenarios/baseline.toml, loaded and validated once per session (do not mutate)."""
    from sim.scenario import load_scenario

    return load_scenario(BASELINE)


def central_baseline_rules():
    """The RuleSet of the baseline's [rules] at their central values: a rule the scenario draws
    (``platform_min_rd_municipal``, a triangular distribution) at its mode."""
    from sim.rules import RuleSet
    from sim.scenario import load_scenario
    from sim.scenario.distributions import as_dist

    rules = load_scenario(BASELINE).rules
    return RuleSet.from_values({k: as_dist(getattr(rules, k)).central() for k in type(rules).model_fields})


@pytest.fixture(scope="session")
def baseline_rules():
    """The baseline's RuleSet at its central values (``central_baseline_rules``)."""
    return central_baseline_rules()


@pytest.fixture
def no_charts(monkeypatch):
    """Skip the fan charts (about 3 s a run) in CLI tests about other outputs; the charts
    themselves are tested once in test_cli_run.py."""
    import sim.plots

    monkeypatch.setattr(sim.plots, "fan_charts", lambda results, goals, out_dir: [])


@pytest.fixture(scope="session")
def tiny_fit(tmp_path_factory) -> dict:
    """``innovsim calibrate`` of ``tiny_targets`` (every core), once per session: the uninterrupted
    fit that the resumed and repaired fits must reproduce byte for byte. Do not write into it."""
    folder = tmp_path_factory.mktemp("tiny_fit")
    targets = tiny_targets(folder)
    code, _, err = run_cli("calibrate", targets, "--out", folder / "fit", "--quiet")
    assert code == 0, err
    return {"targets": targets, "out": folder / "fit"}
