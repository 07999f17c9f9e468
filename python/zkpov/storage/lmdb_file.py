"""Check an LMDB ``data.mdb`` before it is mapped: a truncated file would crash with SIGBUS.

LMDB maps the file and reads pages without checking the file's size, so a page past the end of
a truncated file kills the process with SIGBUS instead of raising. The two meta pages at the
start of the file say how big it must be: the newer one (higher transaction id) names the last
page in use. :func:`check_data_file` refuses a file shorter than that, or one whose meta pages
are not LMDB's, with a :class:`~zkpov.errors.StoreFaultError`. Layout (lmdb ``mdb.c``, 64-bit):
a 16-byte page header, then ``MDB_meta``: magic (u32), version (u32), address, map size, two
48-byte ``MDB_db`` records (the first one's leading u32 holds the page size), the last page
number (u64) and the transaction id (u64).
"""

from __future__ import annotations

import struct
from pathlib import Path

from zkpov.errors import StoreFaultError

__all__ = ["check_data_file"]

_MAGIC = 0xBEEFC0DE
_HEADER = 16  # PAGEHDRSZ
_META = struct.Struct("<II8x8xI92xQQ")  # magic, version, page size, last page, txnid
_MIN_PAGE, _MAX_PAGE = 512, 1 << 16


def check_data_file(path: Path) -> None:
    """Nothing if ``path`` is missing (LMDB creates it) or whole; ``StoreFaultError`` if not."""
    if not path.exists():
        return
    size = path.stat().st_size
    with path.open("rb") as file:
        first = _read_meta(file.read(_HEADER + _META.size), path)
        file.seek(first[0])
        second = _read_meta(file.read(_HEADER + _META.size), path)
    page_size, last_page, _ = max(first, second, key=lambda meta: meta[2])
    needed = (last_page + 1) * page_size
    if size < needed:
        raise StoreFaultError(f"{path} is truncated: {size} bytes, its meta page needs {needed}")


def _read_meta(data: bytes, path: Path) -> tuple[int, int, int]:
    """(page size, last page, transaction id) of one meta page."""
    if len(data) < _HEADER + _META.size:
        raise StoreFaultError(f"{path} is truncated: too short for LMDB's meta pages")
    magic, version, page_size, last_page, txnid = _META.unpack_from(data, _HEADER)
    if magic != _MAGIC or version != 1 or not _MIN_PAGE <= page_size <= _MAX_PAGE:
        raise StoreFaultError(f"{path} is not an LMDB data file (bad meta page)")
    return page_size, last_page, txnid
