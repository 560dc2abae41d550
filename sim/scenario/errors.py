"""Errors a user can fix: a broken scenario file, a bad command-line value.

Planners read these messages, so each one is a single paragraph that says which file, which
field (a dotted path such as ``levers.fiscal_support.rd_subsidy_rate``), what value was given,
what is allowed and, for a misspelt key, the nearest valid name. The command line prints them
without a traceback and exits with code 2; anything else that escapes is a bug and keeps its
traceback.

The second half turns pydantic's ``ValidationError`` into these issues: it maps pydantic's
locations (which include union-branch labels such as ``tagged-union[...]``) back to the paths
the user wrote, keeps only the union branch that matches what was written (a table is judged as
a distribution, not as a number) and rewrites pydantic's jargon in planners' words. pydantic
and the schema are imported inside the functions, so importing this module stays cheap.
"""

from __future__ import annotations

import dataclasses
import difflib
from dataclasses import dataclass
from typing import Any, Iterable, Sequence


class _NoValue:
    """Sentinel: the error has no offending value to show (e.g. a missing field)."""

    def __repr__(self) -> str:
        return "<no value>"

    def __reduce__(self):  # unpickles as the module's single instance, so `is NO_VALUE` holds
        return "NO_VALUE"


NO_VALUE: Any = _NoValue()

MAX_LISTED_ISSUES = 8  # further problems are counted, not listed, to keep the paragraph short


class UserError(Exception):
    """A mistake the user can fix (bad command-line value, missing output folder, ...).

    The CLI prints ``str(error)`` to stderr and exits with code 2, without a traceback.
    """


def format_value(value: Any, limit: int = 80) -> str:
    """Show a value the way a TOML writer would recognise it, shortened to ``limit`` characters."""
    if isinstance(value, str):
        text = repr(value)
    elif isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, float):
        text = str(int(value)) if value.is_integer() and abs(value) < 1e16 else f"{value:g}"
    else:
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def located_message(where: str, message: str, value: Any = None, allowed: str | None = None) -> str:
    """'<where>: <message>. You gave <value>. Allowed: <allowed>.' The one-paragraph form of every
    file error a user can fix (sweep, calibration and observation files); ``value`` and
    ``allowed`` are added only if the message does not already say them."""
    text = message.rstrip()
    if text and text[-1] not in ".?!":
        text += "."
    if value is not None and format_value(value) not in text:
        text += f" You gave {format_value(value)}."
    if allowed and allowed not in text:
        text += f" Allowed: {allowed}."
    return f"{where}: {text}"


