"""Advisory locks on files (``fcntl.flock``): one node per home, one key generation per cache.

A lock is held by an open file; the kernel drops it when the process exits, however it exits, so
a crashed node never leaves a stale lock. The holder writes its pid into the file so that a
refused process can say who holds it.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

from zkpov.errors import ZkpovError

__all__ = ["HomeInUseError", "hold_file_lock", "hold_home_lock"]

LOCK_FILE_MODE = 0o600
HOME_LOCK_FILE = "node.lock"
MAX_PID_CHARS = 10  # Linux pids are below 2**22


class HomeInUseError(ZkpovError):
    """Another process holds the lock of a node home."""


def _open_lock_file(path: Path) -> int:
    return os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW, LOCK_FILE_MODE)


def _write_pid(fd: int) -> None:
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)


def read_holder_pid(path: Path) -> str:
    """The pid written in a lock file, or ``unknown`` (the file's bytes are not trusted)."""
    try:
        with path.open("rb") as fh:
            text = fh.read(MAX_PID_CHARS + 1).decode("ascii", errors="replace").strip()
    except OSError:
        return "unknown"
    return text if text.isdigit() and len(text) <= MAX_PID_CHARS else "unknown"


@contextlib.contextmanager
def hold_file_lock(path: Path, *, wait: bool) -> Iterator[bool]:
    """Holds an exclusive lock on ``path`` (created mode 0600) for the ``with`` block; yields
    False instead of waiting if ``wait`` is False and another process holds it."""
    fd = _open_lock_file(path)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        _write_pid(fd)
        yield True
    finally:
        os.close(fd)


@contextlib.contextmanager
def hold_home_lock(home: Path) -> Iterator[None]:
    """Holds ``<home>/node.lock`` for the ``with`` block, or raises ``HomeInUseError``."""
    path = home / HOME_LOCK_FILE
    with hold_file_lock(path, wait=False) as held:
        if not held:
            pid = read_holder_pid(path)
            raise HomeInUseError(f"home {home} is in use by another process (pid {pid})")
        yield
