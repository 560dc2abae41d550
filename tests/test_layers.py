"""Imports run one way: scenario -> engines -> execution -> analyses -> report and CLI.

Read from the source (every ``import`` and ``from ... import``, at any depth, including the
lazy imports inside functions), so a late import against the data flow cannot hide.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SIM = Path(__file__).resolve().parents[1] / "sim"

# package -> the sim packages it must never import
FORBIDDEN = {
    "core": ("sim.abm", "sim.calibration", "sim.execution", "sim.sweep", "sim.runner", "sim.cli", "sim.report"),
    "abm": ("sim.calibration", "sim.execution", "sim.sweep", "sim.runner", "sim.cli"),
    "scenario": ("sim.core", "sim.abm", "sim.calibration", "sim.execution", "sim.sweep", "sim.runner", "sim.cli"),
    "execution": ("sim.calibration", "sim.sweep", "sim.runner", "sim.cli", "sim.report"),
    # the analyses: never the report layer or the CLI
    "calibration": ("sim.cli", "sim.reporting"),
    "sweep": ("sim.cli", "sim.reporting"),
    "screening": ("sim.cli", "sim.reporting"),
    "discovery": ("sim.cli", "sim.reporting"),
    "optimise": ("sim.cli", "sim.reporting"),
    "reporting": ("sim.cli",),
}


def imported_modules(path: Path) -> set[str]:
    """Absolute names of the modules a file imports (relative imports resolved)."""
    package = ".".join(path.relative_to(SIM.parent).with_suffix("").parts[:-1])
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")
            if node.level:
                base = base[: len(base) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            names.add(module)
            names.update(f"{module}.{a.name}" for a in node.names)
    return names


def test_relative_imports_resolve():
    names = imported_modules(SIM / "core" / "engine.py")
    assert "sim.core.init" in names and "sim.indicators" in names


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_no_import_against_the_data_flow(package):
    offences = []
    for path in sorted((SIM / package).rglob("*.py")):
        for name in imported_modules(path):
            for banned in FORBIDDEN[package]:
                if name == banned or name.startswith(banned + "."):
                    offences.append(f"{path.relative_to(SIM.parent)} imports {name}")
    assert not offences, "\n".join(offences)