def toml_type(value: Any) -> str:
    """The TOML name of a Python value's type ('text', 'number', 'table', ...)."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, dict):
        return "table"
    if isinstance(value, (list, tuple)):
        return "array"
    return type(value).__name__


def suggest(name: str, valid: Iterable[str]) -> str | None:
    """The valid name closest to ``name`` (difflib), or None if nothing is close."""
    names = [str(v) for v in valid]
    near = difflib.get_close_matches(str(name), names, n=1, cutoff=0.6)
    return near[0] if near else None


def unknown_key_message(key: str, level: str, valid: Sequence[str]) -> str:
    """'unknown key ...; did you mean ...? Valid keys under ...: ...' for a misspelt key."""
    text = f"unknown key '{key}'"
    near = suggest(key, valid)
    if near is not None:
        text += f"; did you mean '{near}'?"
    else:
        text += "."
    if valid:
        where = f"under '{level}'" if level else "at the top level"
        text += f" Valid keys {where}: {', '.join(sorted(map(str, valid)))}."
    return text


@dataclass(frozen=True)
class Issue:
    """One problem in a scenario: where it is, what was given, what is allowed."""

    message: str
    field: str | None = None
    value: Any = NO_VALUE
    allowed: str | None = None
    file: str | None = None
    show_value: bool = True  # False when the message already puts the value in context

    def describe(self, with_file: bool = False) -> str:
        """The problem as one sentence or two, adding value and allowed range if not yet said."""
        msg = self.message.rstrip()
        if msg and msg[-1] not in ".?!":
            msg += "."
        if self.value is not NO_VALUE and self.show_value:
            shown = format_value(self.value)
            if shown not in msg:
                msg += f" You gave {shown}."
        if self.allowed and self.allowed not in msg:
            msg += f" Allowed: {self.allowed}."
        where = f"field '{self.field}'" if self.field else ""
        if with_file and self.file:
            where = f"in '{self.file}', {where}" if where else f"in '{self.file}'"
        return f"{where}: {msg}" if where else msg


class ScenarioError(Exception):
    """A scenario that cannot be loaded: unreadable file, bad TOML, or a value the schema rejects.

    Attributes: ``file`` (where the problem is), ``field`` (dotted path, or None for file-level
    problems), ``value`` (the offending value, or ``NO_VALUE``), ``allowed`` (what would be
    accepted, as text), ``message`` (the explanation), ``issues`` (every problem found, the
    first one being the one described by the attributes above) and ``source`` (the file the
    user asked to load, when the problem sits in a parent reached through ``extends``).
    """

    def __init__(self, message: str, *, file: str | None = None, field: str | None = None,
                 value: Any = NO_VALUE, allowed: str | None = None,
                 issues: Sequence[Issue] | None = None, source: str | None = None):
        self.issues: list[Issue] = list(issues) if issues else [
            Issue(message=message, field=field, value=value, allowed=allowed, file=file)]
        first = self.issues[0]
        self.message = first.message
        self.field = first.field
        self.value = first.value
        self.allowed = first.allowed
        self.file = first.file if first.file is not None else file
        self.source = source
        super().__init__(self._paragraph())

    @classmethod
    def from_issues(cls, issues: Sequence[Issue], *, source: str | None = None) -> "ScenarioError":
        if not issues:
            raise ValueError("from_issues needs at least one issue")
        return cls(issues[0].message, issues=issues, source=source)

    def _where(self, file: str | None) -> str:
        if file is None:
            return "In the scenario"
        # '<dict>', '<overrides>': not a file on disk
        where = f"In scenario {file}" if file.startswith("<") else f"In scenario file '{file}'"
        if self.source and self.source != file:
            where += f" (reached through 'extends' from '{self.source}')"
        return where

    def _paragraph(self) -> str:
        """One paragraph: the single problem, or a heading and one line per problem."""
        if len(self.issues) == 1:
            issue = self.issues[0]
            body = issue.describe()
            sep = ", " if issue.field else ": "
            return f"{self._where(self.file)}{sep}{body}"
        files = {i.file for i in self.issues}
        head_file = self.source if self.source is not None else self.file
        shown = self.issues[:MAX_LISTED_ISSUES]
        head = self._where(head_file) if len(files) > 1 else self._where(self.file)
        lines = [f"{head}, {len(self.issues)} problems:"]
        lines += [f"- {i.describe(with_file=len(files) > 1)}" for i in shown]
        if len(self.issues) > len(shown):
            lines.append(f"- ... and {len(self.issues) - len(shown)} more.")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self._paragraph()

    def __reduce__(self):
        # keep file, field and issues when the error crosses a process boundary (worker pools)
        return (_rebuild_scenario_error, (self.issues, self.source))


def _rebuild_scenario_error(issues: list[Issue], source: str | None) -> ScenarioError:
    return ScenarioError.from_issues(issues, source=source)


# ---- pydantic ValidationError -> issues -----------------------------------------------------

_SCALAR_BRANCHES = {"float", "int", "str", "bool", "none", "bytes"}
_NUMBER_ERRORS = {"float_type", "float_parsing", "int_type", "int_parsing", "int_from_float",
                  "finite_number", "int_parsing_size"}
_BOUND_WORDS = {"gt": ">", "ge": ">=", "lt": "<", "le": "<="}
DIST_EXAMPLE = '{dist = "triangular", low = 1.0, mode = 2.0, high = 3.0}'


def path_text(parts: Sequence[Any]) -> str:
    """('agents', 'universities', 0, 'name') -> 'agents.universities[0].name'."""
    out = ""
    for p in parts:
        if isinstance(p, int):
            out += f"[{p}]"
        else:
            out += f".{p}" if out else str(p)
    return out


def _child(node: Any, key: Any) -> Any:
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
        node = _child(node, p)
        if node is NO_VALUE:
            break
    return node


@dataclass
class _Located:
    """A pydantic error with its location mapped back to the user's data."""

    raw: dict
    parts: tuple            # path in the user's data (branch labels removed)
    site: tuple | None      # path where the first union branch label appeared
    branch: str | None      # that label ('float', 'tagged-union[...]', 'SeriesRef', ...)
    key_error: bool         # the error is about a dict key itself ('[key]')
    node: Any               # the user's value at ``parts`` (NO_VALUE if absent)
    alternatives: frozenset = frozenset()


