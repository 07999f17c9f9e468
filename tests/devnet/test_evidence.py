"""zkpov.devnet.evidence: committed evidence counted once per offence, only if it verifies
against its epoch's committed set, and its offender named by registry index."""

from __future__ import annotations

from tests.consensus.consensus_helpers import CONFIG
from zkpov.consensus.equivocation import build_double_vote
from zkpov.devnet.evidence import count_evidence, decode_items
from zkpov.spec.codec.evidence import encode_evidence
from zkpov.spec.evidence import DoubleVote
from zkpov.spec.messages import Vote, VoteData
from zkpov.spec.signing import get_scheme
from zkpov.spec.validators import ValidatorSet
from zkpov.types import BlockId, Epoch, Round, Stake, ValidatorIndex

SCHEME = get_scheme("bls")
KEYS = [SCHEME.derive_keypair(b"evidence-%d" % i) for i in range(6)]  # 0-3 genesis, 4 joins
REGISTRY = [bytes(pk) for _, pk in KEYS[:5]]  # key 5 is never registered


def make_set(epoch: int, members: list[int]) -> ValidatorSet:
    """The committed set of ``epoch``: consensus index i holds key ``members[i]``."""
    pubkeys = tuple(KEYS[k][1] for k in members)
    return ValidatorSet(Epoch(epoch), pubkeys, (Stake(10),) * len(members), SCHEME, CONFIG)


def double_vote(epoch: int, voter: int, round_: int, signer: int) -> bytes:
    """Consensus index ``voter`` double votes in ``round_`` of ``epoch``, signed by key
    ``signer``."""
    sk = KEYS[signer][0]
    data = VoteData(
        Epoch(epoch), Round(round_), BlockId(b"\x01" * 32), Round(0), BlockId(bytes(32))
    )
    vote = Vote(data, ValidatorIndex(voter), SCHEME.sign(sk, data.signing_root))
    return encode_evidence(DoubleVote(vote, build_double_vote(vote, SCHEME, sk)))


def count(items: list[bytes], sets: dict[int, ValidatorSet]) -> set[tuple[str, int, int, int]]:
    return count_evidence(decode_items(items), sets, REGISTRY)


def test_offences_are_counted_once_and_forged_or_junk_items_not_at_all() -> None:
    sets = {0: make_set(0, [0, 1, 2, 3])}
    items = [
        double_vote(0, 1, 3, signer=1),
        double_vote(0, 1, 3, signer=1),  # the same offence, carried by a second block
        double_vote(0, 1, 4, signer=1),
        double_vote(0, 2, 5, signer=0),  # blames 2, signed by 0: does not verify
        b"junk",
        b"",
    ]
    assert count(items, sets) == {("double_vote", 1, 0, 3), ("double_vote", 1, 0, 4)}


def test_a_joiner_is_named_by_its_registry_index_not_its_place_in_the_set() -> None:
    """Epoch 1: validator 1 has left and the joiner (registry index 4) is consensus index 3,
    so consensus index 1 is registry index 2. Each offence is checked against its own epoch's
    set; one of an epoch without a set, or by an unregistered key, is not counted."""
    sets = {0: make_set(0, [0, 1, 2, 3]), 1: make_set(1, [0, 2, 3, 4]), 2: make_set(2, [0, 5])}
    items = [
        double_vote(1, 3, 7, signer=4),  # the joiner
        double_vote(1, 1, 8, signer=2),  # registry 2, at consensus index 1 in epoch 1
        double_vote(0, 1, 8, signer=1),  # registry 1, in epoch 0: same round, another epoch
        double_vote(1, 3, 9, signer=3),  # consensus 3 in epoch 1 is key 4: does not verify
        double_vote(3, 0, 2, signer=0),  # epoch 3: no set known
        double_vote(2, 1, 2, signer=5),  # key 5 is in a set but not in the registry
    ]
    assert count(items, sets) == {
        ("double_vote", 4, 1, 7),
        ("double_vote", 2, 1, 8),
        ("double_vote", 1, 0, 8),
    }
