"""Send transfers through a node's RPC and wait for them to commit.

Starts a real one-validator node (see ``local_node.py``) whose genesis funds two accounts. The
helpers of ``zkpov.node.rpc.client`` read the sender's next nonce from ``GET /account``, sign
the transfer with its Schnorr key, ``POST /broadcast_tx`` it, and poll ``GET /tx`` until it is
committed. A transfer the node would not apply (here: more than the balance) is refused at once,
with a reason code.

    python examples/send_transfers.py
"""

from __future__ import annotations

import asyncio

from local_node import LocalNode, run_local_node

from zkpov.node.ops.keys import KeyKind, read_key_file
from zkpov.node.rpc.client import TransferFailedError, TransferRequest, get_account, send_transfer


async def get_balance(node: LocalNode, public_key: bytes) -> int:
    account = await get_account(node.url, {"public_key": public_key.hex()})
    return int(account["balance"])


async def main() -> None:
    async with run_local_node() as node:
        sender_file, recipient_file = node.layout.account_key_files[:2]
        sender = read_key_file(sender_file, KeyKind.ACCOUNT).public
        recipient = read_key_file(recipient_file, KeyKind.ACCOUNT).public
        print(
            f"balances before: sender {await get_balance(node, sender)},"
            f" recipient {await get_balance(node, recipient)}"
        )
        for amount in (5, 7):
            request = TransferRequest(sender_file, recipient, amount, fee=1, wait="commit")
            result = await send_transfer(node.url, request)
            print(
                f"sent {amount} (fee 1): tx {result['hash'][:16]} committed at height"
                f" {result['height']}"
            )
        try:
            await send_transfer(node.url, TransferRequest(sender_file, recipient, 10**15, fee=1))
        except TransferFailedError as refused:
            print(f"an overdraft is refused: {refused}")
        print(
            f"balances after: sender {await get_balance(node, sender)},"
            f" recipient {await get_balance(node, recipient)}"
        )


if __name__ == "__main__":
    asyncio.run(asyncio.wait_for(main(), timeout=300))
