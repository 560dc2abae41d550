"""Load scenario files: read TOML, resolve ``extends``, validate into a :class:`Scenario`.

A variant names its parent with ``extends = "baseline.toml"`` (relative to the variant's own
folder) and writes only what it changes. Parents may extend further parents, up to
``MAX_EXTENDS_DEPTH`` links (``sim/limits.py``). The merge is a deep merge of tables: the child
overrides its parent key by key, recursing into tables, while arrays and plain values are
replaced whole. A distribution table (one with a ``dist`` key) is a single value, so it also
replaces the parent's value whole: switching a parameter from ``triangular`` to ``normal`` must
not inherit the parent's ``mode``. A table without ``dist`` merges, so ``rd_intensity = {mode =
1.6}`` adjusts only the parent's mode.

Every failure is a :class:`ScenarioError` naming the file and the dotted field; files are read
through the input gate of :mod:`sim.scenario.inputs` (size, kind, encoding, nesting) and
pydantic's messages are translated by :mod:`sim.scenario.translate`.
"""

from __future__ import annotations

import copy
import dataclasses
import math
import os
from pathlib import Path
from typing import Any, Mapping

from ..errors import NO_VALUE, Issue, ScenarioError, toml_type, unknown_key_message
from ..limits import MAX_EXTENDS_DEPTH, MAX_TOML_DEPTH
from .inputs import TOML_SUFFIX, parse_toml, quotable, read_text, reference_problem
from .introspect import field_parts, nesting_too_deep, path_text, type_at, value_at
from .schema import Scenario
from .translate import issues_from_validation_error

Layers = list[tuple[str, dict]]  # (file name as shown to the user, its raw TOML), child first

WHAT = "scenario file"


# ---- reading one file -------------------------------------------------------------------------

def read_toml(path: str | os.PathLike, name: str | None = None, source: str | None = None) -> dict:
    """Read one scenario TOML file into a dict (no ``extends`` resolution). ``name`` is shown in
    errors. The file passes the input gate; an empty file, or one of only comments, is an error."""
    path = Path(path)
    name = str(path) if name is None else name

    def fail(message: str) -> ScenarioError:
        return ScenarioError(message, file=name, source=source)

    text = read_text(path, WHAT, fail)
    if not text.strip():
        raise fail("the file is empty; a scenario needs at least [meta], or extends = \"parent.toml\"")
    data = parse_toml(text, fail, quotable(path))
    if not data:
        raise fail("the file has no settings (only comments?)")
    return data


# ---- extends ----------------------------------------------------------------------------------

def deep_merge(parent: Mapping, child: Mapping) -> dict:
    """``child`` over ``parent``: tables merge key by key; arrays, values and distributions replace."""
    out = copy.deepcopy(dict(parent))
    for key, value in child.items():
        old = out.get(key)
        if isinstance(value, dict) and isinstance(old, dict) and "dist" not in value:
            out[key] = deep_merge(old, value)
        else:
            out[key] = copy.deepcopy(value)
    return out


EXTENDS_ALLOWED = "the parent scenario's file name, relative to the folder of this file"


def _parent_of(data: dict, name: str, source: str | None) -> str | None:
    """The ``extends`` value of a file, checked to name a scenario file (.toml): never another
    kind of file, whose lines an error message would otherwise quote."""
    parent = data.get("extends")
    if parent is None:
        return None
    if not isinstance(parent, str) or not parent.strip():
        raise ScenarioError(
            f"extends must be the parent scenario's file name in quotes, e.g. extends = \"baseline.toml\"; "
            f"got {toml_type(parent)}", file=name, field="extends", value=parent, source=source)
    problem = reference_problem(parent, TOML_SUFFIX, "a parent scenario", "baseline.toml")
    if problem is not None:
        raise ScenarioError(f"extends {problem}", file=name, field="extends", value=parent,
                            allowed=EXTENDS_ALLOWED, source=source)
    return parent


