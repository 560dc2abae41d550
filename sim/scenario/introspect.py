"""Where a path leads: in the data a user wrote, and in the schema that data is checked against.

A path is a tuple of keys and list indices, ``('agents', 'universities', 0, 'name')``, shown to
users as ``agents.universities[0].name`` (:func:`path_text`). :func:`value_at` follows it in the
parsed TOML; :func:`type_at` follows it in a pydantic model (the scenario's by default, or a
sweep's or calibration's file model), picking at each union the member that fits what the user
wrote (a table is a distribution, a number is a number). The error translator and the loader use
these to say what a field expects and which keys are valid where. pydantic and the schema are
imported inside the functions, so importing this module stays cheap.
"""

from __future__ import annotations

import re
from typing import Any, Sequence

from ..errors import NO_VALUE

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


# ---- paths in the user's data ---------------------------------------------------------------

def _key_text(key: str) -> str:
    """A key as TOML writes it: bare if it can be, else quoted with escapes (so a key holding a
    dot, a slash, a newline or a NUL is shown unambiguously and on one line)."""
    if _BARE_KEY.fullmatch(key):
        return key
    import json
    return json.dumps(key)


def path_text(parts: Sequence[Any]) -> str:
    """('agents', 'universities', 0, 'name') -> 'agents.universities[0].name'."""
    out = ""
    for p in parts:
        if isinstance(p, int):
            out += f"[{p}]"
        else:
            key = _key_text(str(p))
            out += f".{key}" if out else key
    return out


def field_parts(field: str | None) -> tuple:
    """Inverse of :func:`path_text` for bare keys: 'agents.universities[0].name' ->
    ('agents', 'universities', 0, 'name')."""
    if not field:
        return ()
    out: list = []
    for piece in field.split("."):
        m = re.fullmatch(r"(.*?)((?:\[\d+\])*)", piece)
        if m.group(1):
            out.append(m.group(1))
        out += [int(i) for i in re.findall(r"\[(\d+)\]", m.group(2))]
    return tuple(out)


def child(node: Any, key: Any) -> Any:
    """``node[key]`` for a dict key or list index the user wrote, else NO_VALUE."""
    if isinstance(node, dict) and not isinstance(key, int) and key in node:
        return node[key]
    if isinstance(node, list) and isinstance(key, int) and 0 <= key < len(node):
        return node[key]
    return NO_VALUE


def value_at(data: Any, parts: Sequence[Any]) -> Any:
    """The value at a path of the user's data, or NO_VALUE if the path is not there."""
    node = data
    for p in parts:
        node = child(node, p)
        if node is NO_VALUE:
            break
    return node


def nesting_too_deep(data: Any, limit: int) -> tuple | None:
    """The path of a table or array nested more than ``limit`` deep (the top counting as 1), or
    None. Iterative, so a structure nested thousands deep is measured, not a RecursionError."""
    stack = [(data, ())]
    while stack:
        node, parts = stack.pop()
        if len(parts) >= limit:
            return parts
        items = node.items() if isinstance(node, dict) else enumerate(node)
        stack += [(v, parts + (k,)) for k, v in items if isinstance(v, (dict, list))]
    return None


# ---- what the schema expects at a path ------------------------------------------------------

def members(tp: Any) -> list:
    """The concrete types of an annotation: Annotated and Optional stripped, unions flattened."""
    import types
    from typing import Annotated, Union, get_args, get_origin

    origin = get_origin(tp)
    if origin is Annotated:
        return members(get_args(tp)[0])
    if origin is Union or origin is types.UnionType:
        out = []
        for a in get_args(tp):
            if a is not type(None):
                out += members(a)
        return out
    return [tp]


def is_model(tp: Any) -> bool:
    from pydantic import BaseModel
    return isinstance(tp, type) and issubclass(tp, BaseModel)


def dist_tag(tp: Any) -> str | None:
    """'triangular' for the Triangular distribution model, None for other types."""
    from typing import get_args
    from .distributions import _Dist

    if isinstance(tp, type) and issubclass(tp, _Dist) and "dist" in tp.model_fields:
        args = get_args(tp.model_fields["dist"].annotation)
        return args[0] if args else None
    return None


