"""The batched native apply (``AccountState.apply_transfers`` over
``AccountTree.apply_transfers_batched``, ``rust/state/batched_apply.rs``) against the
one-by-one loop (``AccountTree.apply_transfers``): the same root and accounts, the same first
error and an unchanged state, and the GIL released while it runs."""

from __future__ import annotations

import threading
import time

import pytest

from zkpov.chain.state import AccountState, InvalidTransfer, Transfer, sign_transfer
from zkpov.crypto import schnorr
from zkpov.errors import DecodeError

TAG = 99
KEYS = [schnorr.generate_keypair() for _ in range(8)]
OUTSIDER = schnorr.generate_keypair()


def funded() -> AccountState:
    state = AccountState(8, chain_tag=TAG)
    for index, key in enumerate(KEYS, start=1):
        state.credit(index, key.public_key, 1000)
    return state


def block(size: int) -> list[Transfer]:
    """``size`` valid transfers: senders 1..8 in turn, to existing and new accounts."""
    out = []
    for i in range(size):
        who, nonce = i % len(KEYS), i // len(KEYS) + 1
        to = (who + 3) % len(KEYS) + 1 if i % 2 else 100 + i % 150
        to_key = KEYS[to - 1].public_key if i % 2 else OUTSIDER.public_key
        out.append(sign_transfer(KEYS[who].secret_key, who + 1, to, to_key, 3, nonce, 1, TAG))
    return out


def by_loop(state: AccountState, transfers: list[Transfer]) -> int:
    return state.native.apply_transfers([t.to_bytes() for t in transfers], TAG)


def outcome(apply: object, transfers: list[Transfer]) -> tuple[str, int, list[object]]:
    state = funded()
    try:
        result = str(apply(state, transfers))  # type: ignore[operator]
    except (ValueError, InvalidTransfer) as exc:  # the loop: ValueError; batched: InvalidTransfer
        result = f"error: {exc}"
    return result, state.root, state.get_accounts()


def test_a_valid_block_gives_the_loops_root_and_accounts() -> None:
    transfers = block(40)
    assert outcome(AccountState.apply_transfers, transfers) == outcome(by_loop, transfers)


def corrupt(transfers: list[Transfer], at: int, **changes: object) -> list[Transfer]:
    fields = {**transfers[at].__dict__, **changes}
    return [*transfers[:at], Transfer(**fields), *transfers[at + 1 :]]  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("at", "changes", "why"),
    [
        (5, {"amount": 4}, "transfer 5: signature"),  # the batch fails; each is checked alone
        (9, {"nonce": 7}, "transfer 9: nonce"),
        (3, {"amount": 10**6}, "transfer 3: signature"),  # signature checked before balance
        (20, {"sender": 77}, "transfer 20: sender account 77 does not exist"),
    ],
)
def test_a_bad_transfer_fails_the_block_as_the_loop_does(
    at: int, changes: dict[str, object], why: str
) -> None:
    transfers = corrupt(block(24), at, **changes)
    batched, looped = outcome(AccountState.apply_transfers, transfers), outcome(by_loop, transfers)
    assert batched == looped
    assert why in batched[0] and batched[1] == funded().root  # unchanged


def test_a_malformed_point_is_an_invalid_transfer() -> None:
    transfers = block(4)
    raw = transfers[2].to_bytes()
    bad = Transfer.from_bytes_unchecked(raw[:72] + b"\xff" * 32 + raw[104:])
    state = funded()
    with pytest.raises(InvalidTransfer, match="signature"):
        state.apply_transfers([*transfers[:2], bad])
    assert state.root == funded().root


def test_the_count_is_capped_before_copying() -> None:
    with pytest.raises(DecodeError, match="at most"):
        funded().native.apply_transfers_batched([b""] * (1 << 16 + 1), TAG)
    with pytest.raises(TypeError):
        funded().native.apply_transfers_batched(["not bytes"], TAG)  # type: ignore[list-item]


def test_the_gil_is_released_while_a_block_applies() -> None:
    """Another Python thread keeps running: its longest pause stays well under the apply's
    time (with the GIL held, the pause is the whole apply)."""
    raw = [t.to_bytes() for t in block(512)]
    state, spent = funded(), [0.0]

    def work() -> None:
        start = time.perf_counter()
        state.native.apply_transfers_batched(raw, TAG)
        spent[0] = time.perf_counter() - start

    worker = threading.Thread(target=work)
    last, longest = time.perf_counter(), 0.0
    worker.start()
    while worker.is_alive():
        now = time.perf_counter()
        longest, last = max(longest, now - last), now
    worker.join()
    assert spent[0] > 0.05 and longest < spent[0] / 2, (longest, spent[0])