def _load_layers(path: Path, name: str, source: str | None, links: int = 0) -> Layers:
    """The file and its ancestors through ``extends``, child first (``links``: how many were
    followed to reach this file). Cycles, gaps and chains of more than ``MAX_EXTENDS_DEPTH``
    links are errors; the chain is walked in a loop, so its length never meets the stack's."""
    layers: Layers = []
    seen: set[Path] = set()
    while True:
        key = path.resolve()
        if key in seen:
            cycle = " -> ".join([n for n, _ in layers] + [name])
            raise ScenarioError(f"'extends' goes round in a circle: {cycle}", file=layers[-1][0],
                                field="extends", source=source)
        seen.add(key)
        data = read_toml(path, name, source)
        _resolve_posterior_path(data, path)
        layers.append((name, data))
        parent = _parent_of(data, name, source)
        if parent is None:
            return layers
        if links + len(layers) > MAX_EXTENDS_DEPTH:
            raise ScenarioError(
                f"the chain of 'extends' is longer than {MAX_EXTENDS_DEPTH} files (see docs/LIMITS.md); "
                "let a variant extend the scenario it varies directly", file=name, field="extends",
                value=parent, allowed=f"at most {MAX_EXTENDS_DEPTH} links of extends", source=source)
        parent_path = path.parent / parent
        parent_name = os.path.normpath(os.path.join(os.path.dirname(name), parent))
        if not parent_path.exists():
            raise ScenarioError(
                f"the parent scenario '{parent_name}' does not exist (looked for {parent_path.absolute()}); "
                "extends is read relative to the folder of the file that contains it",
                file=name, field="extends", value=parent, source=source)
        path, name = parent_path, parent_name


def _resolve_posterior_path(data: dict, path: Path) -> None:
    """``posterior.file`` is written relative to the file that names it, or as ``shipped:PATH``
    (``sim.scenario.posterior.resolve_file``); make it absolute."""
    post = data.get("posterior")
    file = post.get("file") if isinstance(post, dict) else None
    if isinstance(file, str) and file:
        from .posterior import resolve_file

        post["file"] = resolve_file(file, path.parent)


def _merge_layers(layers: Layers) -> dict:
    merged: dict = {}
    for _, data in reversed(layers):
        merged = deep_merge(merged, data)
    return merged


def _file_of(layers: Layers, default: str):
    """A function naming the file that set a field. Layers are searched child first: a layer owns
    the field if it sets the field itself, or sets something above it that replaces the parent's
    whole (an array, a value, a distribution table). Otherwise (a missing field) the nearest
    layer holding the longest part of the path."""
    def owner(parts: tuple) -> str | None:
        for name, data in layers:
            for k in range(1, len(parts) + 1):
                v = value_at(data, parts[:k])
                if v is NO_VALUE:
                    break
                if k == len(parts) or not isinstance(v, dict) or "dist" in v:
                    return name
        return None

    def file_of(parts: tuple) -> str:
        found = owner(parts)
        if found is not None:
            return found
        for k in range(len(parts), 0, -1):
            for name, data in layers:
                if value_at(data, parts[:k]) is not NO_VALUE:
                    return name
        return default
    return file_of


# ---- validation -------------------------------------------------------------------------------

def _nan_issues(data: Any, parts: tuple = ()) -> list[tuple[tuple, Issue]]:
    """TOML allows ``nan``; no scenario value may be nan (comparisons with it silently pass)."""
    if isinstance(data, float) and math.isnan(data):
        return [(parts, Issue("nan (not a number) cannot be used here; write a number",
                              field=path_text(parts) or None))]
    out = []
    if isinstance(data, dict):
        for k, v in data.items():
            out += _nan_issues(v, parts + (k,))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            out += _nan_issues(v, parts + (i,))
    return out


def _validate(data: dict, source: str, layers: Layers | None = None) -> Scenario:
    """``Scenario.model_validate`` with errors turned into one ScenarioError naming the files."""
    from pydantic import ValidationError

    file_of = _file_of(layers, source) if layers else (lambda parts: source)
    nans = _nan_issues(data)
    if nans:
        issues = [dataclasses.replace(i, file=file_of(p)) for p, i in nans]
        raise ScenarioError.from_issues(issues, source=source)
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        issues = issues_from_validation_error(exc, data, file_of)
        if layers:
            issues = [_blame_over_budget(i, layers) for i in issues]
        raise ScenarioError.from_issues(issues, source=source) from None


OVER_BUDGET = "over budget in "
#: the lever fields that set what a lever spends in a year (Lever.budget_in)
SPENDING_FIELDS = ("annual_budget_cny", "start_year", "end_year", "ramp_years", "growth_pct")


def _blame_over_budget(issue: Issue, layers: Layers) -> Issue:
    """An over-budget issue located in the file the user edited: the first file of the chain
    (child first) that sets the cap or a lever's spending, naming the fields it sets there.
    Without this the cap's field points at the parent that wrote ``budget.annual_total_cny``,
    where a planner who raised a lever in a variant changed nothing."""
    if not issue.message.startswith(OVER_BUDGET):
        return issue
    for name, data in layers:
        levers = data.get("levers") if isinstance(data.get("levers"), dict) else {}
        changed = [f"levers.{key}.{f}" for key, lever in levers.items() if isinstance(lever, dict)
                   for f in SPENDING_FIELDS if f in lever]
        budget = data.get("budget")
        if isinstance(budget, dict) and "annual_total_cny" in budget:
            changed.append("budget.annual_total_cny")
        if changed and name == issue.file:
            return issue           # the file that sets the cap is the one the user edited
        if changed:
            return dataclasses.replace(
                issue, file=name, field=changed[0],
                message=f"{issue.message}; this file sets {', '.join(changed)}: lower the levers' budgets "
                        "or raise budget.annual_total_cny")
    return issue