def _pick(tp: Any, node: Any) -> Any:
    """The member of ``tp`` that applies to the user's ``node`` (a table picks a model)."""
    found = members(tp)
    if len(found) == 1:
        return found[0]
    models = [m for m in found if is_model(m)]
    if isinstance(node, dict):
        tag = node.get("dist")
        for m in models:
            if tag is not None and dist_tag(m) == tag:
                return m
        plain = [m for m in models if dist_tag(m) is None]
        return plain[0] if len(plain) == 1 and "dist" not in node else None
    others = [m for m in found if m not in models]
    return others[0] if others else None


def _scenario_model():
    from .schema import Scenario
    return Scenario


def type_at(parts: Sequence[Any], data: Any, root: Any = None) -> Any:
    """The type expected at ``parts`` of ``root`` (a model class, ``float``, ``dict[...]``), or
    None if unknown. ``root`` defaults to the scenario model."""
    from typing import get_args, get_origin

    tp, node = root if root is not None else _scenario_model(), data
    for comp in parts:
        tp = _pick(tp, node)
        if tp is None:
            return None
        if is_model(tp):
            field = tp.model_fields.get(comp) if isinstance(comp, str) else None
            if field is None:
                return None
            tp = field.annotation
        elif get_origin(tp) is dict:
            tp = get_args(tp)[1]
        elif get_origin(tp) is list:
            tp = get_args(tp)[0]
        else:
            return None
        node = child(node, comp) if node is not NO_VALUE else NO_VALUE
    return _pick(tp, node)


def field_info(parts: Sequence[Any], data: Any, root: Any = None):
    """pydantic's FieldInfo of the last component of ``parts``, or None."""
    if not parts:
        return None
    parent = type_at(parts[:-1], data, root)
    if is_model(parent) and isinstance(parts[-1], str):
        return parent.model_fields.get(parts[-1])
    return None


def accepts_distribution(parts: Sequence[Any], data: Any, root: Any = None) -> bool:
    """True if the field at ``parts`` takes a number or a distribution table."""
    info = field_info(parts, data, root)
    return info is not None and any(dist_tag(m) for m in members(info.annotation))


def valid_keys(parts: Sequence[Any], data: Any, root: Any = None) -> list[str]:
    """The keys the model at ``parts`` accepts ([] if it is not a model)."""
    tp = type_at(parts, data, root)
    return list(tp.model_fields) if is_model(tp) else []


def key_rule(parts: Sequence[Any], data: Any, root: Any = None) -> str | None:
    """What the keys of the table at ``parts`` may be, as the schema describes its key type
    (e.g. the goal ids of [goals]), or None."""
    from typing import Annotated, get_args, get_origin

    tp = type_at(parts, data, root)
    if get_origin(tp) is not dict:
        return None
    key = get_args(tp)[0]
    if get_origin(key) is Annotated:
        for meta in get_args(key)[1:]:
            description = getattr(meta, "description", None)
            if description:
                return description
    return None


def distribution_catalogue() -> str:
    """'fixed(value), uniform(low, high), ...': the distributions and their fields, [optional]."""
    from typing import get_args
    from .distributions import DIST_NAMES, Distribution

    by_tag = {dist_tag(m): m for m in members(get_args(Distribution)[0])}
    items = []
    for name in DIST_NAMES:
        cls = by_tag.get(name)
        if cls is None:
            items.append(name)
            continue
        fields = [f if info.is_required() else f"[{f}]"
                  for f, info in cls.model_fields.items() if f != "dist"]
        items.append(f"{name}({', '.join(fields)})")
    return ", ".join(items)


def registry_parameter(parts: Sequence[Any], root: Any = None):
    """The registry parameter a scenario path names (e.g. initial.rd_intensity...), or None; None
    for the paths of other files (``root`` given and not the scenario model)."""
    from .. import parameters

    if root is not None and root is not _scenario_model():
        return None
    if len(parts) >= 2 and parts[0] in parameters.BY_SECTION:
        return parameters.BY_SECTION[parts[0]].get(parts[1])
    return None


def parameter_range(p) -> str:
    """'0..10 pct': a registry parameter's allowed range and unit."""
    return f"{p.low:g}..{p.high:g} {p.unit}"
