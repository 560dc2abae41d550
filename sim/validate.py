"""``innovsim validate``: which kind of input file a TOML file is, and checking it as that kind.

A planner may hand ``validate`` any file the tool reads: a scenario, a sweep file
(``sim.sweep.spec``) or a calibration file (``sim.calibration.targets``). Each kind is known by
its own top-level tables (:data:`KINDS`); a file with a scenario's ``meta`` or ``extends``, or
with none of the other kinds' tables, is checked as a scenario. Each file is loaded exactly as
the command that reads it would load it (every file it names included), so "OK" means that
command will start.

:func:`check_file` returns a :class:`Checked`: the kind, a one-line description for the
terminal, and the same facts as a dictionary for ``innovsim validate --json``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from .errors import FileError, UserError

SCENARIO = "scenario"

# kind -> the top-level tables that only a file of that kind has (sim.sweep.spec.SweepFile,
# sim.calibration.targets.TargetsFile); discover and optimise files join here when they exist
KINDS: dict[str, frozenset[str]] = {
    "sweep": frozenset({"sweep", "design", "factors"}),
    "calibration": frozenset({"calibration", "hindcast", "targets"}),
    "optimisation": frozenset({"optimise", "variables", "constraints"}),    # sim.optimise.spec.OptimiseFile
}
_SCENARIO_KEYS = frozenset({"meta", "extends"})   # a scenario's own, whatever else the file holds


@dataclass
class Checked:
    """The outcome of validating one file: ``error`` is None when the file is valid."""

    file: str
    kind: str
    text: str = ""                                  # the "(...)" part of the OK line
    facts: dict = field(default_factory=dict)       # the same, for --json
    error: UserError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    def to_dict(self) -> dict:
        """The file's entry in ``validate --json`` (docs: README, 'Machine-readable output')."""
        return {"file": self.file, "kind": self.kind, "ok": self.ok, **self.facts,
                "error": None if self.error is None else _error_dict(self.error)}


def detect_kind(path: str | os.PathLike) -> str:
    """'scenario', 'sweep' or 'calibration', from the file's top-level keys; a file that cannot
    be read or parsed counts as a scenario (the scenario loader then says what is wrong)."""
    from .scenario.inputs import read_toml_file

    try:
        keys = set(read_toml_file(path, "file", UserError))
    except UserError:
        return SCENARIO
    if keys & _SCENARIO_KEYS:
        return SCENARIO
    return next((kind for kind, own in KINDS.items() if keys & own), SCENARIO)


def check_file(path: str | os.PathLike) -> Checked:
    """Validate ``path`` as the kind :func:`detect_kind` finds (never raises a UserError)."""
    name = os.fspath(path)
    kind = detect_kind(path)
    checked = Checked(name, kind)
    try:
        checked.text, checked.facts = _CHECKS[kind](name)
    except UserError as exc:
        checked.error = exc
    return checked


def _scenario(path: str) -> tuple[str, dict]:
    from .scenario.loader import load_scenario

    s = load_scenario(path, check_inputs=True)
    facts = {"name": s.meta.name, "goals": len(s.goals), "levers": len(s.levers.active())}
    return f"{s.meta.name}, {_plural(facts['goals'], 'goal')}, {_plural(facts['levers'], 'lever')}", facts


def _sweep(path: str) -> tuple[str, dict]:
    from .sweep.spec import load_sweep

    sweep = load_sweep(path)
    s = sweep.spec.sweep
    facts = {"name": s.name, "points": sweep.n_points, "replicates": s.replicates,
             "factors": len(sweep.spec.factors), "design": sweep.spec.design.kind, "base": sweep.base.meta.name}
    text = (f"sweep file {s.name}: {sweep.n_points} {facts['design']} points x {s.replicates} replicates, "
            f"{_plural(facts['factors'], 'factor')}, base scenario {facts['base']}")
    return text, facts


def _calibration(path: str) -> tuple[str, dict]:
    from .calibration.targets import load_targets

    spec = load_targets(path).spec
    facts = {"targets": len(spec.targets), "fitted": len(spec.parameters.fit),
             "hindcast": [spec.hindcast.base_year, spec.hindcast.end_year]}
    text = (f"calibration file: {_plural(facts['targets'], 'target')}, {facts['fitted']} fitted parameters, "
            f"hindcast {spec.hindcast.base_year}-{spec.hindcast.end_year}")
    return text, facts


def _optimisation(path: str) -> tuple[str, dict]:
    from .optimise.spec import load_optimisation

    opt = load_optimisation(path)
    o = opt.spec.optimise
    facts = {"name": o.name, "mode": o.mode, "variables": len(opt.names), "constraints": len(opt.spec.constraints),
             "replicates": o.replicates, "base": opt.base.meta.name}
    text = (f"optimisation file {o.name} ({o.mode}): {_plural(facts['variables'], 'variable')}, "
            f"{_plural(facts['constraints'], 'constraint')}, {o.replicates:,} replicates, "
            f"base scenario {facts['base']}")
    return text, facts


_CHECKS = {SCENARIO: _scenario, "sweep": _sweep, "calibration": _calibration, "optimisation": _optimisation}


def _error_dict(exc: UserError) -> dict:
    """The message, and for a file error each problem with its file and field."""
    doc: dict = {"message": str(exc)}
    if isinstance(exc, FileError):
        doc["issues"] = [{"file": i.file or exc.file, "field": i.field, "message": i.describe()}
                         for i in exc.issues]
    return doc


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"
