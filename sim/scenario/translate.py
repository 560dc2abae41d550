"""pydantic's ``ValidationError`` in planners' words: one located :class:`~sim.errors.Issue` per
problem, for every file a user writes (scenario, sweep, calibration).

pydantic reports locations that include union-branch labels (``tagged-union[...]``, ``float``)
and messages in its own jargon. This module maps the locations back to the paths the user wrote,
keeps only the union branch that matches what was written (a table is judged as a distribution,
not as a number), and rewrites each message: the field path, the value given, what is allowed,
and "did you mean" for a misspelt key. Every problem is kept (the error lists up to
``MAX_LISTED_ISSUES`` of them). pydantic and the schema are imported inside the functions.

    issues = issues_from_validation_error(exc, data)                      # a scenario
    issues = issues_from_validation_error(exc, raw, root=SweepFile)       # another file's model
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from typing import Any

from ..errors import NO_VALUE, Issue, format_value, suggest, toml_type, unknown_key_message
from .introspect import (accepts_distribution, child, dist_tag, distribution_catalogue, field_info, key_rule,
                         parameter_range, path_text, registry_parameter, type_at, valid_keys, value_at)

_SCALAR_BRANCHES = {"float", "int", "str", "bool", "none", "bytes"}
_NUMBER_ERRORS = {"float_type", "float_parsing", "int_type", "int_parsing", "int_from_float",
                  "finite_number", "int_parsing_size"}
_BOUND_WORDS = {"gt": ">", "ge": ">=", "lt": "<", "le": "<="}
DIST_EXAMPLE = '{dist = "triangular", low = 1.0, mode = 2.0, high = 3.0}'


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
        elif child(node, comp) is not NO_VALUE:
            parts.append(comp)
            node = child(node, comp)
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


# -- translating one error ---------------------------------------------------------------------

def _quoted_choices(expected: str) -> list[str]:
    return re.findall(r"'([^']*)'", expected)


def _refine_value_error(parts: tuple, text: str, data: Any) -> tuple[tuple, str, bool]:
    """Point a model-level message at the field it names, e.g. 'rd_intensity = 50 is ...'.

    Validators that check a whole section (or the whole file) report at the section; their
    message starts with the field's name (or contains a dotted path), which becomes the field.
    The flag says whether the message is about that field's value (else it only mentions it).
    """
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


def _key_issue(e: _Located, data: Any, root: Any) -> tuple[str, str | None]:
    """(message, allowed) for a key that is not allowed: not one of a fixed set (a sector), or
    not of the form a key must have (a goal id)."""
    kind = e.raw.get("type", "")
    ctx = e.raw.get("ctx") or {}
    name = e.parts[-1] if e.parts else ""
    if kind in {"string_pattern_mismatch", "string_too_long", "string_too_short"}:
        rule = key_rule(e.parts[:-1], data, root)
        fallback = {"string_pattern_mismatch": f"text matching {ctx.get('pattern')}",
                    "string_too_long": f"at most {ctx.get('max_length')} characters",
                    "string_too_short": f"at least {ctx.get('min_length')} characters"}[kind]
        return f"the key {format_value(name)} is not allowed here", rule or fallback
    choices = _quoted_choices(str(ctx.get("expected", "")))
    text = f"'{name}' is not an allowed key here"
    near = suggest(str(name), choices)
    text += f"; did you mean '{near}'?" if near else "."
    return text, ", ".join(choices) or None


def _translate(e: _Located, data: Any, root: Any) -> tuple[tuple, Issue]:
    """One pydantic error in a planner's words, with the path of the field it concerns."""
    kind = e.raw.get("type", "")
    msg = str(e.raw.get("msg", ""))
    ctx = e.raw.get("ctx") or {}
    parts, node = e.parts, e.node
    level = path_text(parts[:-1])
    name = parts[-1] if parts else ""
    parent_type = type_at(parts[:-1], data, root) if parts else None
    dist = dist_tag(parent_type)
    allowed = None
    value = node
    about_value = True

    if e.key_error:
        text, allowed = _key_issue(e, data, root)
        value = NO_VALUE
    elif kind == "extra_forbidden":
        valid = valid_keys(parts[:-1], data, root)
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
            info = field_info(parts, data, root)
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
        if any(str(b).startswith("tagged-union") for b in at_union) or accepts_distribution(parts, data, root):
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

    param = registry_parameter(parts, root)
    if param is not None and allowed is None and kind not in {"extra_forbidden", "missing"}:
        allowed = parameter_range(param)
    return parts, Issue(message=text, field=path_text(parts) or None, value=value, allowed=allowed,
                        show_value=about_value)


def issues_from_validation_error(exc: Exception, data: Any, file_of=None, root: Any = None) -> list[Issue]:
    """Turn a pydantic ``ValidationError`` for ``data`` into issues, most relevant first.

    ``root`` is the model ``data`` was validated against (default: the scenario). ``file_of``
    names the file that set a field: a function of the path (for scenarios built with
    ``extends``), a file name for every issue, or None for no file.
    """
    if isinstance(file_of, str):
        name = file_of
        file_of = lambda parts: name  # noqa: E731
    located = [_locate(raw, data) for raw in exc.errors(include_url=False)]
    located = _keep_matching_branches(located, data)
    issues, seen = [], set()
    for e in located:
        parts, issue = _translate(e, data, root)
        key = (issue.field, issue.message)
        if key in seen:
            continue
        seen.add(key)
        if file_of is not None:
            issue = dataclasses.replace(issue, file=file_of(parts))
        issues.append(issue)
    return issues



def read_tool_file(path, what: str, model, error):
    """Read a tool's TOML file (a sweep, calibration or optimisation file: ``what``) through the
    input gate and validate it with the pydantic ``model``; ``error`` is the file's error class
    (a ``ToolFileError``), raised with the file name and every problem found."""
    from pydantic import ValidationError

    from .inputs import read_toml_file

    name = str(path)
    raw = read_toml_file(path, what, lambda message: error(name, message))
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise error.from_issues(issues_from_validation_error(exc, raw, name, root=model)) from None
