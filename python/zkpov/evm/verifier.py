"""The Groth16 verifier contract: ``templates/Verifier.vy`` rendered for one verifying key.

The key's points become constants; -beta, -gamma and -delta are negated here, so the contract
does one 4-pair pairing check. vk_x is one G1 MSM over IC[1..n] and one G1 add of IC[0].
"""

from __future__ import annotations

import re
from typing import Any

from zkpov.crypto import curve_points as cp
from zkpov.crypto.vk_json import VerifyingKeyPoints
from zkpov.errors import EvmError
from zkpov.evm.compiler import compile_contract, import_evm_package, render_template
from zkpov.evm.encoding import G1_EVM_BYTES, G2_EVM_BYTES, encode_g1, encode_g2

__all__ = ["build_verifier", "render_verifier"]

_HEX_ID = re.compile(r"[0-9a-f]{64}")


def _msm_input(count: int) -> str:
    """The Vyper expression of the MSM input: IC[i] || input[i-1] for i in 1..count."""
    parts = [f"IC{i}, convert(inputs[{i - 1}], bytes32)" for i in range(1, count + 1)]
    return f"concat({', '.join(parts)})"


def _zero_hash(size: int) -> str:
    """Keccak-256 of ``size`` zero bytes: the contract's test for the point at infinity."""
    digest: bytes = import_evm_package("vyper.utils").keccak256(bytes(size))
    return "0x" + digest.hex()


def _ic_constants(points: VerifyingKeyPoints) -> str:
    return "\n".join(
        f'IC{i}: constant(Bytes[128]) = x"{encode_g1(p).hex()}"'
        for i, p in enumerate(points.ic)
        if i > 0
    )


def render_verifier(points: VerifyingKeyPoints) -> str:
    """The Vyper source of the verifier of ``points`` (at least one public input)."""
    if points.public_input_count < 1:
        raise EvmError("the verifier needs a key with at least one public input")
    if not _HEX_ID.fullmatch(points.circuit_id):  # it lands in the contract's source
        raise EvmError("the circuit id must be 64 lower-case hex digits")
    return render_template("Verifier.vy", {
        "circuit_id": points.circuit_id, "key_sha256": points.key_sha256,
        "n_inputs": str(points.public_input_count), "scalar_modulus": str(cp.SCALAR_MODULUS),
        "zero_g1_hash": _zero_hash(G1_EVM_BYTES),
        "zero_g2_hash": _zero_hash(G2_EVM_BYTES),
        "alpha": encode_g1(points.alpha_g1).hex(),
        "neg_beta": encode_g2(cp.negate_g2(points.beta_g2)).hex(),
        "neg_gamma": encode_g2(cp.negate_g2(points.gamma_g2)).hex(),
        "neg_delta": encode_g2(cp.negate_g2(points.delta_g2)).hex(),
        "ic0": encode_g1(points.ic[0]).hex(), "ic_constants": _ic_constants(points),
        "msm_input": _msm_input(points.public_input_count),
    })  # fmt: skip


def build_verifier(points: VerifyingKeyPoints) -> tuple[list[dict[str, Any]], bytes]:
    """(ABI, deployment bytecode) of the verifier of ``points``, compiled in-process."""
    return compile_contract(render_verifier(points))
