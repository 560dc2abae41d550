"""The one checkpoint facility of runs, sweeps and calibrations, and the lock of a results folder.

A long command keeps every finished piece of work (a block of replicates, a sweep point, a
calibration generation) as one *record* in a checkpoint folder, the moment it finishes, so a
command killed at any moment loses only the work in flight and the same command started again
resumes to exactly the result of an uninterrupted one.

- **Records** are ``.npz`` files of named arrays (JSON documents travel as a byte array), written
  atomically (``files.atomic_write``) and carrying a SHA-256 checksum of their arrays. A record
  that cannot be read or whose checksum fails is *damaged*: it is set aside as
  ``<name>.damaged`` with a warning and the work is done again, so the final result equals a
  clean run.
- **The run key** (``key.json``) says what the records are the work of: the kind of command, the
  scenario fingerprint, the seed, the sizes, the engine and the package version. A command that
  finds records of another key refuses and says what differs (``KeyMismatch``); with
  ``restart=True`` (``--restart``) the old records are removed and the work starts afresh.
- **One owner per folder** (:class:`FolderLock`): a command holds an exclusive ``flock`` on
  ``DIR/.innovsim.lock`` while it runs. A second command on the same folder refuses with one
  paragraph naming the first one. The kernel releases the lock when its process dies (even by
  ``kill -9``), so a stale lock never blocks anybody: the next command simply takes over.
"""

from __future__ import annotations

import fcntl
import hashlib
import io
import json
import os
import shutil
import socket
import sys
import time
import warnings
from pathlib import Path

import numpy as np

from ..errors import UserError
from .files import atomic_write, disk_error, make_folder

KEY_FILE = "key.json"
LOCK_FILE = ".innovsim.lock"
_CHECKSUM = "_sha256"


class KeyMismatch(UserError):
    """The checkpoint folder holds the unfinished work of another command or setting."""


class FolderBusy(UserError):
    """Another innovsim command is writing into the same results folder."""


class DamagedCheckpoint(UserWarning):
    """A checkpoint record could not be read; it was set aside and its work is redone."""


def package_version() -> str:
    from .. import __version__
    return __version__


def checksum(arrays: dict[str, np.ndarray]) -> str:
    """SHA-256 over the arrays' names, dtypes, shapes and bytes, in name order."""
    h = hashlib.sha256()
    for name in sorted(arrays):
        a = np.ascontiguousarray(arrays[name])
        h.update(f"{name}|{a.dtype.str}|{a.shape}|".encode())
        h.update(a.tobytes())
    return h.hexdigest()


def json_record(doc) -> dict[str, np.ndarray]:
    """A JSON document as a record's array."""
    return {"json": np.frombuffer(json.dumps(doc, sort_keys=True).encode("utf-8"), dtype=np.uint8)}


def json_of(record: dict[str, np.ndarray]):
    return json.loads(record["json"].tobytes().decode("utf-8"))