def _locate(raw: dict, data: Any) -> _Located:
    """Walk pydantic's ``loc`` along the data, dropping the union-branch labels pydantic adds."""
    loc = raw.get("loc", ())
    parts: list = []
    node, site, branch, key_error = data, None, None, False
    for i, comp in enumerate(loc):
        last = i == len(loc) - 1
        label = None
        if comp == "[key]":
            key_error = True
            continue
        if last and comp in _SCALAR_BRANCHES:
            label = comp
        elif _child(node, comp) is not NO_VALUE:
            parts.append(comp)
            node = _child(node, comp)
            continue
        elif isinstance(comp, str) and (comp in _SCALAR_BRANCHES or any(c in comp for c in "[]()")
                                        or comp[:1].isupper()
                                        or (isinstance(node, dict) and node.get("dist") == comp)):
            label = comp
        if label is not None:
            if site is None:
                site, branch = tuple(parts), label
            continue
        parts.append(comp)          # a field that is not in the data: a missing one
        node = NO_VALUE
    return _Located(raw, tuple(parts), site, branch, key_error, node)


def _keep_matching_branches(errors: list[_Located], data: Any) -> list[_Located]:
    """For a value a union accepts (number or table), keep only the branch the user meant.

    A table is judged as a distribution (or ``{series = ...}``), anything else as a number, so a
    broken distribution is not also reported as 'not a valid number'.
    """
    by_site: dict[tuple, list[_Located]] = {}
    for e in errors:
        if e.site is not None:
            by_site.setdefault(e.site, []).append(e)
    dropped: set[int] = set()
    for site, group in by_site.items():
        branches = frozenset(e.branch for e in group)
        for e in group:
            e.alternatives = branches
        if len(branches) < 2:
            continue
        want_scalar = not isinstance(value_at(data, site), dict)
        keep = {b for b in branches if (b in _SCALAR_BRANCHES) == want_scalar}
        if keep:
            dropped |= {id(e) for e in group if e.branch not in keep}
    return [e for e in errors if id(e) not in dropped]


# -- what the schema expects at a path --------------------------------------------------------

def _members(tp: Any) -> list:
    """The concrete types of an annotation: Annotated and Optional stripped, unions flattened."""
    import types
    from typing import Annotated, Union, get_args, get_origin

    origin = get_origin(tp)
    if origin is Annotated:
        return _members(get_args(tp)[0])
    if origin is Union or origin is types.UnionType:
        out = []
        for a in get_args(tp):
            if a is not type(None):
                out += _members(a)
        return out
    return [tp]


def _is_model(tp: Any) -> bool:
    from pydantic import BaseModel
    return isinstance(tp, type) and issubclass(tp, BaseModel)


def _dist_tag(tp: Any) -> str | None:
    """'triangular' for the Triangular distribution model, None for other types."""
    from typing import get_args
    from .distributions import _Dist

    if isinstance(tp, type) and issubclass(tp, _Dist) and "dist" in tp.model_fields:
        args = get_args(tp.model_fields["dist"].annotation)
        return args[0] if args else None
    return None


def _pick(tp: Any, node: Any) -> Any:
    """The member of ``tp`` that applies to the user's ``node`` (a table picks a model)."""
    members = _members(tp)
    if len(members) == 1:
        return members[0]
    models = [m for m in members if _is_model(m)]
    if isinstance(node, dict):
        tag = node.get("dist")
        for m in models:
            if tag is not None and _dist_tag(m) == tag:
                return m
        plain = [m for m in models if _dist_tag(m) is None]
        return plain[0] if len(plain) == 1 and "dist" not in node else None
    others = [m for m in members if m not in models]
    return others[0] if others else None


def type_at(parts: Sequence[Any], data: Any) -> Any:
    """The schema type expected at ``parts`` (a model class, ``float``, ...), or None if unknown."""
    from typing import get_args, get_origin
    from .schema import Scenario

    tp, node = Scenario, data
    for comp in parts:
        tp = _pick(tp, node)
        if tp is None:
            return None
        if _is_model(tp):
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
        node = _child(node, comp) if node is not NO_VALUE else NO_VALUE
    return _pick(tp, node)


def _field_info(parts: Sequence[Any], data: Any):
    """pydantic's FieldInfo of the last component of ``parts``, or None."""
    if not parts:
        return None
    parent = type_at(parts[:-1], data)
    if _is_model(parent) and isinstance(parts[-1], str):
        return parent.model_fields.get(parts[-1])
    return None


def _accepts_distribution(parts: Sequence[Any], data: Any) -> bool:
    """True if the field at ``parts`` takes a number or a distribution table."""
    info = _field_info(parts, data)
    return info is not None and any(_dist_tag(m) for m in _members(info.annotation))