# ---- what a run reads besides the scenario files ------------------------------------------------

def _check_run_inputs(scenario: Scenario, file_of, source: str) -> None:
    """Everything a run reads before it simulates, beyond the scenario files themselves: the
    posterior file, read and checked in full (it is small), and its base year against the
    scenario's. A ScenarioError at ``posterior.file`` of the file that set it, saying how to fix
    it (a broken path: fix the path, not recalibrate)."""
    path = scenario.posterior_file
    if path is None:
        return
    from .posterior import PosteriorError, read_posterior

    try:
        read_posterior(path).check_base_year(scenario.horizon.base_year)
    except PosteriorError as exc:
        named = "" if exc.file in exc.message else f" '{exc.file}'"
        issue = Issue(f"cannot use the posterior file{named}{exc.place}: {exc.message}", field="posterior.file",
                      allowed=exc.allowed, file=file_of(("posterior", "file")))
        raise ScenarioError.from_issues([issue], source=source) from None


# ---- public API -------------------------------------------------------------------------------

def load_scenario(path: str | os.PathLike, *, check_inputs: bool = False) -> Scenario:
    """Read a scenario TOML file, resolve its ``extends`` chain and validate it.

    With ``check_inputs``, also read every other file a run reads before it simulates (the
    posterior file, in full), so that a scenario that loads is a scenario that runs: what
    ``innovsim validate`` checks. Raises :class:`ScenarioError` for anything wrong with the
    files or their contents.
    """
    name = os.fspath(path)
    layers = _load_layers(Path(path), name, name)
    scenario = _validate(_merge_layers(layers), name, layers)
    if check_inputs:
        _check_run_inputs(scenario, _file_of(layers, name), name)
    return scenario


def load_scenario_dict(data: Mapping, source: str = "<dict>", *, base_dir: str | os.PathLike | None = None,
                       resolve_extends: bool = True) -> Scenario:
    """Validate a scenario given as a dict (as parsed from TOML).

    If it has ``extends`` (and ``resolve_extends``), the parent is read relative to ``base_dir``,
    else to the folder of ``source`` when that is a file path, else the working directory; a
    relative ``posterior.file`` likewise. ``source`` names the scenario in error messages.
    """
    if not isinstance(data, Mapping):
        raise ScenarioError(f"a scenario must be a table (dict), got {toml_type(data)}", file=source)
    deep = nesting_too_deep(dict(data), MAX_TOML_DEPTH)
    if deep is not None:
        raise ScenarioError(f"tables or arrays are nested more than {MAX_TOML_DEPTH} deep",
                            file=source, field=path_text(deep[:6]))
    data = copy.deepcopy(dict(data))
    folder = Path(base_dir) if base_dir is not None else (
        Path(source).parent if not source.startswith("<") else Path.cwd())
    _resolve_posterior_path(data, folder / "scenario.toml")
    layers: Layers = [(source, data)]
    parent = _parent_of(data, source, source) if resolve_extends else None
    if parent is not None:
        parent_path = folder / parent
        if not parent_path.exists():
            raise ScenarioError(f"the parent scenario '{parent}' does not exist (looked for {parent_path.absolute()})",
                                file=source, field="extends", value=parent, source=source)
        layers += _load_layers(parent_path, os.fspath(parent_path), source, links=1)
    return _validate(_merge_layers(layers), source, layers)


def scenario_to_dict(scenario: Scenario) -> dict:
    """A plain dict of the scenario (TOML-compatible: no None values).

    ``Scenario.model_validate(scenario_to_dict(s)) == s``. The ``extends`` entry, if any, only
    records the parent (its values are already merged in): reload such a dict with
    ``load_scenario_dict(d, resolve_extends=False)``.
    """
    return scenario.model_dump(mode="python", exclude_none=True)


def _override_error(dotted: str, message: str, value: Any = NO_VALUE) -> ScenarioError:
    return ScenarioError(message, file="<overrides>", field=dotted, value=value)


