"""Durable SafetyData file: write a temp file, fsync it, rename over the old one, fsync the dir.

After ``save`` returns, a crash leaves either the old or the new file, never a mix; the checksum in
the encoding catches anything else. The caller persists before the vote or timeout leaves.
"""

from __future__ import annotations

import os
from pathlib import Path

from zkpov.spec.codec.safety_data import decode_safety_data, encode_safety_data
from zkpov.spec.safety_data import SafetyData

__all__ = ["FileSafetyStore"]


class FileSafetyStore:
    """SafetyData in one file at ``path`` (its directory must exist)."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._tmp = self.path.with_name(self.path.name + ".tmp")

    def load(self) -> SafetyData | None:
        try:
            blob = self.path.read_bytes()
        except FileNotFoundError:
            return None
        return decode_safety_data(blob)

    def save(self, data: SafetyData) -> None:
        blob = encode_safety_data(data)
        fd = os.open(self._tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            _write_all(fd, blob)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(self._tmp, self.path)
        _fsync_directory(self.path.parent)


def _write_all(fd: int, blob: bytes) -> None:
    view = memoryview(blob)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _fsync_directory(directory: Path) -> None:
    dir_fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
