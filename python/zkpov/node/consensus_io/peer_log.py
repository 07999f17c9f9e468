"""One log line when a validator's connection opens and one when it closes (with why)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from zkpov.network.connection import Connection
from zkpov.network.transport import Transport

__all__ = ["PeerLog"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PeerLog:
    """Logs peers by validator index (the genesis order of ``pubkeys``) and address."""

    pubkeys: Sequence[bytes]

    def attach(self, transport: Transport) -> None:
        transport.add_listeners(self.on_connected, self.on_disconnected)

    def _describe(self, conn: Connection) -> dict[str, object]:
        pk = conn.validator_pk
        index = self.pubkeys.index(pk) if pk in self.pubkeys else -1
        return {
            "peer": index,
            "address": f"{conn.address[0]}:{conn.address[1]}",
            "direction": "outbound" if conn.outbound else "inbound",
        }

    def on_connected(self, conn: Connection) -> None:
        fields = self._describe(conn)
        log.info(
            "peer %s connected (%s, %s)", fields["peer"], fields["direction"], fields["address"],
            extra=fields,
        )  # fmt: skip

    def on_disconnected(self, conn: Connection) -> None:
        fields = {**self._describe(conn), "reason": conn.close_reason or "closed"}
        log.info("peer %s disconnected: %s", fields["peer"], fields["reason"], extra=fields)