def _set_path(data: dict, dotted: str, value: Any) -> None:
    """Set ``data[a][b][c] = value`` for ``dotted = "a.b.c"`` (list items as ``x[0]`` or ``x.0``)."""
    parts = tuple(int(p) if isinstance(p, str) and p.isdigit() else p for p in field_parts(dotted))
    if not parts:
        raise _override_error(dotted, "an override needs a dotted path such as 'levers.fiscal_support.rd_subsidy_rate'")
    node: Any = data
    for i, comp in enumerate(parts):
        last = i == len(parts) - 1
        if isinstance(node, list):
            if not isinstance(comp, int) or not -len(node) <= comp < len(node):
                raise _override_error(dotted, f"'{path_text(parts[:i])}' is an array of {len(node)} items; "
                                              f"'{comp}' is not an index into it")
        elif isinstance(node, dict):
            if comp not in node:
                expected = type_at(parts[:i], data)
                valid = list(getattr(expected, "model_fields", {}))
                if valid and comp not in valid:
                    raise _override_error(dotted, unknown_key_message(str(comp), path_text(parts[:i]), valid))
                if not last:
                    node[comp] = {}
        else:
            raise _override_error(dotted, f"'{path_text(parts[:i])}' is a {toml_type(node)}, not a table, "
                                          f"so it has no '{comp}'")
        if last:
            node[comp] = copy.deepcopy(value)
        else:
            node = node[comp]


#: the field ``raise_budget_cap`` raises
BUDGET_CAP = "budget.annual_total_cny"


def apply_overrides(scenario_or_dict: Scenario | Mapping, overrides: Mapping[str, Any],
                    source: str | None = None, *, raise_budget_cap: bool = False) -> Scenario:
    """A new Scenario with dotted-path overrides applied and everything validated again.

    ``apply_overrides(s, {"levers.fiscal_support.rd_subsidy_rate": 0.2})``. A value may be a
    number, text, a distribution table (replacing the old value whole), etc. An unknown path
    or an invalid result raises :class:`ScenarioError`, and so does a path the scenario draws from
    its posterior file (``sim.scenario.posterior.drawn_from_posterior``): every replicate would
    take its posterior sample's value instead, so the override would silently do nothing. A
    relative ``posterior.file`` (or ``shipped:PATH``) is resolved from the working directory. The
    input is not modified.

    Levers raised past ``budget.annual_total_cny`` are an error, as in a scenario file, unless
    ``raise_budget_cap``: then the cap is raised to the levers' peak annual spending (never
    lowered), for exploring lever budgets (a sweep, the Mesa page, an EMA Workbench model) where
    the cap is not the question asked.
    """
    if raise_budget_cap:
        base = scenario_or_dict if isinstance(scenario_or_dict, Scenario) else apply_overrides(scenario_or_dict, {},
                                                                                                source)
        unlimited = apply_overrides(base, {**overrides, BUDGET_CAP: 1e18}, source)
        cap = max(overrides.get(BUDGET_CAP, base.budget.annual_total_cny), peak_lever_spending(unlimited))
        return apply_overrides(base, {**overrides, BUDGET_CAP: cap}, source)
    if isinstance(scenario_or_dict, Scenario):
        data = scenario_to_dict(scenario_or_dict)
        source = source or f"<{scenario_or_dict.meta.name} with overrides>"
        layers: Layers = []
    elif isinstance(scenario_or_dict, Mapping):
        source = source or "<dict with overrides>"
        base = load_scenario_dict(scenario_or_dict, source) if "extends" in scenario_or_dict else None
        data = scenario_to_dict(base) if base is not None else copy.deepcopy(dict(scenario_or_dict))
        layers = []
    else:
        raise TypeError(f"apply_overrides needs a Scenario or a dict, got {type(scenario_or_dict).__name__}")
    for dotted, value in overrides.items():
        _set_path(data, str(dotted), value)
    _resolve_posterior_path(data, Path.cwd() / "overrides")
    scenario = _validate(data, source, layers or None)
    _refuse_posterior_drawn(scenario, overrides, source)
    return scenario


def _refuse_posterior_drawn(scenario: Scenario, overrides: Mapping[str, Any], source: str) -> None:
    """A ScenarioError for the first override of a parameter the scenario draws from its posterior."""
    from .posterior import drawn_from_posterior

    for dotted, value in overrides.items():
        drawn = drawn_from_posterior(scenario, str(dotted))
        if drawn:
            raise ScenarioError(
                f"{drawn} ({scenario.posterior_file}): every replicate takes the value of the sample it draws, so this "
                "override would be ignored. Vary it on a scenario that draws from its priors ([posterior] "
                "enabled = false, e.g. scenarios/baseline_priors.toml, or posterior.enabled = false in the same "
                "overrides), or vary a parameter the posterior does not hold (sim.scenario.posterior."
                "calibrated_names(scenario) lists those it holds)", file=source, field=str(dotted), value=value)


def peak_lever_spending(scenario: Scenario) -> float:
    """The most the scenario's levers spend together in one simulated year, CNY."""
    h, levers = scenario.horizon, scenario.levers.active().values()
    return max(sum(lv.budget_in(y) for lv in levers) for y in range(h.base_year + 1, h.end_year + 1))
