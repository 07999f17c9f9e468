"""From a genesis document to consensus objects: validator set, genesis state, a core.

Every node of a chain derives the same validator set, genesis block and root QC from the same
``genesis.json``; the epoch-0 seed is the genesis hash, so leaders are fixed by the document.
"""

from __future__ import annotations

from zkpov.chain.state import AccountState, compute_account_index, compute_chain_tag
from zkpov.consensus.factory import ChainStart, start_chain
from zkpov.errors import ValidatorError
from zkpov.node.state.genesis import Genesis, compute_genesis_hash
from zkpov.spec.payload import compute_root_bytes
from zkpov.spec.signing import get_scheme
from zkpov.spec.validators import ValidatorSet
from zkpov.types import BLSPubkey, Epoch, Stake, ValidatorIndex

__all__ = [
    "build_chain_start",
    "build_genesis_state",
    "build_validator_set",
    "get_validator_index",
]


def build_genesis_state(genesis: Genesis) -> AccountState:
    """Accounts funded at their conventional index (``compute_account_index``), on the network
    whose chain tag the genesis hash gives."""
    chain_tag = compute_chain_tag(compute_genesis_hash(genesis))
    state = AccountState(genesis.circuit_tree_depth, chain_tag)
    for account in genesis.accounts:
        index = compute_account_index(account.public_key, genesis.circuit_tree_depth)
        state.credit(index, account.public_key, account.balance)
    return state


def build_chain_start(genesis: Genesis, scheme: str = "bls") -> ChainStart:
    vset = build_validator_set(genesis, scheme)
    return start_chain(vset, compute_root_bytes(build_genesis_state(genesis).root))


def build_validator_set(genesis: Genesis, scheme: str = "bls") -> ValidatorSet:
    """The genesis validator set (without the accounts' tree, which costs a hash per level of
    each account)."""
    return ValidatorSet(
        Epoch(0),
        tuple(BLSPubkey(v.bls_public_key) for v in genesis.validators),
        tuple(Stake(v.stake) for v in genesis.validators),
        get_scheme(scheme),
        genesis.consensus,
        compute_genesis_hash(genesis),
    )


def get_validator_index(start: ChainStart, public_key: bytes) -> ValidatorIndex:
    try:
        return ValidatorIndex(start.vset.pubkeys.index(BLSPubkey(public_key)))
    except ValueError as err:
        raise ValidatorError("this validator key is not in the genesis validator set") from err
