"""zkpov on the EVM: Vyper contracts that check zkpov's proofs and finality, and the encodings
they read.

Face layer (beside ``zkpov.client``). The EVM packages (``vyper``, ``py-evm``, ``eth-tester``;
the ``evm`` extra) are imported only inside this package, and only when a function needs them,
so ``import zkpov.evm`` works without them and the other packages never import them
(import-linter checks it). A missing package is an ``EvmError`` that says what to install.

* :func:`build_verifier` renders ``templates/Verifier.vy`` for one verifying key and compiles
  it in-process: ``(abi, bytecode)``. :func:`encode_proof` turns a 192-byte zkpov proof into the
  512 bytes its ``verify`` reads.
* :func:`build_light_client` compiles the finality contract (``templates/LightClient.vy``);
  :func:`encode_header`, :func:`encode_qc` and :func:`get_genesis_setup` give what its
  constructor and ``verify_finalized`` read; :func:`encode_epoch_change` what its
  ``submit_epoch_change`` reads, from an epoch change ``/v1/light/updates`` serves.
* :class:`LocalChain` is an in-process EVM (eth-tester's py-evm backend, Prague fork);
  :mod:`zkpov.evm.relay` feeds it a node's finalized headers and proofs.
"""

from __future__ import annotations

from zkpov.evm.chain import CallResult, LocalChain
from zkpov.evm.compiler import compile_contract
from zkpov.evm.encoding import encode_g1, encode_g2, encode_proof
from zkpov.evm.epoch_change import encode_epoch_change, get_next_setup
from zkpov.evm.light_client import (
    LightClientSetup,
    build_light_client,
    encode_header,
    encode_qc,
    get_genesis_setup,
    get_light_client_setup,
    render_light_client,
)
from zkpov.evm.verifier import build_verifier, render_verifier

__all__ = [
    "CallResult",
    "LightClientSetup",
    "LocalChain",
    "build_light_client",
    "build_verifier",
    "compile_contract",
    "encode_epoch_change",
    "encode_g1",
    "encode_g2",
    "encode_header",
    "encode_proof",
    "encode_qc",
    "get_genesis_setup",
    "get_light_client_setup",
    "get_next_setup",
    "render_light_client",
    "render_verifier",
]
