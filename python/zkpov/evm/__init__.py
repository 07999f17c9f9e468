"""zkpov on the EVM: Vyper contracts that check zkpov's Groth16 proofs, and the encodings they read.

Face layer (beside ``zkpov.client``). The EVM packages (``vyper``, ``py-evm``, ``eth-tester``;
the ``evm`` extra) are imported only inside this package, and only when a function needs them,
so ``import zkpov.evm`` works without them and the other packages never import them
(import-linter checks it). A missing package is an ``EvmError`` that says what to install.

* :func:`build_verifier` renders ``templates/Verifier.vy`` for one verifying key and compiles
  it in-process: ``(abi, bytecode)``.
* :func:`encode_proof` turns a 192-byte zkpov proof into the 512 bytes ``verify`` reads.
* :class:`LocalChain` is an in-process EVM (eth-tester's py-evm backend, Prague fork).
"""

from __future__ import annotations

from zkpov.evm.chain import CallResult, LocalChain
from zkpov.evm.compiler import compile_contract
from zkpov.evm.encoding import encode_g1, encode_g2, encode_proof
from zkpov.evm.verifier import build_verifier, render_verifier

__all__ = [
    "CallResult",
    "LocalChain",
    "build_verifier",
    "compile_contract",
    "encode_g1",
    "encode_g2",
    "encode_proof",
    "render_verifier",
]
