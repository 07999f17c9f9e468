"""A node's ``config.toml``: where it listens, whom it dials, where its keys and data live.

Consensus parameters are not here: they are chain-wide and live in ``genesis.json``. Loading is
strict (``NodeConfigError``): unknown sections or keys, wrong types and bad addresses fail with a
message naming the offending key. Relative paths are resolved against the node's home directory.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tomli_w

from zkpov.config import ConfigError
from zkpov.node.state.block_capacity import DEFAULT_BLOCK_TRANSFERS, MAX_BLOCK_TRANSFERS

__all__ = [
    "NodeConfig",
    "NodeConfigError",
    "PeerAddress",
    "format_address",
    "load_node_config",
    "parse_address",
    "parse_prover",
    "write_node_config",
]

MAX_CONFIG_BYTES = 1024 * 1024
MIN_PRUNE_KEEP_BLOCKS = 1024  # > 2 x reputation_window + exclude rounds of every preset
MAX_PEERS = 1000
CONFIG_FILE = "config.toml"


class NodeConfigError(ConfigError):
    """A config.toml that does not parse or holds an unacceptable value."""


@dataclass(frozen=True)
class PeerAddress:
    """A validator to dial: its BLS key (checked in the signed hello) and its address."""

    validator_public_key: bytes
    host: str
    port: int


@dataclass(frozen=True)
class NodeConfig:
    home: Path
    moniker: str = "zkpov-node"
    p2p_listen: tuple[str, int] = ("127.0.0.1", 26656)
    rpc_listen: tuple[str, int] = ("127.0.0.1", 26657)
    peers: tuple[PeerAddress, ...] = ()
    genesis_file: str = "genesis.json"
    validator_key_file: str = "keys/validator_key.json"
    node_key_file: str = "keys/node_key.json"
    db_dir: str = "data"
    prune_keep_blocks: int = 0  # 0 keeps every block; else >= MIN_PRUNE_KEEP_BLOCKS
    proofs_enabled: bool = True
    prover_threads: int = 0  # 0 lets the prover use every core
    key_cache_dir: str = "data/circuit-keys"  # proving keys, cached by circuit id
    proof_rescue_seconds: int = 30  # then prove another proposer's batch whose proof is missing
    prover: str = "local"  # or "dask://HOST:PORT": a Dask scheduler whose workers prove
    mempool_max_txs: int = 5000
    mempool_max_bytes: int = 16 * 1024 * 1024
    mempool_min_fee: int = 0  # transfers paying less are refused (0, as Cosmos SDK's default)
    max_block_transfers: int = DEFAULT_BLOCK_TRANSFERS  # in our proposals, proofs off

    def get_path(self, relative: str) -> Path:
        path = Path(relative)
        return path if path.is_absolute() else self.home / path


def parse_address(text: str, where: str) -> tuple[str, int]:
    host, sep, port = text.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise NodeConfigError(f"{where}: expected host:port, got {text!r}")
    return host, int(port)


def parse_prover(text: str) -> tuple[str, int] | None:
    """None for ``"local"``, the scheduler's address for ``"dask://HOST:PORT"``."""
    if text == "local":
        return None
    scheme, sep, address = text.partition("://")
    if scheme != "dask" or not sep:
        raise NodeConfigError(
            f'[prover] prover: expected "local" or "dask://HOST:PORT", got {text!r}'
        )
    return parse_address(address, "[prover] prover")


def format_address(address: tuple[str, int]) -> str:
    return f"{address[0]}:{address[1]}"


_SCHEMA: dict[str, dict[str, type]] = {
    "node": {"moniker": str, "genesis_file": str},
    "keys": {"validator_key_file": str, "node_key_file": str},
    "p2p": {"listen": str, "peers": list},
    "rpc": {"listen": str},
    "storage": {"db_dir": str, "prune_keep_blocks": int},
    "prover": {
        "proofs_enabled": bool,
        "prover_threads": int,
        "key_cache_dir": str,
        "proof_rescue_seconds": int,
        "prover": str,
    },
    "mempool": {
        "mempool_max_txs": int,
        "mempool_max_bytes": int,
        "mempool_min_fee": int,
        "max_block_transfers": int,
    },
}


def _check_schema(doc: dict[str, Any]) -> None:
    for section, values in doc.items():
        if section not in _SCHEMA or not isinstance(values, dict):
            raise NodeConfigError(f"unknown section [{section}]")
        for key, value in values.items():
            kind = _SCHEMA[section].get(key)
            if kind is None:
                raise NodeConfigError(f"[{section}] unknown key {key!r}")
            if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
                raise NodeConfigError(f"[{section}] {key}: expected {kind.__name__}")


