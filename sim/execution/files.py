"""Writing files so that a reader never sees a partial one, and a full disk is a clear message.

Every output and checkpoint of a run, sweep or calibration goes through :func:`atomic_write`:
the bytes go to a temporary file beside the target, which is flushed, synced and renamed into
place (``os.replace`` is atomic on one file system). If anything fails, the temporary file is
removed and the target keeps its old content or stays absent: no empty or half-written
``summary.json`` after a full disk or a kill. An ``OSError`` becomes a :class:`DiskError` (a
``UserError``: exit 2 and one paragraph naming the path) through :func:`disk_error`.
"""

from __future__ import annotations

import errno
import os
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

from ..errors import UserError

_NO_SPACE = {errno.ENOSPC, errno.EDQUOT}


class DiskError(UserError):
    """A result or checkpoint could not be written (full disk, no permission, read-only folder)."""


def disk_error(path: str | os.PathLike, exc: OSError) -> DiskError:
    """The one-paragraph message for an OSError met while writing ``path``."""
    why = exc.strerror or str(exc)
    if exc.errno in _NO_SPACE:
        fix = ("free some space there (or give another --out on a disk with room) and run the same command "
               "again: the finished work is kept and resumed")
    elif exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        fix = "give a folder you can write to (--out), or change its permissions"
    else:
        fix = "check the folder and run the same command again: the finished work is kept and resumed"
    return DiskError(f"cannot write '{path}': {why}; {fix}.")


def atomic_write(path: str | os.PathLike, data: bytes | str | Callable[[object], None]) -> Path:
    """Write ``data`` (bytes, text as UTF-8, or a function that writes to a binary file object)
    to ``path`` all or nothing; raise :class:`DiskError` if the write fails."""
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as fh:
            if callable(data):
                data(fh)
            else:
                fh.write(data.encode("utf-8") if isinstance(data, str) else data)
            fh.flush()
            os.fsync(fh.fileno())
    return Path(path)


@contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """For writers that take a file name (pyarrow, matplotlib): yield a temporary path beside
    ``path`` and rename it into place when the block ends without error; on any error the
    temporary file is removed (and an ``OSError`` becomes a :class:`DiskError`)."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        yield tmp
        os.replace(tmp, path)
    except OSError as exc:
        _remove_quietly(tmp)
        raise disk_error(path, exc) from None
    except BaseException:
        _remove_quietly(tmp)
        raise


def make_folder(path: str | os.PathLike) -> Path:
    """``mkdir -p`` that reports a failure as a :class:`DiskError`."""
    path = Path(path)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise disk_error(path, exc) from None
    return path


def _remove_quietly(path: Path) -> None:
    try:
        path.unlink()
    except OSError:
        pass
