"""Errors a user can fix, for the whole package: a broken scenario, sweep or calibration file, a
bad command-line value, a missing output folder.

Planners read these messages, so each one is a single paragraph that says which file, which
field (a dotted path such as ``levers.fiscal_support.rd_subsidy_rate``), what value was given,
what is allowed and, for a misspelt key, the nearest valid name. The command line prints
``str(error)`` of any :class:`UserError` without a traceback and exits with code 2; anything
else that escapes is a bug and keeps its traceback.

The hierarchy::

    UserError                       a mistake the user can fix
    └── FileError                   a file the user wrote: every problem found, each an Issue
        ├── ScenarioError           a scenario file (sim.scenario)
        ├── SweepError              a sweep file (sim.sweep.spec)
        └── CalibrationError        a calibration file (sim.calibration.targets)
    PosteriorError, ObservationError (CSV files, located by line and column) derive from UserError.

This module imports nothing heavy (no pydantic), so the CLI can catch these errors cheaply.
"""

from __future__ import annotations

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


# ---- message helpers ------------------------------------------------------------------------

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


def _sentence(message: str, value: Any = NO_VALUE, allowed: str | None = None) -> str:
    """'<message>. You gave <value>. Allowed: <allowed>.', adding value and allowed only if the
    message does not say them already."""
    text = message.rstrip()
    if text and text[-1] not in ".?!":
        text += "."
    if value is not NO_VALUE:
        shown = format_value(value)
        if shown not in text:
            text += f" You gave {shown}."
    if allowed and allowed not in text:
        text += f" Allowed: {allowed}."
    return text


def located_message(where: str, message: str, value: Any = None, allowed: str | None = None) -> str:
    """'<where>: <message>. You gave <value>. Allowed: <allowed>.' The one-paragraph form of an
    error located by line and column (observation and posterior files); ``value`` None shows no
    value."""
    return f"{where}: {_sentence(message, NO_VALUE if value is None else value, allowed)}"


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


# ---- errors in files the user wrote ---------------------------------------------------------

@dataclass(frozen=True)
class Issue:
    """One problem in a file: where it is, what was given, what is allowed."""

    message: str
    field: str | None = None
    value: Any = NO_VALUE
    allowed: str | None = None
    file: str | None = None
    show_value: bool = True  # False when the message already puts the value in context

    def describe(self, with_file: bool = False) -> str:
        """The problem as one sentence or two, adding value and allowed range if not yet said."""
        msg = _sentence(self.message, self.value if self.show_value else NO_VALUE, self.allowed)
        where = f"field '{self.field}'" if self.field else ""
        if with_file and self.file:
            where = f"in '{self.file}', {where}" if where else f"in '{self.file}'"
        return f"{where}: {msg}" if where else msg


class FileError(UserError):
    """A file the user wrote that cannot be used; ``kind`` names what it is ('scenario', ...).

    Attributes: ``file`` (where the problem is), ``field`` (dotted path, or None for file-level
    problems), ``value`` (the offending value, or ``NO_VALUE``), ``allowed`` (what would be
    accepted, as text), ``message`` (the explanation), ``issues`` (every problem found, the
    first one being the one described by the attributes above) and ``source`` (the file the
    user asked to load, when the problem sits in a file reached from it, e.g. through
    ``extends``). Crossing a process boundary (worker pools) keeps all of them.
    """

    kind = "input"

    def __init__(self, issues: Sequence[Issue], *, source: str | None = None, file: str | None = None):
        if not issues:
            raise ValueError(f"{type(self).__name__} needs at least one issue")
        self.issues: list[Issue] = list(issues)
        first = self.issues[0]
        self.message = first.message
        self.field = first.field
        self.value = first.value
        self.allowed = first.allowed
        self.file = first.file if first.file is not None else file
        self.source = source
        super().__init__(self._paragraph())

    @classmethod
    def from_issues(cls, issues: Sequence[Issue], *, source: str | None = None):
        """The error of ``issues`` (at least one), whatever the subclass's own constructor takes."""
        error = cls.__new__(cls)
        FileError.__init__(error, issues, source=source)
        return error

    def _where(self, file: str | None) -> str:
        if file is None:
            return f"In the {self.kind}"
        # '<dict>', '<overrides>': not a file on disk
        where = f"In {self.kind} {file}" if file.startswith("<") else f"In {self.kind} file '{file}'"
        if self.source and self.source != file:
            where += f" (reached through 'extends' from '{self.source}')"
        return where

    def _paragraph(self) -> str:
        """One paragraph: the single problem, or a heading and one line per problem."""
        if len(self.issues) == 1:
            issue = self.issues[0]
            sep = ", " if issue.field else ": "
            return f"{self._where(self.file)}{sep}{issue.describe()}"
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
        return (_rebuild_file_error, (type(self), self.issues, self.source))


def _rebuild_file_error(cls: type, issues: list[Issue], source: str | None) -> FileError:
    return cls.from_issues(issues, source=source)


class ScenarioError(FileError):
    """A scenario that cannot be loaded: unreadable file, bad TOML, or a value the schema rejects."""

    kind = "scenario"

    def __init__(self, message: str, *, file: str | None = None, field: str | None = None,
                 value: Any = NO_VALUE, allowed: str | None = None,
                 issues: Sequence[Issue] | None = None, source: str | None = None):
        issues = list(issues) if issues else [
            Issue(message=message, field=field, value=value, allowed=allowed, file=file)]
        super().__init__(issues, source=source, file=file)


class ToolFileError(FileError):
    """A tool's file (sweep, calibration): ``Error(file, message, field, value, allowed)``, where
    ``value`` None means no value to show."""

    def __init__(self, file: str, message: str, field: str | None = None, value: Any = None,
                 allowed: str | None = None):
        value = NO_VALUE if value is None else value
        super().__init__([Issue(message=message, field=field, value=value, allowed=allowed, file=str(file))])
