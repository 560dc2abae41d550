"""The JSON Schema of every kind of file a planner writes, for editors and check-jsonschema.

One schema per kind (:data:`KINDS`, named as ``innovsim validate`` names the kinds, see
``sim.validate``): a scenario (complete or a variant, ``sim.scenario.schema.json_schema``), a
sweep, a calibration and an optimisation file, each made from the very pydantic model its loader
validates with (``sim.scenario.translate.read_tool_file``), so a schema cannot drift from what the
tool accepts. ``innovsim schema --kind KIND`` prints one; ``innovsim schema --all schemas`` writes
the copies committed in ``schemas/``, which ``.taplo.toml`` hands to VS Code's Even Better TOML
(a test keeps them equal to what this module makes now). Discovery has no file of its own: it
reads a scenario and command-line options.

    text = schema_text("sweep")              # the JSON text, as innovsim schema prints it
    paths = write_schemas("schemas")         # schemas/scenario.schema.json, schemas/sweep.schema.json, ...

The models are imported inside the functions (``innovsim --help`` stays light).
"""

from __future__ import annotations

import importlib
import os
from dataclasses import dataclass
from pathlib import Path

from .validate import SCENARIO

SCHEMA_SUFFIX = ".schema.json"
COMMITTED_DIR = "schemas"          # the committed copies, relative to the project root
_TITLE = "Hechuan innovation-ecosystem simulator: {} file"


@dataclass(frozen=True)
class FileKind:
    """One kind of input file: its name, the ``module:Class`` of the pydantic model its loader
    validates with, and what it is called in the schema's title."""

    name: str
    model: str
    what: str

    @property
    def title(self) -> str:
        return _TITLE.format(self.what)

    @property
    def file_name(self) -> str:
        """``sweep.schema.json``: the schema's file name in ``schemas/`` (and under ``--all``)."""
        return self.name + SCHEMA_SUFFIX


KINDS: dict[str, FileKind] = {k.name: k for k in (
    FileKind(SCENARIO, "sim.scenario.schema:Scenario", "scenario"),
    FileKind("sweep", "sim.sweep.spec:SweepFile", "sweep"),
    FileKind("calibration", "sim.calibration.targets:TargetsFile", "calibration"),
    FileKind("optimisation", "sim.optimise.spec:OptimiseFile", "optimisation"),
)}


def json_schema(kind: str) -> dict:
    """The JSON Schema of a ``kind`` file (a key of :data:`KINDS`)."""
    from .scenario import schema

    spec = KINDS[kind]
    if kind == SCENARIO:             # a scenario may be a variant (extends): its own schema form
        return schema.json_schema(spec.title)
    module, _, name = spec.model.partition(":")
    return schema.tool_json_schema(getattr(importlib.import_module(module), name), spec.title)


def schema_text(kind: str) -> str:
    """The schema of ``kind`` as the JSON text ``innovsim schema`` prints and ``schemas/`` holds."""
    import json

    return json.dumps(json_schema(kind), indent=2, ensure_ascii=False) + "\n"


def write_schemas(directory: str | os.PathLike) -> list[Path]:
    """Write every kind's schema to ``directory/<kind>.schema.json`` (the folder is made if
    missing); returns the paths written. ``OSError`` is the caller's to report."""
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for kind in KINDS.values():
        path = folder / kind.file_name
        path.write_text(schema_text(kind.name), encoding="utf-8")
        paths.append(path)
    return paths
