"""RANDAO: reveals are BLS signatures over the epoch; the seed mixes them."""

from __future__ import annotations

from zkpov.chain.seed import compute_epoch_seed, compute_randao_mix
from zkpov.crypto import bls
from zkpov.spec.messages import compute_randao_signing_root
from zkpov.types import Epoch


def test_reveal_is_a_unique_verifiable_signature_over_the_epoch() -> None:
    sk = bls.keygen(b"r" * 32)
    root = compute_randao_signing_root(Epoch(3))
    reveal = bls.sign(sk, root)
    assert bls.verify(bls.sk_to_pk(sk), root, reveal)
    assert reveal == bls.sign(sk, root) and reveal != bls.sign(
        sk, compute_randao_signing_root(Epoch(4))
    )


def test_seed_depends_on_every_reveal_and_the_previous_seed() -> None:
    base = compute_epoch_seed(bytes(32), Epoch(1), [b"a", b"b"])
    assert base != compute_epoch_seed(bytes(32), Epoch(1), [b"a"])
    assert base != compute_epoch_seed(b"\x01" * 32, Epoch(1), [b"a", b"b"])
    assert base == compute_epoch_seed(bytes(32), Epoch(1), [b"b", b"a"])  # XOR mix: order-free
    assert compute_randao_mix(compute_randao_mix(bytes(32), b"x"), b"x") == bytes(32)