class CheckpointStore:
    """Records of one command's work in ``folder``, under ``key`` (a JSON-able dict).

    ``describe`` maps a key field to words for the mismatch message (e.g. ``seed`` -> "seed").
    """

    def __init__(self, folder: str | os.PathLike, key: dict, *, restart: bool = False,
                 what: str = "the checkpoints", describe: dict[str, str] | None = None):
        self.folder = Path(folder)
        self.key = {**key, "version": package_version()}
        self.what, self.describe = what, describe or {}
        self._open(restart)

    # ---- the key ------------------------------------------------------------------------------

    def _open(self, restart: bool) -> None:
        key_file = self.folder / KEY_FILE
        if restart and self.folder.exists():
            self.clear()
        held = self._held_key(key_file)
        if held is not None and held != self.key:
            if self.records():
                raise KeyMismatch(self._mismatch(held))
            self.clear()                      # a key without records: nothing to lose
        make_folder(self.folder)
        if held != self.key:
            atomic_write(key_file, json.dumps(self.key, sort_keys=True, indent=1) + "\n")

    def _held_key(self, key_file: Path) -> dict | None:
        if not key_file.exists():
            return {} if self.records() else None   # records without a key: another, older format
        try:
            return json.loads(key_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}

    def _mismatch(self, held: dict) -> str:
        if not held:
            return (f"{self.folder} holds {self.what} without a readable {KEY_FILE} (damaged, or made by an older "
                    "version), so they cannot be matched to this command. Give another --out folder, or add "
                    "--restart to discard them and start afresh.")
        diffs = []
        for field in sorted(set(held) | set(self.key)):
            if held.get(field) != self.key.get(field):
                label = self.describe.get(field, field.replace("_", " "))
                diffs.append(f"{label} {_short(held.get(field))} there, {_short(self.key.get(field))} now")
        return (f"{self.folder} holds {self.what} made with other settings ({'; '.join(diffs)}). Run the same "
                "command as before to resume it, give another --out folder, or add --restart to discard that work "
                "and start afresh.")

    # ---- records ------------------------------------------------------------------------------

    def path(self, name: str) -> Path:
        return self.folder / f"{name}.npz"

    def records(self) -> list[str]:
        """Names of the records present (damaged ones included until they are read)."""
        if not self.folder.is_dir():
            return []
        return sorted(p.stem for p in self.folder.glob("*.npz"))

    def save(self, name: str, arrays: dict[str, np.ndarray]) -> None:
        arrays = {k: np.asarray(v) for k, v in arrays.items()}
        record = {**arrays, _CHECKSUM: np.frombuffer(checksum(arrays).encode(), dtype=np.uint8)}
        buf = io.BytesIO()
        np.savez(buf, **record)
        atomic_write(self.path(name), buf.getvalue())

    def load(self, name: str) -> dict[str, np.ndarray] | None:
        """The record ``name``, or None if absent; a damaged record is set aside (None)."""
        path = self.path(name)
        if not path.exists():
            return None
        try:
            with np.load(path, allow_pickle=False) as z:
                arrays = {k: z[k] for k in z.files}
            stored = arrays.pop(_CHECKSUM).tobytes().decode()
            if stored != checksum(arrays):
                raise ValueError("checksum mismatch")
        except Exception as exc:    # any failure to read is damage: zip, zlib, format, checksum
            self.set_aside(path, f"{type(exc).__name__}: {exc}")
            return None
        return arrays

    def set_aside(self, path: Path, why: str) -> None:
        """Rename a damaged file to ``<name>.damaged`` (kept for inspection) and warn."""
        target = path.with_name(path.name + ".damaged")
        try:
            os.replace(path, target)
        except OSError as exc:
            raise disk_error(path, exc) from None
        warnings.warn(f"{path} was damaged ({why}); set aside as {target.name}, its work is done again",
                      DamagedCheckpoint, stacklevel=2)

    def clear(self) -> None:
        """Remove the folder and everything in it (after the outputs hold the results)."""
        shutil.rmtree(self.folder, ignore_errors=True)


def _short(value) -> str:
    text = json.dumps(value, sort_keys=True, ensure_ascii=False) if not isinstance(value, str) else value
    return text if len(text) <= 60 else text[:57] + "..."


class FolderLock:
    """An exclusive lock on a results folder for the duration of a command (a context manager)."""

    def __init__(self, folder: str | os.PathLike, command: str | None = None):
        self.folder = Path(folder)
        self.command = command or " ".join(["innovsim", *sys.argv[1:]])
        self._path: Path | None = None

    def __enter__(self) -> "FolderLock":
        make_folder(self.folder)
        path = (self.folder / LOCK_FILE).resolve()
        self._path = path
        if path in _HELD:                  # this process holds it already (run, then write outputs)
            _HELD[path][1] += 1
            return self
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise disk_error(path, exc) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_holder(fd)
            os.close(fd)
            raise FolderBusy(f"{self.folder} is in use by another innovsim command ({holder}); wait for it to "
                             "finish, or give another folder. If that process is gone, the lock frees itself: "
                             "run the command again.") from None
        _HELD[path] = [fd, 1]
        _write_holder(fd, self.command)
        return self

    def __exit__(self, *exc) -> None:
        held = _HELD.get(self._path)
        if held is None:
            return
        held[1] -= 1
        if held[1] == 0:
            del _HELD[self._path]
            fcntl.flock(held[0], fcntl.LOCK_UN)
            os.close(held[0])


# locks this process holds: resolved path -> [file descriptor, depth]; a forked worker never
# releases them (it does not run __exit__), and the kernel drops them with the last holder
_HELD: dict[Path, list] = {}


def _write_holder(fd: int, command: str) -> None:
    doc = {"pid": os.getpid(), "host": socket.gethostname(), "command": command,
           "started": time.strftime("%Y-%m-%d %H:%M:%S")}
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(doc).encode(), 0)
    except OSError:
        pass                 # the lock holds without its note


def _read_holder(fd: int) -> str:
    try:
        doc = json.loads(os.pread(fd, 4096, 0).decode() or "{}")
        return f"pid {doc['pid']} on {doc['host']}, '{doc['command']}', started {doc['started']}"
    except (OSError, ValueError, KeyError):
        return "its details are unreadable"
