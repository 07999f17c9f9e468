"""zkpov.crypto.bls beyond the vectors: key handling, KeySet, PoP and typed errors."""

from __future__ import annotations

import pytest

from zkpov.crypto import bls
from zkpov.errors import DecodeError

R = 0x73EDA753299D7D483339D80809A1D80553BDA402FFFE5BFEFFFFFFFF00000001


def make_keys(n: int) -> tuple[list[bytes], list[bytes]]:
    sks = [bls.keygen(bytes([i + 1]) * 32) for i in range(n)]
    return sks, [bls.sk_to_pk(sk) for sk in sks]


def test_keygen_is_deterministic_and_checks_ikm_length() -> None:
    assert bls.keygen(b"\x01" * 32) == bls.keygen(b"\x01" * 32)
    assert bls.keygen(b"\x01" * 32, b"a") != bls.keygen(b"\x01" * 32, b"b")
    with pytest.raises(DecodeError, match="at least 32"):
        bls.keygen(b"\x01" * 31)


def test_generate_secret_key_uses_fresh_randomness() -> None:
    assert bls.generate_secret_key() != bls.generate_secret_key()


@pytest.mark.parametrize(
    "sk",
    [bytes(32), R.to_bytes(32, "big"), (R + 1).to_bytes(32, "big"), b"\xff" * 32, b"\x01" * 31],
    ids=["zero", "r", "r+1", "all-ones", "short"],
)
def test_secret_keys_outside_range_are_rejected(sk: bytes) -> None:
    with pytest.raises(DecodeError, match="secret key"):
        bls.sk_to_pk(sk)
    with pytest.raises(DecodeError):
        bls.sign(sk, b"m")
    with pytest.raises(DecodeError):
        bls.pop_prove(sk)


def test_secret_key_r_minus_one_is_accepted() -> None:
    assert len(bls.sk_to_pk((R - 1).to_bytes(32, "big"))) == bls.PUBLIC_KEY_BYTES


def test_public_key_rejects_identity_and_bad_lengths() -> None:
    with pytest.raises(DecodeError, match="infinity"):
        bls.PublicKey.from_bytes(b"\xc0" + bytes(47))
    with pytest.raises(DecodeError, match="48 bytes"):
        bls.PublicKey.from_bytes(b"\xc0" + bytes(46))


def test_public_key_object_round_trip_and_verify() -> None:
    sks, pks = make_keys(1)
    key = bls.PublicKey.from_bytes(pks[0])
    sig = bls.sign(sks[0], b"msg")
    assert key.to_bytes() == pks[0]
    assert key == bls.PublicKey(pks[0])
    assert key.verify(b"msg", sig)
    assert not key.verify(b"other", sig)
    assert not key.verify(b"msg", sig[:-1])


def test_keyset_checks_signers_and_quorum() -> None:
    sks, pks = make_keys(6)
    keyset = bls.KeySet(pks)
    signers = [1, 3, 4]
    agg = bls.aggregate([bls.sign(sks[i], b"block") for i in signers])
    assert len(keyset) == 6
    assert keyset.fast_aggregate_verify(signers, b"block", agg)
    assert bls.fast_aggregate_verify([pks[i] for i in signers], b"block", agg)
    assert not keyset.fast_aggregate_verify([1, 3], b"block", agg)
    assert not keyset.fast_aggregate_verify([1, 3, 3, 4], b"block", agg)
    assert not keyset.fast_aggregate_verify([1, 3, 4, 6], b"block", agg)
    assert not keyset.fast_aggregate_verify([], b"block", agg)
    assert keyset.aggregate_pubkey(signers) == bls.aggregate_pubkeys([pks[i] for i in signers])
    with pytest.raises(DecodeError, match="repeated"):
        keyset.aggregate_pubkey([1, 1])


def test_keyset_rejects_an_invalid_key() -> None:
    _, pks = make_keys(2)
    with pytest.raises(DecodeError, match="public key"):
        bls.KeySet([pks[0], b"\xc0" + bytes(47)])


def test_proof_of_possession() -> None:
    sks, pks = make_keys(2)
    proof = bls.pop_prove(sks[0])
    assert bls.pop_verify(pks[0], proof)
    assert not bls.pop_verify(pks[1], proof)
    # A plain signature over the key uses the other DST and is not a PoP.
    assert not bls.pop_verify(pks[0], bls.sign(sks[0], pks[0]))


def test_batch_verify_detects_swapped_signatures() -> None:
    sks, pks = make_keys(4)
    msgs = [bytes([i]) * 8 for i in range(4)]
    sigs = [bls.sign(sk, m) for sk, m in zip(sks, msgs, strict=True)]
    assert bls.batch_verify(pks, msgs, sigs)
    sigs[0], sigs[1] = sigs[1], sigs[0]
    assert not bls.batch_verify(pks, msgs, sigs)
    assert not bls.batch_verify(pks[:3], msgs, sigs)
    assert not bls.batch_verify([], [], [])


def test_aggregate_rejects_empty_and_undecodable() -> None:
    with pytest.raises(DecodeError, match="empty"):
        bls.aggregate([])
    with pytest.raises(DecodeError, match="empty"):
        bls.aggregate_pubkeys([])
    with pytest.raises(DecodeError, match="signature"):
        bls.aggregate([b"\x00" * 96])


@pytest.mark.parametrize(
    "msg", [b"", b"vote", bytes(range(256)) * 3], ids=["empty", "short", "long"]
)
def test_hashed_message_signs_and_verifies_as_the_plain_calls(msg: bytes) -> None:
    sks, pks = make_keys(2)
    hashed = bls.HashedMessage(msg)
    sig = hashed.sign(sks[0])
    assert sig == bls.sign(sks[0], msg)
    assert hashed.verify(pks[0], sig) and bls.verify(pks[0], msg, sig)
    assert not hashed.verify(pks[1], sig)
    assert not bls.HashedMessage(msg + b"x").verify(pks[0], sig)


def test_hashed_message_matches_py_ecc() -> None:
    from py_ecc.bls import G2ProofOfPossession

    sk = bls.keygen(b"\x05" * 32)
    want = G2ProofOfPossession.Sign(int.from_bytes(sk, "big"), b"outside truth")
    assert bls.HashedMessage(b"outside truth").sign(sk) == want


@pytest.mark.parametrize(
    "sk",
    [bytes(32), R.to_bytes(32, "big"), b"\xff" * 32, b"\x01" * 31, b"\x01" * 33],
    ids=["zero", "r", "all-ones", "short", "long"],
)
def test_hashed_message_rejects_a_bad_secret_key_with_a_typed_error(sk: bytes) -> None:
    with pytest.raises(DecodeError, match="secret key"):
        bls.HashedMessage(b"m").sign(sk)


def test_hashed_message_verify_is_false_for_undecodable_input() -> None:
    sks, pks = make_keys(1)
    hashed = bls.HashedMessage(b"m")
    sig = hashed.sign(sks[0])
    assert not hashed.verify(pks[0], sig[:95])
    assert not hashed.verify(pks[0], b"\xff" * 96)  # not a point
    assert not hashed.verify(pks[0], b"\xc0" + bytes(95))  # the identity
    assert not hashed.verify(b"\xc0" + bytes(47), sig)  # identity key
    assert not hashed.verify(pks[0][:47], sig)
    with pytest.raises(TypeError):
        bls.HashedMessage("m")  # type: ignore[arg-type]
