"""py_ecc, the independent BLS12-381 implementation tests compare with, imported without its
side effect: py_ecc raises the recursion limit to 100,000 on import, which lets C recursion
(``json.loads`` of deeply nested input, as tests/client sends) overflow the stack. The limit is
put back."""

from __future__ import annotations

import sys

_limit = sys.getrecursionlimit()
try:
    from py_ecc.bls.point_compression import decompress_G1, decompress_G2
    from py_ecc.optimized_bls12_381 import FQ, FQ2, is_on_curve, normalize
finally:
    sys.setrecursionlimit(_limit)

__all__ = ["FQ", "FQ2", "decompress_G1", "decompress_G2", "is_on_curve", "normalize"]
