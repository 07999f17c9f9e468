"""A directory written whole or not at all: built in a hidden sibling, renamed into place.

A failure while building (a full disk, an interrupted run) removes the sibling, so an operator
never finds a half-written node home or testnet.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from zkpov.config import ConfigError

__all__ = ["TargetNotEmptyError", "build_new_directory", "check_new_directory"]


class TargetNotEmptyError(ConfigError):
    """The directory to create already exists and holds something."""


def check_new_directory(target: Path) -> None:
    """Raises ``TargetNotEmptyError`` unless ``target`` is missing or an empty directory."""
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise TargetNotEmptyError(f"{target} exists and is not empty; choose another directory")


@contextlib.contextmanager
def build_new_directory(target: Path) -> Iterator[Path]:
    """Yields a fresh directory (mode 0700) to build ``target`` in; renames it to ``target``
    when the ``with`` block succeeds and removes it when the block fails."""
    check_new_directory(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.", suffix=".new"))
    try:
        yield work
        check_new_directory(target)
        os.replace(work, target)  # an empty target directory is replaced
    finally:
        shutil.rmtree(work, ignore_errors=True)
