"""Sweep files: which levers and parameters to vary, over what range, by which design.

A sweep file (TOML) names a base scenario, the factors to vary (any numeric scenario field by its
dotted path, e.g. ``levers.fiscal_support.annual_budget_cny`` or ``uncertainties.exit_rate``)
with their ranges, the design (full grid, Latin hypercube, or Sobol'/Saltelli for sensitivity
indices) and the replicates and seed of every point::

    [sweep]
    name = "levers"
    base = "../baseline.toml"          # relative to this file
    replicates = 200
    seed = 7

    [design]
    kind = "sobol"                     # grid | lhs | sobol
    points = 160                       # sobol: N x (factors + 2), N a power of 2

    [[factors]]
    path = "levers.fiscal_support.annual_budget_cny"
    low = 0
    high = 240_000_000

Mistakes give a ``SweepError`` (a ``UserError``: one paragraph, exit code 2) naming the file, the
field (``factors[1].high``), the value and what is allowed; the schema's own complaints are all
listed, translated like a scenario's (``sim.scenario.translate``). The size of a design is
bounded (``sim/limits.py``) and checked before the design is built.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from ..errors import ToolFileError, format_value, suggest
from ..limits import MAX_FACTORS, MAX_GRID_LEVELS, MAX_RUNS, MAX_SWEEP_POINTS
from ..scenario.inputs import TOML_SUFFIX, check_reference
from ..scenario.posterior import drawn_from_posterior

MIN_SOBOL_N = 4


class SweepError(ToolFileError):
    """A sweep file that cannot be used: the file, the field, the value, what is allowed
    (``SweepError(file, message, field, value, allowed)``, or every problem: ``from_issues``)."""

    kind = "sweep"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SweepMeta(_Strict):
    name: str = Field(min_length=1)
    description: str = ""
    base: Annotated[str, AfterValidator(check_reference(TOML_SUFFIX, "the base scenario", "../baseline.toml"))] = Field(
        min_length=1, description="the base scenario file, relative to the sweep file")
    replicates: int = Field(ge=1, le=MAX_RUNS, description="replicates of every point")
    seed: int = Field(ge=0, description="every point runs replicates 0..replicates-1 of this seed "
                                        "(common random numbers across points)")
    raise_budget_cap: bool = Field(True, description="raise budget.annual_total_cny where a point's levers "
                                                     "spend more (else such a point fails)")


class Factor(_Strict):
    path: str = Field(min_length=1, description="dotted path of a numeric scenario field")
    low: float
    high: float
    levels: int | None = Field(None, ge=2, le=MAX_GRID_LEVELS, description="grid designs: values from low to high")
    name: str | None = Field(None, description="short name in reports (default: the lever or parameter name)")


class Design(_Strict):
    kind: Literal["grid", "lhs", "sobol"]
    points: int | None = Field(None, ge=1, le=MAX_SWEEP_POINTS,
                               description="grid: the most points allowed; lhs: the points; "
                                           "sobol: N x (factors + 2) with N a power of 2")
    seed: int = Field(0, ge=0, description="seed of the design's sample (lhs, sobol)")
    scramble: bool = Field(True, description="sobol: scrambled Sobol' sequence")
    levels: int = Field(3, ge=2, le=MAX_GRID_LEVELS, description="grid: levels of factors that give none")


class SweepFile(_Strict):
    sweep: SweepMeta
    design: Design
    factors: list[Factor] = Field(min_length=1, max_length=MAX_FACTORS)


@dataclass(frozen=True)
class Sweep:
    """A validated sweep: the file's content, its base scenario and each factor's baseline value."""

    spec: SweepFile
    path: Path
    base: object                       # the base Scenario
    baseline: dict[str, float]         # factor name -> its value in the base scenario
    n_points: int

    @property
    def names(self) -> list[str]:
        return [factor_name(f) for f in self.spec.factors]

    def fingerprint(self) -> str:
        """What determines the sweep's numbers (not its name or description)."""
        from ..runner import fingerprint as scenario_fingerprint

        doc = {"design": self.spec.design.model_dump(), "factors": [f.model_dump() for f in self.spec.factors],
               "replicates": self.spec.sweep.replicates, "seed": self.spec.sweep.seed,
               "raise_budget_cap": self.spec.sweep.raise_budget_cap, "base": scenario_fingerprint(self.base)}
        return hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()[:16]


def factor_name(f: Factor) -> str:
    """``fiscal_support`` for ``levers.fiscal_support.annual_budget_cny``, else the last part."""
    if f.name:
        return f.name
    parts = f.path.split(".")
    if len(parts) == 3 and parts[0] == "levers" and parts[2] == "annual_budget_cny":
        return parts[1]
    return parts[-1]


def is_budget(f: Factor) -> bool:
    """Is the factor a lever's annual budget (CNY)? Its marginal effect is then per yuan."""
    parts = f.path.split(".")
    return len(parts) == 3 and parts[0] == "levers" and parts[2] == "annual_budget_cny"


def design_points(spec: SweepFile) -> int:
    """How many points the design has."""
    d = spec.design
    if d.kind == "grid":
        return math.prod(f.levels or d.levels for f in spec.factors)
    return int(d.points or 0)


