"""Execution gas of zkpov's EVM contracts on py-evm's Prague VM (deterministic: no timing).

    python benches/bench_evm.py [--quick]

Rows: the Groth16 verifier on a real proof of the devnet circuit (batch 2, depth 8; ``--quick``:
batch 1, depth 2 — the gas depends only on the 3 public inputs, not on the circuit's size);
RFC 9380 hash-to-G2 alone; ``verify_finalized`` for n validators with k signers (equal stakes,
keys from fixed seeds, QCs signed with zkpov's BLS over zkpov's vote signing root);
``submit_epoch_change`` for n validators, k signers, handing over to a next set of n other keys
(the QC checks of ``verify_finalized`` plus the next set: its commitment, and per validator a
key recompressed and put through the G1 add precompile).
Execution gas excludes the 21,000 transaction base and the calldata cost.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from zkpov.chain.state import AccountState, sign_transfer
from zkpov.crypto import bls, schnorr, snark, vk_json
from zkpov.evm import (
    LocalChain,
    build_light_client,
    build_verifier,
    encode_epoch_change,
    encode_header,
    encode_proof,
    encode_qc,
    get_light_client_setup,
)
from zkpov.node.rpc.epoch_changes import EpochUpdate
from zkpov.spec.encoding import compute_bitfield
from zkpov.spec.messages import BlockHeader, QuorumCert, VoteData
from zkpov.spec.validators import compute_validator_set_commitment
from zkpov.types import BlockId, Epoch, Height, Root, Round, ValidatorIndex

STAKING_ROOT = bytes([2]) * 32  # a running node's headers carry a 32-byte staking root


def groth16_gas(chain: LocalChain, config: snark.CircuitConfig) -> int:
    pk, vk = snark.insecure_setup(config, b"bench-evm")
    alice, bob = schnorr.generate_keypair(), schnorr.generate_keypair()
    state = AccountState(config.tree_depth)
    state.credit(1, alice.public_key, 100)
    transfer = sign_transfer(alice.secret_key, 1, 2, bob.public_key, 7, 1)
    proof, inputs = snark.prove(pk, state, [transfer])
    abi, bytecode = build_verifier(vk_json.get_vk_points(vk, config.circuit_id))
    address = chain.deploy(bytecode)
    result = chain.call(address, abi, "verify", [encode_proof(proof), inputs.as_list()])
    assert result.value is True
    return result.execution_gas


def finality_gas(chain: LocalChain, validators: int, signers: int) -> tuple[int, int]:
    """(verify_finalized gas, hash_to_g2 gas) for ``signers`` of ``validators`` equal stakes."""
    secrets = [bls.keygen(i.to_bytes(4, "big") * 8) for i in range(validators)]
    setup = get_light_client_setup(0, [bls.sk_to_pk(sk) for sk in secrets], [1] * validators,
                                   validators * 2 // 3 + 1)  # fmt: skip
    abi, bytecode = build_light_client("bench", bytes(32), validators)
    address = chain.deploy(bytecode, abi, setup.constructor_args())
    header = BlockHeader(Epoch(0), Round(5), Height(3), BlockId(bytes(32)), ValidatorIndex(0),
                         Root(bytes(32)), bytes(32), bytes(32), bytes(32), bytes(32),
                         bls.sign(secrets[0], b"reveal"), 1_800_000_000_000,
                         setup.header_commitment, b"", STAKING_ROOT)  # fmt: skip
    data = VoteData(Epoch(0), Round(6), BlockId(bytes([1]) * 32), Round(5), header.id)
    signature = bls.aggregate([bls.sign(secrets[i], data.signing_root) for i in range(signers)])
    qc = QuorumCert(data, compute_bitfield(range(signers), validators), signature)
    args = [encode_header(header), encode_qc(qc), setup.validators]
    result = chain.call(address, abi, "verify_finalized", args)
    assert result.value == header.state_root
    h2g2 = chain.call(address, abi, "hash_to_g2", [data.signing_root]).execution_gas
    return result.execution_gas, h2g2


def epoch_change_gas(chain: LocalChain, validators: int, signers: int, bound: int = 0) -> int:
    """``submit_epoch_change`` gas: ``signers`` of ``validators`` equal stakes commit an ending
    header naming a set of ``validators`` other keys, in a contract rendered for ``bound``
    validators (default: exactly ``validators``)."""
    secrets = [bls.keygen(i.to_bytes(4, "big") * 8) for i in range(validators)]
    keys = [bls.sk_to_pk(sk) for sk in secrets]
    next_keys = tuple(bls.sk_to_pk(bls.keygen((i + 1000).to_bytes(4, "big") * 8))
                      for i in range(validators))  # fmt: skip
    stakes = (1,) * validators
    setup = get_light_client_setup(0, keys, stakes, validators * 2 // 3 + 1)
    abi, bytecode = build_light_client("bench", bytes(32), bound or validators)
    address = chain.deploy(bytecode, abi, setup.constructor_args())
    header = BlockHeader(Epoch(0), Round(5), Height(20), BlockId(bytes(32)), ValidatorIndex(0),
                         Root(bytes(32)), bytes(32), bytes(32), bytes(32), bytes(32),
                         bls.sign(secrets[0], b"reveal"), 1_800_000_000_000,
                         setup.header_commitment,
                         compute_validator_set_commitment(1, next_keys, stakes),
                         STAKING_ROOT)  # fmt: skip
    data = VoteData(Epoch(0), Round(6), BlockId(bytes([1]) * 32), Round(5), header.id)
    signature = bls.aggregate([bls.sign(secrets[i], data.signing_root) for i in range(signers)])
    qc = QuorumCert(data, compute_bitfield(range(signers), validators), signature)
    update = EpochUpdate(header, (), qc, next_keys, stakes)  # type: ignore[arg-type]
    args = encode_epoch_change(update, setup.validators)
    return chain.transact(address, abi, "submit_epoch_change", args).execution_gas


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a tiny circuit for the Groth16 row")
    config = snark.CircuitConfig(1, 2) if parser.parse_args().quick else snark.CircuitConfig(2, 8)
    chain = LocalChain()
    rows = [(f"Groth16 verify (batch {config.batch_size}, depth {config.tree_depth}, 3 inputs)",
             groth16_gas(chain, config))]  # fmt: skip
    for validators, signers in [(4, 3), (4, 4), (7, 5), (100, 75), (100, 100)]:
        gas, h2g2 = finality_gas(chain, validators, signers)
        rows.append((f"verify_finalized: {validators} validators, {signers} signers", gas))
    rows.append(("hash-to-G2 alone (RFC 9380, in the contract)", h2g2))
    for validators, signers in [(4, 3), (100, 75)]:
        gas = epoch_change_gas(chain, validators, signers)
        rows.append((f"submit_epoch_change: {validators} validators, {signers} signers", gas))
    gas = epoch_change_gas(chain, 4, 3, bound=100)
    rows.append(("submit_epoch_change: 4 validators, 3 signers (bound 100)", gas))
    print(f"{'case':<62} {'execution gas':>14}")
    for name, gas in rows:
        print(f"{name:<62} {gas:>14,}")


if __name__ == "__main__":
    main()