def _valid_keys(parts: Sequence[Any], data: Any) -> list[str]:
    tp = type_at(parts, data)
    return list(tp.model_fields) if _is_model(tp) else []


def distribution_catalogue() -> str:
    """'fixed(value), uniform(low, high), ...': the distributions and their fields, [optional]."""
    from typing import get_args
    from .distributions import DIST_NAMES, Distribution

    by_tag = {_dist_tag(m): m for m in _members(get_args(Distribution)[0])}
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


def _param(parts: Sequence[Any]):
    """The registry parameter at ``parts`` (e.g. initial.rd_intensity...), or None."""
    from .. import parameters

    if len(parts) >= 2 and parts[0] in parameters.BY_SECTION:
        return parameters.BY_SECTION[parts[0]].get(parts[1])
    return None


def _param_allowed(p) -> str:
    return f"{p.low:g}..{p.high:g} {p.unit}"


# -- translating one error ---------------------------------------------------------------------

def _quoted_choices(expected: str) -> list[str]:
    import re
    return re.findall(r"'([^']*)'", expected)


def _refine_value_error(parts: tuple, text: str, data: Any) -> tuple[tuple, str, bool]:
    """Point a model-level message at the field it names, e.g. 'rd_intensity = 50 is ...'.

    Validators that check a whole section (or the whole scenario) report at the section; their
    message starts with the field's name (or contains a dotted path), which becomes the field.
    The flag says whether the message is about that field's value (else it only mentions it).
    """
    import re

    node = value_at(data, parts)
    m = re.match(r"([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)", text)
    if m:
        comps = tuple(m.group(1).split("."))
        target = None
        if isinstance(node, dict) and comps[0] in node:
            target = parts + comps
        elif not parts and len(comps) > 1 and value_at(data, comps[:-1]) is not NO_VALUE:
            target = comps
        if target is not None:
            rest = text[m.end():]
            if rest.startswith(" = "):
                text = "value " + rest[3:]
            elif rest.startswith(": "):
                text = rest[2:]
            return target, text, True
    for tok in re.findall(r"\b[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+\b", text):
        comps = tuple(tok.split("."))
        if isinstance(value_at(data, comps[:-1]), dict):
            return comps, text, False
    return parts, text, True