def load_sweep(path: str | os.PathLike) -> Sweep:
    """Read, validate and resolve a sweep file (its base scenario included)."""

    from ..errors import ScenarioError
    from ..scenario.loader import apply_overrides, load_scenario, scenario_to_dict
    from ..scenario.translate import read_tool_file

    path = Path(path)
    name = str(path)
    spec = read_tool_file(path, "sweep file", SweepFile, SweepError)
    n = check_design(name, spec)          # before the factors are tried on the base scenario

    base_path = (path.parent / spec.sweep.base).resolve()
    try:
        base = load_scenario(base_path, check_inputs=True)
    except ScenarioError as exc:
        raise SweepError(name, f"its base scenario cannot be loaded: {exc}", "sweep.base", spec.sweep.base) from None

    names = [factor_name(f) for f in spec.factors]
    data = scenario_to_dict(base)
    baseline: dict[str, float] = {}
    for i, (f, fname) in enumerate(zip(spec.factors, names)):
        where = f"factors[{i}]"
        if names.count(fname) > 1 or [g.path for g in spec.factors].count(f.path) > 1:
            raise SweepError(name, f"two factors are called '{fname}' (or vary the same path); give each a "
                                   "distinct path and name", f"{where}.path", f.path)
        if not f.low < f.high:
            raise SweepError(name, "the range is empty: low must be below high", f"{where}.high", f.high,
                             f"a number above low = {format_value(f.low)}")
        drawn = drawn_from_posterior(base, f.path, "the base scenario's")
        if drawn:
            raise SweepError(name, f"{drawn}, which would replace every swept value; sweep it on a base with "
                                   "[posterior] enabled = false (e.g. scenarios/baseline_priors.toml)",
                             f"{where}.path", f.path)
        current = _value_at(data, f.path)
        if current is _MISSING or isinstance(current, (dict, list, str, bool)) or current is None:
            raise SweepError(name, _bad_path_text(f.path, data, current), f"{where}.path", f.path)
        for end, value in (("low", f.low), ("high", f.high)):
            try:
                apply_overrides(base, {f.path: value, "budget.annual_total_cny": 1e18})
            except ScenarioError as exc:
                raise SweepError(name, f"the scenario does not accept {f.path} = {format_value(value)}: "
                                       f"{exc.issues[0].describe()}", f"{where}.{end}", value) from None
        baseline[fname] = float(current)
    return Sweep(spec=spec, path=path, base=base, baseline=baseline, n_points=n)


# ---- helpers -------------------------------------------------------------------------------------

_MISSING = object()


def _value_at(data, dotted: str):
    node = data
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return _MISSING
        node = node[part]
    return node


def _bad_path_text(dotted: str, data: dict, current) -> str:
    """Why a factor path is unusable, with the nearest valid path."""
    if current is _MISSING:
        node, done = data, []
        for part in dotted.split("."):
            if not isinstance(node, dict) or part not in node:
                valid = list(node) if isinstance(node, dict) else []
                near = suggest(part, valid)
                where = ".".join(done) or "the top level"
                hint = f"; did you mean '{'.'.join([*done, near])}'?" if near else ""
                listed = f" Keys under {where}: {', '.join(sorted(valid))}" if valid and len(valid) <= 40 else ""
                return f"the base scenario has no '{'.'.join([*done, part])}'{hint}{listed}"
            node = node[part]
            done.append(part)
    if isinstance(current, dict):
        return (f"'{dotted}' is a distribution or a table in the base scenario, not a number: give the path of a "
                f"number (a sweep sets a fixed value at every point)")
    return f"'{dotted}' is not a number in the base scenario ({format_value(current)})"


def check_design(name: str, spec: SweepFile) -> int:
    """The number of points; an error if the design needs more points than given or cannot use them."""
    d, k = spec.design, len(spec.factors)
    if d.kind == "grid":
        n = design_points(spec)
        sizes = " x ".join(str(f.levels or d.levels) for f in spec.factors)
        if n > MAX_SWEEP_POINTS:
            field, levels = _widest_levels(spec)
            raise SweepError(name, f"a full grid of {sizes} = {n:,} points is more than the {MAX_SWEEP_POINTS:,} "
                                   "points a sweep may have (see docs/LIMITS.md)", field, levels,
                             f"levels whose product is at most {MAX_SWEEP_POINTS:,}, or an lhs or sobol design")
        if d.points is not None and n > d.points:
            raise SweepError(name, f"a full grid of {sizes} = {n} points needs more than the points given",
                             "design.points", d.points, f"at least {n}, or fewer levels")
        return n
    if d.points is None:
        raise SweepError(name, f"a {d.kind} design needs the number of points", "design.points",
                         allowed="a whole number")
    if d.kind == "lhs":
        if d.points < 2:
            raise SweepError(name, "a Latin hypercube needs at least 2 points", "design.points", d.points)
        return d.points
    # sobol: Saltelli's scheme evaluates N x (k + 2) points, N a power of 2
    n_base, rem = divmod(d.points, k + 2)
    if rem or n_base < MIN_SOBOL_N or n_base & (n_base - 1):
        ok = ", ".join(str((2 ** j) * (k + 2)) for j in range(4, 9))
        raise SweepError(name, f"a Sobol' design with {k} factors needs N x {k + 2} points with N a power of 2 "
                               f"of at least {MIN_SOBOL_N}", "design.points", d.points, f"for example {ok}")
    return d.points


def _widest_levels(spec: SweepFile) -> tuple[str, int]:
    """The field that sets the most levels of a grid, and its value."""
    d = spec.design
    i, f = max(enumerate(spec.factors), key=lambda item: (item[1].levels or d.levels, -item[0]))
    return (f"factors[{i}].levels", f.levels) if f.levels else ("design.levels", d.levels)