def _parse_peer(entry: Any, i: int) -> PeerAddress:
    where = f"[p2p] peers[{i}]"
    if not isinstance(entry, dict) or set(entry) != {"validator", "address"}:
        raise NodeConfigError(f"{where}: expected {{validator = hex, address = host:port}}")
    try:
        key = bytes.fromhex(str(entry["validator"]))
    except ValueError as err:
        raise NodeConfigError(f"{where}.validator: not hex") from err
    if len(key) != 48:
        raise NodeConfigError(f"{where}.validator: expected a 48-byte BLS public key")
    host, port = parse_address(str(entry["address"]), f"{where}.address")
    return PeerAddress(key, host, port)


def _check_ranges(config: NodeConfig) -> None:
    if 0 < config.prune_keep_blocks < MIN_PRUNE_KEEP_BLOCKS:
        raise NodeConfigError(
            f"prune_keep_blocks must be 0 (keep all) or at least {MIN_PRUNE_KEEP_BLOCKS}: leader"
            " reputation and the proof debt read recent committed blocks after a restart"
        )
    names = (
        "prune_keep_blocks", "prover_threads", "mempool_max_txs", "mempool_max_bytes",
        "proof_rescue_seconds", "mempool_min_fee",
    )  # fmt: skip
    for name in names:
        if getattr(config, name) < 0:
            raise NodeConfigError(f"{name} must not be negative")
    if not 1 <= config.max_block_transfers <= MAX_BLOCK_TRANSFERS:
        raise NodeConfigError(f"max_block_transfers must be in 1..{MAX_BLOCK_TRANSFERS}")
    parse_prover(config.prover)


def decode_node_config(text: str, home: Path) -> NodeConfig:
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise NodeConfigError(f"config.toml does not parse: {err}") from err
    _check_schema(doc)
    flat = {k: v for section in doc.values() for k, v in section.items()}
    peers = flat.pop("peers", [])
    if len(peers) > MAX_PEERS:
        raise NodeConfigError(f"[p2p] peers: at most {MAX_PEERS}")
    rpc = doc.get("rpc", {}).get("listen")
    flat.pop("listen", None)
    config = NodeConfig(
        home=home,
        **flat,
        p2p_listen=parse_address(
            doc.get("p2p", {}).get("listen", "127.0.0.1:26656"), "[p2p] listen"
        ),
        rpc_listen=parse_address(rpc or "127.0.0.1:26657", "[rpc] listen"),
        peers=tuple(_parse_peer(p, i) for i, p in enumerate(peers)),
    )
    _check_ranges(config)
    return config


def load_node_config(home: Path) -> NodeConfig:
    path = home / CONFIG_FILE
    try:
        with path.open("rb") as fh:
            raw = fh.read(MAX_CONFIG_BYTES + 1)
    except OSError as err:
        raise NodeConfigError(f"cannot read {path}: {err.strerror}") from err
    if len(raw) > MAX_CONFIG_BYTES:
        raise NodeConfigError(f"{path} is larger than {MAX_CONFIG_BYTES} bytes")
    try:
        return decode_node_config(raw.decode(), home)
    except UnicodeDecodeError as err:
        raise NodeConfigError(f"{path} is not UTF-8") from err


def encode_node_config(config: NodeConfig) -> str:
    peers = [
        {"validator": p.validator_public_key.hex(), "address": format_address((p.host, p.port))}
        for p in config.peers
    ]
    doc = {
        "node": {"moniker": config.moniker, "genesis_file": config.genesis_file},
        "keys": {
            "validator_key_file": config.validator_key_file,
            "node_key_file": config.node_key_file,
        },
        "p2p": {"listen": format_address(config.p2p_listen), "peers": peers},
        "rpc": {"listen": format_address(config.rpc_listen)},
        "storage": {"db_dir": config.db_dir, "prune_keep_blocks": config.prune_keep_blocks},
        "prover": {
            "proofs_enabled": config.proofs_enabled,
            "prover_threads": config.prover_threads,
            "key_cache_dir": config.key_cache_dir,
            "proof_rescue_seconds": config.proof_rescue_seconds,
            "prover": config.prover,
        },
        "mempool": {
            "mempool_max_txs": config.mempool_max_txs,
            "mempool_max_bytes": config.mempool_max_bytes,
            "mempool_min_fee": config.mempool_min_fee,
            "max_block_transfers": config.max_block_transfers,
        },
    }
    return tomli_w.dumps(doc)


def write_node_config(config: NodeConfig) -> Path:
    path = config.home / CONFIG_FILE
    path.write_text(encode_node_config(config))
    return path
