"""Load scenario files: read TOML, resolve ``extends``, validate into a :class:`Scenario`.

A variant names its parent with ``extends = "baseline.toml"`` (relative to the variant's own
folder) and writes only what it changes. Parents may extend further parents, to any depth. The
merge is a deep merge of tables: the child overrides its parent key by key, recursing into
tables, while arrays and plain values are replaced whole. A distribution table (one with a
``dist`` key) is a single value, so it also replaces the parent's value whole: switching a
parameter from ``triangular`` to ``normal`` must not inherit the parent's ``mode``. A table
without ``dist`` merges, so ``rd_intensity = {mode = 1.6}`` adjusts only the parent's mode.

Every failure is a :class:`ScenarioError` naming the file and the dotted field; see
:mod:`sim.scenario.errors` for how pydantic's messages are translated.
"""

from __future__ import annotations

import copy
import dataclasses
import math
import os
import re
import tomllib
from pathlib import Path
from typing import Any, Mapping

from .errors import (NO_VALUE, Issue, ScenarioError, field_parts, issues_from_validation_error,
                     path_text, toml_type, type_at, unknown_key_message, value_at)
from .schema import Scenario

Layers = list[tuple[str, dict]]  # (file name as shown to the user, its raw TOML), child first


# ---- reading one file -------------------------------------------------------------------------

