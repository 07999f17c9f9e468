"""zkpov.node.ops.key_cache: nodes that share a key cache generate the keys once."""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any

import pytest

from zkpov.crypto import snark
from zkpov.node.ops.key_cache import load_circuit_keys

GENESIS_HASH = b"\x07" * 32


def test_four_nodes_sharing_a_cache_generate_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[int] = []
    real_setup = snark.insecure_setup

    def counted(*args: Any) -> Any:
        calls.append(1)
        return real_setup(*args)

    monkeypatch.setattr(snark, "insecure_setup", counted)
    start = threading.Barrier(4)
    keys: list[bytes] = []

    def node() -> None:
        start.wait()
        _, vk = load_circuit_keys(1, 2, tmp_path / "cache", GENESIS_HASH)
        keys.append(vk.to_bytes())

    threads = [threading.Thread(target=node) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(calls) == 1 and len(keys) == 4 and len(set(keys)) == 1


def test_generation_is_announced_and_timed(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="zkpov.node.ops.key_cache"):
        load_circuit_keys(1, 2, tmp_path, GENESIS_HASH)
        load_circuit_keys(1, 2, tmp_path, GENESIS_HASH)  # cached: no progress lines
    messages = [r.getMessage() for r in caplog.records]
    assert len(messages) == 2
    assert messages[0].startswith("generating circuit keys (batch 1, depth 2)")
    assert messages[1].startswith("circuit keys ready in")
