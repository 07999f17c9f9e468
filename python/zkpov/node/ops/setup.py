"""Lay out node homes: keys (mode 0600), config.toml and a shared genesis.json.

``create_testnet`` is what ``zkpov testnet`` and the devnet use: N validators on loopback, each
dialing all the others, with funded accounts for the built-in transfer load; ``create_home`` is
``zkpov init``'s single validator. Both check every option before they write anything
(``SetupError``) and write their directory whole or not at all (:mod:`zkpov.node.ops.new_dir`).
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from zkpov.chain.state import compute_account_index
from zkpov.config import ConfigError, ConsensusConfig
from zkpov.crypto import bls, snark
from zkpov.node.ops.config import NodeConfig, PeerAddress, write_node_config
from zkpov.node.ops.key_cache import install_ceremony_key
from zkpov.node.ops.keys import (
    KeyKind,
    SecretKeyFile,
    generate_secret,
    get_public_key,
    write_key_file,
)
from zkpov.node.ops.new_dir import build_new_directory
from zkpov.node.state.genesis import (
    MAX_CHAIN_ID_LEN,
    MAX_EPOCH_LENGTH,
    AccountAllocation,
    Genesis,
    GenesisValidator,
    compute_genesis_hash,
    encode_genesis,
)
from zkpov.node.state.genesis_setup import INSECURE_SETUP, GenesisSetup, decode_setup
from zkpov.node.state.stores import create_slashing_db

__all__ = [
    "SetupError",
    "TestnetLayout",
    "check_epoch_length",
    "check_joiners",
    "check_network_options",
    "create_home",
    "create_network",
    "create_node_home",
    "create_testnet",
]

KEYS_DIR = "keys"
MAX_JOINERS = 16
MAX_PORT = 65535


class SetupError(ConfigError):
    """Options that cannot make a network: refused before anything is written."""


@dataclass(frozen=True)
class TestnetLayout:
    __test__ = False  # not a pytest test class

    genesis: Genesis
    homes: tuple[Path, ...]
    account_key_files: tuple[Path, ...]
    # validators that join by transaction: homes whose keys are not in the genesis set, and
    # the funded accounts that pay their self-bonds (one each, in the same order)
    joiner_homes: tuple[Path, ...] = ()
    joiner_account_key_files: tuple[Path, ...] = ()


def check_network_options(
    validators: int, chain_id: str, accounts: int, base_port: int, circuit: tuple[int, int]
) -> None:
    """Raises ``SetupError`` for options that cannot make a working network."""
    if validators < 1:
        raise SetupError("a network needs at least one validator")
    if not 0 < len(chain_id) <= MAX_CHAIN_ID_LEN or not chain_id.isprintable():
        raise SetupError(f"chain id must be 1 to {MAX_CHAIN_ID_LEN} printable characters")
    if not base_port > 0 or base_port + 2 * validators - 1 > MAX_PORT:
        raise SetupError(f"ports {base_port}..{base_port + 2 * validators - 1} are not all valid")
    try:
        snark.CircuitConfig(*circuit)
    except (ValueError, OverflowError) as err:
        raise SetupError(f"circuit (batch {circuit[0]}, depth {circuit[1]}): {err}") from err
    if not 0 <= accounts <= 2 ** circuit[1] // 2:
        raise SetupError(
            f"{accounts} accounts do not fit a depth-{circuit[1]} tree: at most"
            f" {2 ** circuit[1] // 2} (half its slots, so that random keys find free ones)"
        )


def check_epoch_length(epoch_length: int | None) -> None:
    """Raises ``SetupError`` unless ``epoch_length`` is None (one epoch) or 1..MAX_EPOCH_LENGTH."""
    if epoch_length is None:
        return
    if isinstance(epoch_length, bool) or not isinstance(epoch_length, int):
        raise SetupError(f"epoch length must be an integer, got {epoch_length!r}")
    if not 1 <= epoch_length <= MAX_EPOCH_LENGTH:
        raise SetupError(f"epoch length must be 1 to {MAX_EPOCH_LENGTH} blocks, got {epoch_length}")


def _new_key(path: Path, kind: KeyKind) -> SecretKeyFile:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    return write_key_file(path, kind, generate_secret(kind))


def _new_account_keys(paths: Sequence[Path], depth: int) -> list[SecretKeyFile]:
    """Fresh account keys whose account indices at tree ``depth`` are distinct (at depth 8, 8
    random keys collide one time in nine: a genesis may not fund two keys at one index)."""
    keys: list[SecretKeyFile] = []
    taken: set[int] = set()
    for path in paths:
        secret = generate_secret(KeyKind.ACCOUNT)
        while _account_index(secret, depth) in taken:
            secret = generate_secret(KeyKind.ACCOUNT)
        taken.add(_account_index(secret, depth))
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        keys.append(write_key_file(path, KeyKind.ACCOUNT, secret))
    return keys


def _account_index(secret: bytes, depth: int) -> int:
    return compute_account_index(get_public_key(KeyKind.ACCOUNT, secret), depth)


def create_node_home(home: Path, index: int, base_port: int) -> tuple[NodeConfig, SecretKeyFile]:
    """Creates ``home`` with a fresh validator key and node key; returns its (peerless) config."""
    config = NodeConfig(
        home=home,
        moniker=f"node{index}",
        p2p_listen=("127.0.0.1", base_port + 2 * index),
        rpc_listen=("127.0.0.1", base_port + 2 * index + 1),
    )
    validator = _new_key(config.get_path(config.validator_key_file), KeyKind.VALIDATOR)
    _new_key(config.get_path(config.node_key_file), KeyKind.NODE)
    return config, validator


# Each generated validator's stake, in base units: large enough that a block's issuance
# (total stake x reward_rate x block_time / year, floored) is not zero.
VALIDATOR_STAKE = 10**15
ACCOUNT_FUNDS = 1_000_000_000  # each load account's genesis balance
JOINER_FUNDS = VALIDATOR_STAKE + ACCOUNT_FUNDS  # a joiner's account: a genesis-sized bond, fees


def _make_genesis(
    chain_id: str,
    validators: list[tuple[NodeConfig, SecretKeyFile]],
    accounts: list[tuple[SecretKeyFile, int]],
    consensus: ConsensusConfig,
    circuit: tuple[int, int],
    test_network: bool,
    epochs: bool,
    setup: GenesisSetup,
) -> Genesis:
    return Genesis(
        chain_id=chain_id,
        genesis_time=datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        consensus=consensus,
        validators=tuple(
            GenesisValidator(cfg.moniker, key.public, bls.pop_prove(key.secret), VALIDATOR_STAKE)
            for cfg, key in validators
        ),
        accounts=tuple(AccountAllocation(a.public, funds) for a, funds in accounts),
        circuit_batch_size=circuit[0],
        circuit_tree_depth=circuit[1],
        test_network=test_network,
        epochs=epochs,
        setup=setup,
    )


def _with_peers(config: NodeConfig, everyone: list[tuple[NodeConfig, SecretKeyFile]]) -> NodeConfig:
    peers = tuple(
        PeerAddress(key.public, *cfg.p2p_listen) for cfg, key in everyone if cfg.home != config.home
    )
    return dataclasses.replace(config, peers=peers)


def create_network(
    homes: Sequence[Path],
    accounts_dir: Path,
    *,
    chain_id: str = "zkpov-devnet",
    accounts: int = 8,
    base_port: int = 26656,
    consensus: ConsensusConfig | None = None,
    circuit: tuple[int, int] = (2, 8),
    proof_lag: int | None = None,
    key_cache_dir: str | None = None,
    test_network: bool = False,
    epoch_length: int | None = None,
    setup: GenesisSetup = INSECURE_SETUP,
    joiner_homes: Sequence[Path] = (),
) -> TestnetLayout:
    """One validator per home, all dialing each other; funded account keys in ``accounts_dir``.
    ``proof_lag`` overrides ``consensus.proof_lag``: above 0, blocks carry validity proofs (every
    node then loads the circuit keys); ``key_cache_dir`` (relative to each home) lets the nodes
    share cached proving keys; ``test_network`` marks the genesis as a test network (attack modes
    run only there); ``setup`` is the genesis ``setup`` (how the circuit keys were made);
    ``epoch_length`` turns epochs on: the validator set changes every that
    many blocks (None: one epoch, the genesis set for the chain's life); ``joiner_homes`` get
    validator keys outside the genesis set, each with a funded ``joiner{k}.json`` account to
    bond from (it needs epochs: only an epoch change admits a validator)."""
    nodes_in_all, accounts_in_all = len(homes) + len(joiner_homes), accounts + len(joiner_homes)
    check_network_options(nodes_in_all, chain_id, accounts_in_all, base_port, circuit)
    check_joiners(len(joiner_homes), epoch_length)
    check_epoch_length(epoch_length)
    nodes = [create_node_home(home, i, base_port) for i, home in enumerate(homes)]
    joiners = [create_node_home(h, len(homes) + k, base_port) for k, h in enumerate(joiner_homes)]
    account_files = [accounts_dir / f"account{i}.json" for i in range(accounts)]
    joiner_files = [accounts_dir / f"joiner{k}.json" for k in range(len(joiner_homes))]
    account_keys = _new_account_keys(account_files + joiner_files, circuit[1])
    funds = [ACCOUNT_FUNDS] * accounts + [JOINER_FUNDS] * len(joiner_files)
    consensus = consensus or ConsensusConfig.from_preset("minimal")
    if proof_lag is not None:
        consensus = dataclasses.replace(consensus, proof_lag=proof_lag)
    if epoch_length is not None:
        consensus = dataclasses.replace(consensus, epoch_length=epoch_length)
    epochs = epoch_length is not None
    allocations = list(zip(account_keys, funds, strict=True))
    genesis = _make_genesis(
        chain_id, nodes, allocations, consensus, circuit, test_network, epochs, setup
    )
    text = encode_genesis(genesis)
    for config, _ in nodes + joiners:  # joiners dial the genesis set, which admits them later
        if key_cache_dir is not None:
            config = dataclasses.replace(config, key_cache_dir=key_cache_dir)
        write_node_config(_with_peers(config, nodes))
        config.get_path(config.genesis_file).write_text(text)
        # the keys are brand new, so they have never signed: an empty slashing database is right
        create_slashing_db(config.get_path(config.db_dir), compute_genesis_hash(genesis))
    return TestnetLayout(
        genesis, tuple(cfg.home for cfg, _ in nodes), tuple(account_files),
        tuple(cfg.home for cfg, _ in joiners), tuple(joiner_files),
    )  # fmt: skip


def check_joiners(joiners: int, epoch_length: int | None) -> None:
    """Raises ``SetupError`` unless ``joiners`` validators can join this network."""
    if not joiners:
        return
    if epoch_length is None:
        raise SetupError("joining validators need epochs (an epoch length)")
    if not 0 < joiners <= MAX_JOINERS:
        raise SetupError(f"joining validators must be 1 to {MAX_JOINERS}, got {joiners}")


def create_testnet(
    output: Path,
    validators: int,
    ceremony: tuple[snark.ProvingKey, bytes] | None = None,
    **options: Any,
) -> TestnetLayout:
    """``output/node{i}`` homes and ``output/accounts`` keys (see ``create_network``; option
    ``joiners``: that many more homes, ``node{validators + k}``, joining by transaction); nodes
    share ``output/circuit-keys`` and their genesis is marked a test network. ``output`` must be
    missing or empty. ``ceremony`` (a verified ceremony's proving key and transcript hash) is
    installed in the shared key cache and pinned by the genesis ``setup``."""
    options.setdefault("key_cache_dir", "../circuit-keys")
    options.setdefault("test_network", True)
    joiners = options.pop("joiners", 0)
    with build_new_directory(output) as work:
        if ceremony is not None:
            setup = install_ceremony_key(work / "circuit-keys", *ceremony)
            options["setup"] = decode_setup(setup)
        homes = [work / f"node{i}" for i in range(validators)]
        options["joiner_homes"] = [work / f"node{validators + k}" for k in range(joiners)]
        layout = create_network(homes, work / "accounts", **options)
    return _moved(layout, work, output)


def create_home(home: Path, chain_id: str) -> TestnetLayout:
    """A single-validator home with one funded account key under ``home/keys``."""
    with build_new_directory(home) as work:
        layout = create_network([work], work / KEYS_DIR, chain_id=chain_id, accounts=1)
    return _moved(layout, work, home)


def _moved(layout: TestnetLayout, old: Path, new: Path) -> TestnetLayout:
    def move(path: Path) -> Path:
        return new / path.relative_to(old)

    return dataclasses.replace(
        layout,
        homes=tuple(move(h) for h in layout.homes),
        account_key_files=tuple(move(a) for a in layout.account_key_files),
        joiner_homes=tuple(move(h) for h in layout.joiner_homes),
        joiner_account_key_files=tuple(move(a) for a in layout.joiner_account_key_files),
    )
