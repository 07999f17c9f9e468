"""Send transfers through a node's RPC and wait for them to commit.

Starts a real one-validator node (see ``local_node.py``) whose genesis funds two accounts. The
typed client ``zkpov.client.AsyncZkpovClient`` reads the sender's next nonce from
``GET /account``, signs the transfer with its Schnorr key, ``POST /broadcast_tx``s it, and polls
``GET /tx`` until it is committed. A transfer the node would not apply (here: more than the
balance) is refused at once, with a reason code.

    python examples/send_transfers.py
"""

from __future__ import annotations

import asyncio

from local_node import run_local_node

from zkpov.client import AsyncZkpovClient, TransferFailedError
from zkpov.node.ops.keys import KeyKind, read_key_file


async def describe_balances(client: AsyncZkpovClient, sender: bytes, recipient: bytes) -> str:
    sent, got = await client.account(public_key=sender), await client.account(public_key=recipient)
    return f"sender {sent.balance}, recipient {got.balance}"


async def main() -> None:
    async with run_local_node() as node, AsyncZkpovClient(node.url) as client:
        sender_file, recipient_file = node.layout.account_key_files[:2]
        key = read_key_file(sender_file, KeyKind.ACCOUNT)
        recipient = read_key_file(recipient_file, KeyKind.ACCOUNT).public
        print(f"balances before: {await describe_balances(client, key.public, recipient)}")
        for amount in (5, 7):
            receipt = await client.send_transfer(key, recipient, amount, fee=1, wait="commit")
            print(
                f"sent {amount} (fee 1): tx {receipt.result.hash.hex()[:16]} committed at height"
                f" {receipt.height}"
            )
        try:
            await client.send_transfer(key, recipient, 10**15, fee=1)
        except TransferFailedError as refused:
            print(f"an overdraft is refused: {refused}")
        print(f"balances after: {await describe_balances(client, key.public, recipient)}")


if __name__ == "__main__":
    asyncio.run(asyncio.wait_for(main(), timeout=300))
