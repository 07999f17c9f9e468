"""HTTP to one node for a light client: the ``/v1/light`` routes plus the chain routes it reads,
every answer capped at ``MAX_LIGHT_ANSWER_BYTES`` and decoded strictly."""

from __future__ import annotations

from zkpov.client import models as m
from zkpov.client.aio import AsyncZkpovClient
from zkpov.errors import RpcAnswerError
from zkpov.light.models import Bootstrap, Headers, Proofs
from zkpov.node.rpc.epoch_changes import EpochUpdates, decode_epoch_updates

__all__ = [
    "MAX_HEADERS_PER_ANSWER",
    "MAX_LIGHT_ANSWER_BYTES",
    "MAX_PROOFS_PER_ANSWER",
    "LightRpc",
]

MAX_LIGHT_ANSWER_BYTES = 1 << 20
MAX_PROOFS_PER_ANSWER = 16  # the node's caps (zkpov.node.rpc.light_api.MAX_PROOFS, MAX_HEADERS)
MAX_HEADERS_PER_ANSWER = 64


class LightRpc(AsyncZkpovClient):
    """One witness node's RPC, with small answer caps."""

    def __init__(self, url: str, timeout: float = 10.0) -> None:
        super().__init__(url, timeout=timeout, max_response_bytes=MAX_LIGHT_ANSWER_BYTES)

    async def get_finalized(self) -> m.Finalized:
        return await self._get(m.Finalized, "/v1/light/finalized")

    async def get_bootstrap(self, epoch: int) -> Bootstrap:
        return await self._get(Bootstrap, "/v1/light/bootstrap", epoch=epoch)

    async def get_epoch_updates(self, from_epoch: int) -> EpochUpdates:
        """The epoch changes the node serves from ``from_epoch`` on (at most 64), decoded
        strictly (``EpochUpdateFormatError``); they must start at ``from_epoch``, one epoch
        after another."""
        doc = await self._get_transport().get_json(
            "/v1/light/updates", {"from_epoch": str(from_epoch)}
        )
        served = decode_epoch_updates(doc)
        epochs = [update.header.epoch for update in served.updates]
        if epochs != list(range(from_epoch, from_epoch + len(epochs))):
            raise RpcAnswerError(f"/v1/light/updates: epochs {epochs[:4]}... from {from_epoch}")
        return served

    async def get_proofs(self, first: int, last: int) -> Proofs:
        """The proofs the node holds for heights ``first..last``, in increasing height."""
        found = await self._get(Proofs, "/v1/light/proofs", **{"from": first, "to": last})
        heights = [proof.height for proof in found.proofs]
        if heights != sorted(set(heights)) or not all(first <= h <= last for h in heights):
            raise RpcAnswerError("/v1/light/proofs: heights repeated, unordered or not asked for")
        return found

    async def get_headers(self, first: int, last: int) -> tuple[m.Header, ...]:
        """The committed headers of ``first..last``, all of them, in order."""
        found = (
            await self._get(Headers, "/v1/light/headers", **{"from": first, "to": last})
        ).headers
        if [h.height for h in found] != list(range(first, last + 1)):
            raise RpcAnswerError(f"/v1/light/headers: not the headers of heights {first}..{last}")
        return found
