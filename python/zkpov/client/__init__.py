"""A typed client for a zkpov node's RPC: :class:`ZkpovClient` (blocking) and
:class:`AsyncZkpovClient` (``async``), answering with the frozen dataclasses of
:mod:`zkpov.client.models`, which mirror the node's OpenAPI document.

    from zkpov.client import ZkpovClient
    with ZkpovClient("http://127.0.0.1:26657") as node:
        height = node.status().sync_info.latest_block_height
        block = node.block(height)
"""

from __future__ import annotations

from zkpov.client import models
from zkpov.client.aio import DEFAULT_URL, EVENT_TYPES, AsyncZkpovClient
from zkpov.client.staking import STAKE_KINDS, StakeTerms
from zkpov.client.sync import ZkpovClient
from zkpov.client.transfers import WAIT_STAGES, SigningKey
from zkpov.errors import RpcAnswerError, RpcStatusError, TransferFailedError

__all__ = [
    "DEFAULT_URL",
    "EVENT_TYPES",
    "STAKE_KINDS",
    "WAIT_STAGES",
    "AsyncZkpovClient",
    "RpcAnswerError",
    "RpcStatusError",
    "SigningKey",
    "StakeTerms",
    "TransferFailedError",
    "ZkpovClient",
    "models",
]
