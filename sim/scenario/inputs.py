"""Reading the files a user names, safely: scenario, sweep and calibration files (TOML), and the
CSV files they point to (observations, posterior).

Every input passes the same gate before anything is parsed or allocated: it must be a regular
file (not a folder, a device such as ``/dev/zero``, or a pipe) of at most the size
``sim.limits`` allows, and a TOML file must be UTF-8 text nested at most ``MAX_TOML_DEPTH``
deep (the text is scanned before the parser, which recurses once per level, sees it). A file
named inside another file (``extends``, a sweep's ``base``, a calibration's ``scenario``,
``posterior.file``) must carry the suffix of its kind, so that a typo or a hostile path cannot
make an error message quote a line of some other file.

The readers take ``error(message)``, which builds the exception to raise (a ScenarioError,
SweepError, ... naming the file): the checks are written once, the messages belong to the file's
kind.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path
from typing import Callable

from ..limits import MAX_TOML_BYTES, MAX_TOML_DEPTH, size_text
from .introspect import nesting_too_deep, path_text

TOML_SUFFIX = ".toml"
CSV_SUFFIX = ".csv"

ErrorFactory = Callable[[str], Exception]


# ---- names written in files ---------------------------------------------------------------------

def reference_problem(name: str, suffix: str, what: str, example: str | None = None) -> str | None:
    """Why a file name written in a file cannot name ``what`` (a parent scenario, ...), which
    must be a ``suffix`` file; None if it can."""
    if os.path.splitext(name)[1].lower() != suffix:
        return f"must name a {suffix} file ({what})" + (f", e.g. \"{example}\"" if example else "")
    return None


def check_reference(suffix: str, what: str, example: str | None = None):
    """A pydantic after-validator for a field naming a ``suffix`` file (a sweep's base, ...); an
    empty name passes (whether one is required is the field's own rule)."""
    def check(value: str) -> str:
        problem = reference_problem(value, suffix, what, example) if value else None
        if problem is not None:
            raise ValueError(problem)
        return value
    return check


def quotable(path: str | os.PathLike) -> bool:
    """May an error message quote a line of this file? Only of the files users write (TOML);
    never of another file a path happened to name."""
    return os.path.splitext(os.fspath(path))[1].lower() == TOML_SUFFIX


# ---- the gate every input passes ----------------------------------------------------------------

def read_bounded(path: str | os.PathLike, limit: int, what: str, suffix: str, error: ErrorFactory) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes; ``what`` ('scenario file', ...) and
    ``suffix`` word the messages. Checked with stat before the file is opened, so a device or a
    pipe is never read, and read with a bound, so a file growing meanwhile cannot exhaust memory."""
    path = Path(path)
    try:
        info = path.stat()
    except FileNotFoundError:
        raise error(f"the file does not exist (looked for {path.absolute()})") from None
    except PermissionError:
        raise error("the file cannot be read: permission denied") from None
    except (OSError, ValueError) as exc:
        raise error(f"the file cannot be read: {getattr(exc, 'strerror', None) or exc}") from None
    if stat.S_ISDIR(info.st_mode):
        raise error(f"this is a folder, not {_a(what)}; give the path of a {suffix} file")
    if not stat.S_ISREG(info.st_mode):
        raise error(f"this is not a regular file (a device, a pipe or a socket?), so it is not {_a(what)}; "
                    f"give the path of a {suffix} file")
    if info.st_size > limit:
        size = size_text(info.st_size)
        raise error(_too_big(f"{size if size != size_text(limit) else f'{info.st_size:,} bytes'}, more", limit, what))
    try:
        with path.open("rb") as fh:
            data = fh.read(limit + 1)
    except PermissionError:
        raise error("the file cannot be read: permission denied") from None
    except OSError as exc:
        raise error(f"the file cannot be read: {exc.strerror or exc}") from None
    if len(data) > limit:
        raise error(_too_big("larger", limit, what))
    return data


def _a(what: str) -> str:
    """'a scenario file', 'an observation file'."""
    return f"{'an' if what[:1] in 'aeiou' else 'a'} {what}"


def _too_big(size: str, limit: int, what: str) -> str:
    return (f"the file is {size} than the {size_text(limit)} {_a(what)} may have (see docs/LIMITS.md); "
            "is it the right file?")


def decode_text(raw: bytes, error: ErrorFactory) -> str:
    """UTF-8 text (a byte-order mark, which some Windows editors add, is dropped)."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise error(f"the file is not UTF-8 text (byte 0x{raw[exc.start]:02x} on line {line}); "
                    "save it with UTF-8 encoding") from None


def read_text(path: str | os.PathLike, what: str, error: ErrorFactory, limit: int = MAX_TOML_BYTES,
              suffix: str = TOML_SUFFIX) -> str:
    """The text of an input file, through the gate (regular file, size, UTF-8)."""
    return decode_text(read_bounded(path, limit, what, suffix, error), error)


# ---- TOML ---------------------------------------------------------------------------------------

# strings and comments are skipped whole, so brackets inside them do not count
_TOML_TOKENS = re.compile("|".join([
    r'"""(?:[^"\\]|\\[\s\S]|"(?!""))*"""',     # multi-line basic string
    r"'''[\s\S]*?'''",                          # multi-line literal string
    r'"(?:[^"\\\n]|\\.)*"',                     # basic string
    r"'[^'\n]*'",                               # literal string
    r"#[^\n]*",                                 # comment
    r"[\[\]{}]",                                # brackets of arrays, inline tables and headers
]))


def _first_too_deep(text: str, limit: int) -> int | None:
    """The position of the first bracket nested more than ``limit`` deep in ``text``, or None."""
    depth = 0
    for m in _TOML_TOKENS.finditer(text):
        token = m.group()
        if token == "[" or token == "{":
            depth += 1
            if depth > limit:
                return m.start()
        elif token == "]" or token == "}":
            depth = max(depth - 1, 0)
    return None


def _too_deep(where: str) -> str:
    return (f"tables or arrays are nested more than {MAX_TOML_DEPTH} deep ({where}); these files need a "
            f"few levels, at most {MAX_TOML_DEPTH} are allowed (see docs/LIMITS.md)")


def parse_toml(text: str, error: ErrorFactory, quote_lines: bool = True) -> dict:
    """Parse TOML text; a syntax error names the line and column and, if ``quote_lines``, quotes
    the line. Nesting deeper than ``MAX_TOML_DEPTH`` is an error, found before parsing."""
    import tomllib

    deep = _first_too_deep(text, MAX_TOML_DEPTH)
    if deep is not None:
        raise error(_too_deep(f"at line {text.count(chr(10), 0, deep) + 1}"))
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise error(_syntax_message(str(exc), text, quote_lines)) from None
    parts = nesting_too_deep(data, MAX_TOML_DEPTH)
    if parts is not None:
        shown = path_text(parts[:6]) + (" ..." if len(parts) > 6 else "")
        raise error(_too_deep(f"at {shown}"))
    return data


def _syntax_message(msg: str, text: str, quote_lines: bool) -> str:
    m = re.search(r"\(at line (\d+), column (\d+)\)", msg)
    reason = re.sub(r"\s*\(at .*\)$", "", msg)
    if m:
        line_no, col = int(m.group(1)), int(m.group(2))
        lines = text.splitlines()
        quoted = lines[line_no - 1].strip() if quote_lines and 0 < line_no <= len(lines) else ""
        message = f"TOML syntax error at line {line_no}, column {col}: {reason}."
        if quoted:
            message += f" The line reads: {quoted}"
        return message
    if "end of document" in msg:
        return (f"TOML syntax error at the end of the file (line {len(text.splitlines())}): "
                f"{reason}; is a bracket or a quote left open?")
    return f"TOML syntax error: {msg}."


def read_toml_file(path: str | os.PathLike, what: str, error: ErrorFactory) -> dict:
    """A TOML input file (``what``: 'sweep file', ...) through the gate, parsed."""
    return parse_toml(read_text(path, what, error), error, quotable(path))