def _read_text(path: Path, name: str, source: str | None) -> str:
    """The file's text, or a ScenarioError saying why it cannot be read."""
    def fail(message: str) -> ScenarioError:
        return ScenarioError(message, file=name, source=source)

    if path.is_dir():
        raise fail("this is a folder, not a scenario file; give the path of a .toml file")
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise fail(f"the file does not exist (looked for {path.absolute()})") from None
    except IsADirectoryError:
        raise fail("this is a folder, not a scenario file; give the path of a .toml file") from None
    except PermissionError:
        raise fail("the file cannot be read: permission denied") from None
    except (OSError, ValueError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise fail(f"the file cannot be read: {reason}") from None
    try:
        text = raw.decode("utf-8-sig")  # tolerate the byte-order mark some Windows editors add
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise fail(f"the file is not UTF-8 text (byte 0x{raw[exc.start]:02x} on line {line}); "
                   "save it with UTF-8 encoding") from None
    if not text.strip():
        raise fail("the file is empty; a scenario needs at least [meta], or extends = \"parent.toml\"")
    return text


def _parse_toml(text: str, name: str, source: str | None) -> dict:
    """Parse TOML; a syntax error names the line and column and quotes the line."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        msg = str(exc)
        m = re.search(r"\(at line (\d+), column (\d+)\)", msg)
        reason = re.sub(r"\s*\(at .*\)$", "", msg)
        if m:
            line_no, col = int(m.group(1)), int(m.group(2))
            lines = text.splitlines()
            quoted = lines[line_no - 1].strip() if 0 < line_no <= len(lines) else ""
            where = f"line {line_no}, column {col}"
            message = f"TOML syntax error at {where}: {reason}."
            if quoted:
                message += f" The line reads: {quoted}"
        elif "end of document" in msg:
            message = (f"TOML syntax error at the end of the file (line {len(text.splitlines())}): "
                       f"{reason}; is a bracket or a quote left open?")
        else:
            message = f"TOML syntax error: {msg}."
        raise ScenarioError(message, file=name, source=source) from None
    if not data:
        raise ScenarioError("the file has no settings (only comments?)", file=name, source=source)
    return data


def read_toml(path: str | os.PathLike, name: str | None = None, source: str | None = None) -> dict:
    """Read one TOML file into a dict (no ``extends`` resolution). ``name`` is shown in errors."""
    path = Path(path)
    name = str(path) if name is None else name
    return _parse_toml(_read_text(path, name, source), name, source)


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


def _parent_of(data: dict, name: str, source: str | None) -> str | None:
    """The ``extends`` value of a file, checked to be a file name."""
    parent = data.get("extends")
    if parent is None:
        return None
    if not isinstance(parent, str) or not parent.strip():
        raise ScenarioError(
            f"extends must be the parent scenario's file name in quotes, e.g. extends = \"baseline.toml\"; "
            f"got {toml_type(parent)}", file=name, field="extends", value=parent, source=source)
    return parent


def _load_layers(path: Path, name: str, source: str | None, chain: list[tuple[Path, str]]) -> Layers:
    """The file and its ancestors through ``extends``, child first; cycles and gaps are errors."""
    key = path.resolve()
    for seen, _ in chain:
        if seen == key:
            cycle = " -> ".join([n for _, n in chain] + [name])
            raise ScenarioError(f"'extends' goes round in a circle: {cycle}", file=chain[-1][1],
                                field="extends", source=source)
    data = read_toml(path, name, source)
    _resolve_posterior_path(data, path)
    layers: Layers = [(name, data)]
    parent = _parent_of(data, name, source)
    if parent is None:
        return layers
    parent_path = path.parent / parent
    parent_name = os.path.normpath(os.path.join(os.path.dirname(name), parent))
    if not parent_path.exists():
        raise ScenarioError(
            f"the parent scenario '{parent_name}' does not exist (looked for {parent_path.absolute()}); "
            "extends is read relative to the folder of the file that contains it",
            file=name, field="extends", value=parent, source=source)
    return layers + _load_layers(parent_path, parent_name, source, chain + [(key, name)])


def _resolve_posterior_path(data: dict, path: Path) -> None:
    """``posterior.file`` is written relative to the file that names it; make it absolute."""
    post = data.get("posterior")
    file = post.get("file") if isinstance(post, dict) else None
    if isinstance(file, str) and file and not os.path.isabs(file):
        post["file"] = str((path.parent / post["file"]).resolve())


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
        raise ScenarioError.from_issues(issues, source=source) from None


# ---- public API -------------------------------------------------------------------------------

def load_scenario(path: str | os.PathLike) -> Scenario:
    """Read a scenario TOML file, resolve its ``extends`` chain and validate it.

    Raises :class:`ScenarioError` for anything wrong with the file or its contents.
    """
    name = os.fspath(path)
    layers = _load_layers(Path(path), name, name, [])
    return _validate(_merge_layers(layers), name, layers)


def load_scenario_dict(data: Mapping, source: str = "<dict>", *, base_dir: str | os.PathLike | None = None,
                       resolve_extends: bool = True) -> Scenario:
    """Validate a scenario given as a dict (as parsed from TOML).

    If it has ``extends`` (and ``resolve_extends``), the parent is read relative to ``base_dir``,
    else to the folder of ``source`` when that is a file path, else the working directory; a
    relative ``posterior.file`` likewise. ``source`` names the scenario in error messages.
    """
    if not isinstance(data, Mapping):
        raise ScenarioError(f"a scenario must be a table (dict), got {toml_type(data)}", file=source)
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
        layers += _load_layers(parent_path, os.fspath(parent_path), source, [])
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


def apply_overrides(scenario_or_dict: Scenario | Mapping, overrides: Mapping[str, Any],
                    source: str | None = None) -> Scenario:
    """A new Scenario with dotted-path overrides applied and everything validated again.

    ``apply_overrides(s, {"levers.fiscal_support.rd_subsidy_rate": 0.2})``. A value may be a
    number, text, a distribution table (replacing the old value whole), etc. An unknown path
    or an invalid result raises :class:`ScenarioError`. The input is not modified.
    """
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
    return _validate(data, source, layers or None)


def peak_lever_spending(scenario: Scenario) -> float:
    """The most the scenario's levers spend together in one simulated year, CNY."""
    h, levers = scenario.horizon, scenario.levers.active().values()
    return max(sum(lv.budget_in(y) for lv in levers) for y in range(h.base_year + 1, h.end_year + 1))


def apply_overrides_fitting_budget(scenario: Scenario, overrides: Mapping[str, Any],
                                   source: str | None = None) -> Scenario:
    """``apply_overrides``, with ``budget.annual_total_cny`` raised to the levers' peak annual
    spending if the overrides make them spend more than the cap (never lowered). For tools that
    explore lever budgets (sweeps, the Mesa page), where the cap is not the question asked."""
    unlimited = apply_overrides(scenario, {**overrides, "budget.annual_total_cny": 1e18}, source)
    cap = max(scenario.budget.annual_total_cny, peak_lever_spending(unlimited))
    return apply_overrides(scenario, {**overrides, "budget.annual_total_cny": cap}, source)


def read_tool_toml(path: Path, error) -> dict:
    """The content of a tool's TOML file (a sweep or calibration file); ``error(message)`` builds
    the exception for a missing, unreadable or invalid file (naming the file is its job)."""
    import tomllib

    try:
        return tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise error("the file does not exist") from None
    except OSError as exc:
        raise error(f"cannot read the file ({exc.strerror or exc})") from None
    except UnicodeDecodeError:
        raise error("the file is not UTF-8 text (save it as UTF-8)") from None
    except tomllib.TOMLDecodeError as exc:
        raise error(f"not valid TOML: {exc}") from None