def _translate(e: _Located, data: Any) -> tuple[tuple, Issue]:
    """One pydantic error in a planner's words, with the path of the field it concerns."""
    kind = e.raw.get("type", "")
    msg = str(e.raw.get("msg", ""))
    ctx = e.raw.get("ctx") or {}
    parts, node = e.parts, e.node
    level = path_text(parts[:-1])
    name = parts[-1] if parts else ""
    parent_type = type_at(parts[:-1], data) if parts else None
    dist = _dist_tag(parent_type)
    allowed = None
    value = node

    if e.key_error:
        choices = _quoted_choices(str(ctx.get("expected", "")))
        text = f"'{name}' is not an allowed key here"
        near = suggest(str(name), choices)
        text += f"; did you mean '{near}'?" if near else "."
        allowed = ", ".join(choices) or None
        value = NO_VALUE
    elif kind == "extra_forbidden":
        valid = _valid_keys(parts[:-1], data)
        if dist:
            near = suggest(str(name), valid)
            text = f"a '{dist}' distribution has no key '{name}'"
            text += f"; did you mean '{near}'?" if near else "."
            text += f" Its keys are: {', '.join(valid)}"
        else:
            text = unknown_key_message(str(name), level, valid)
        value = NO_VALUE
    elif kind == "missing":
        if dist:
            fields = [f for f in parent_type.model_fields if f != "dist"]
            text = f"a '{dist}' distribution needs '{name}' (its keys: {', '.join(fields)})"
        else:
            info = _field_info(parts, data)
            text = f"required field '{name}' is missing"
            if info is not None and info.description:
                text += f" ({info.description})"
            if not level:
                text += "; add it to the file"
            else:
                text += f"; add it to {level}" if "[" in level else f"; add it under [{level}]"
        value = NO_VALUE
    elif kind == "union_tag_invalid":
        tag = ctx.get("tag", node.get("dist") if isinstance(node, dict) else node)
        from .distributions import DIST_NAMES
        near = suggest(str(tag), DIST_NAMES)
        text = f"unknown distribution dist = '{tag}'"
        text += f"; did you mean '{near}'?" if near else "."
        allowed = distribution_catalogue()
        value = NO_VALUE
    elif kind == "union_tag_not_found":
        text = ("a table here must be a distribution with a 'dist' key naming it, e.g. "
                f"{DIST_EXAMPLE}; or write a plain number")
        allowed = distribution_catalogue()
    elif kind in _NUMBER_ERRORS:
        whole = kind in {"int_type", "int_parsing", "int_from_float", "int_parsing_size"}
        what = "a whole number" if whole else "a number"
        at_union = e.alternatives if e.site == parts else frozenset()  # the union is this field's
        if any(str(b).startswith("tagged-union") for b in at_union) or _accepts_distribution(parts, data):
            text = f"expected a number or a distribution table such as {DIST_EXAMPLE}"
            allowed = "a number, or one of " + distribution_catalogue()
        elif "SeriesRef" in at_union:
            text = 'expected a number or a moving threshold {series = "<indicator name>"}'
        elif kind == "finite_number":
            text = "expected a finite number (not inf or nan)"
        else:
            text = f"expected {what}"
        if node is not NO_VALUE and kind != "finite_number":
            text += f", got {toml_type(node)} {format_value(node)}"
    elif kind in {"bool_type", "bool_parsing"}:
        text = f"expected true or false, got {toml_type(node)} {format_value(node)}"
    elif kind == "string_type":
        text = f"expected text in quotes, got {toml_type(node)} {format_value(node)}"
    elif kind in {"model_type", "model_attributes_type", "dict_type"}:
        text = f"expected a table (a [section] or {{ key = value, ... }}), got {toml_type(node)} {format_value(node)}"
    elif kind == "list_type":
        text = f"expected an array [ ... ], got {toml_type(node)} {format_value(node)}"
    elif kind == "literal_error":
        choices = _quoted_choices(str(ctx.get("expected", "")))
        text = f"{format_value(node)} is not one of the allowed values"
        near = suggest(str(node), choices)
        text += f"; did you mean '{near}'?" if near else ""
        allowed = ", ".join(f"'{c}'" for c in choices) or str(ctx.get("expected"))
    elif any(k in ctx for k in _BOUND_WORDS):
        allowed = " and ".join(f"{_BOUND_WORDS[k]} {ctx[k]}" for k in ("gt", "ge", "lt", "le") if k in ctx)
        text = f"value {format_value(node)} is out of range: it must be {allowed}"
    elif kind in {"too_short", "too_long"}:
        least = ctx.get("min_length")
        text = "must not be empty" if kind == "too_short" and least == 1 else msg
    elif kind in {"value_error", "assertion_error"}:
        text = msg.split(", ", 1)[1] if msg.startswith(("Value error, ", "Assertion failed, ")) else msg
        parts, text, about_value = _refine_value_error(parts, text, data)
        value = value_at(data, parts)
        if isinstance(value, (dict, list)) and len(format_value(value)) > 40:
            about_value = False  # the message already says what is wrong with a table
    else:
        text = msg

    param = _param(parts)
    if param is not None and allowed is None and kind not in {"extra_forbidden", "missing"}:
        allowed = _param_allowed(param)
    return parts, Issue(message=text, field=path_text(parts) or None, value=value, allowed=allowed,
                        show_value=kind not in {"value_error", "assertion_error"} or about_value)


def issues_from_validation_error(exc: Exception, data: Any, file_of=None) -> list[Issue]:
    """Turn a pydantic ``ValidationError`` for ``data`` into issues, most relevant first.

    ``file_of(path_parts)`` names the file that set a field (for scenarios built with
    ``extends``); it defaults to no file.
    """
    located = [_locate(raw, data) for raw in exc.errors(include_url=False)]
    located = _keep_matching_branches(located, data)
    issues, seen = [], set()
    for e in located:
        parts, issue = _translate(e, data)
        key = (issue.field, issue.message)
        if key in seen:
            continue
        seen.add(key)
        if file_of is not None:
            issue = dataclasses.replace(issue, file=file_of(parts))
        issues.append(issue)
    return issues


def field_parts(field: str | None) -> tuple:
    """Inverse of :func:`path_text`: 'agents.universities[0].name' -> ('agents', 'universities', 0, 'name')."""
    import re

    if not field:
        return ()
    out: list = []
    for piece in field.split("."):
        m = re.fullmatch(r"(.*?)((?:\[\d+\])*)", piece)
        if m.group(1):
            out.append(m.group(1))
        out += [int(i) for i in re.findall(r"\[(\d+)\]", m.group(2))]
    return tuple(out)
