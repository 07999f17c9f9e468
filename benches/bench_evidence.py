"""What evidence and the staking ledger cost a node (issue 12 items 3 and 4).

    python benches/bench_evidence.py [--repeat 20]

- a block's evidence signatures: 16 double votes (32 BLS signatures) checked in one randomized
  batch (what ``EvidenceChecker`` does) against one verification each (the peer, as
  ``verify_evidence`` checks them), both straight on ``zkpov.crypto.bls`` (no cache);
- a whole block with 16 double votes through ``EvidenceChecker.check_block`` (fresh checker and
  signature cache each time);
- the staking ledger per committed block: ``process_block`` on a copy and the encoding written
  with the commit, for 4 validators.

Prints medians in milliseconds and the batch's speed-up; quote ``uptime``'s load with them.
"""

from __future__ import annotations

import argparse
import copy
import dataclasses

from timing import median_ms

from zkpov.chain.ledger_codec import encode_chain_state
from zkpov.chain.state import AccountState, Transfer
from zkpov.chain.transition import compute_genesis_state, process_block
from zkpov.config import ConsensusConfig
from zkpov.consensus.evidence_check import EvidenceChecker
from zkpov.consensus.evidence_index import EvidenceIndex
from zkpov.consensus.genesis import make_genesis
from zkpov.consensus.validity import NativeReexecution
from zkpov.crypto import bls
from zkpov.spec import signing
from zkpov.spec.codec.evidence import encode_evidence
from zkpov.spec.evidence import DoubleVote
from zkpov.spec.messages import Block, Vote, VoteData
from zkpov.spec.payload import compute_root_bytes
from zkpov.spec.validators import ValidatorSet
from zkpov.types import BlockId, Epoch, Height, Round, Stake, ValidatorIndex

N = 16
SCHEME = signing.get_scheme("bls")
KEYS = [SCHEME.derive_keypair(b"bench-%d" % i) for i in range(N)]
VSET = ValidatorSet(
    Epoch(0), tuple(pk for _, pk in KEYS), tuple(Stake(10**15) for _ in KEYS), SCHEME,
    ConsensusConfig(),
)  # fmt: skip
GENESIS, GENESIS_QC = make_genesis(VSET, compute_root_bytes(AccountState().root))


def double_vote(voter: int) -> DoubleVote:
    votes = []
    for fill in (b"\x01", b"\x02"):
        data = VoteData(Epoch(0), Round(1), BlockId(fill * 32), Round(0), GENESIS.id)
        votes.append(
            Vote(data, ValidatorIndex(voter), SCHEME.sign(KEYS[voter][0], data.signing_root))
        )
    return DoubleVote(*votes)


EVIDENCE = [double_vote(i) for i in range(N)]
BLOCK = Block(
    Epoch(0), Round(2), Height(1), GENESIS.id, ValidatorIndex(0), GENESIS.state_root, GENESIS_QC,
    evidence=tuple(encode_evidence(e) for e in EVIDENCE),
)  # fmt: skip
TRIPLES = [
    (bytes(KEYS[v.voter][1]), v.vote_data.signing_root, v.signature)
    for e in EVIDENCE for v in (e.first, e.second)
]  # fmt: skip


def check_block() -> None:
    signing.VERIFICATION_CACHE.results.clear()
    native = NativeReexecution(GENESIS.id, AccountState(), Transfer.from_bytes)
    EvidenceChecker(native, VSET, EvidenceIndex()).check_block(BLOCK, GENESIS)


def run_ledger() -> None:
    state = compute_genesis_state(
        VSET.pubkeys[:4], VSET.stakes[:4], [b"a", b"b", b"c", b"d"], bytes(32)
    )
    vset = ValidatorSet(Epoch(0), VSET.pubkeys[:4], VSET.stakes[:4], SCHEME, ConsensusConfig())
    genesis, qc = make_genesis(vset, GENESIS.state_root)
    block = dataclasses.replace(BLOCK, parent_id=genesis.id, qc=qc, evidence=())
    copied = copy.deepcopy(state)
    process_block(copied, vset.config, vset, block)
    encode_chain_state(copied)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=20)
    repeat = parser.parse_args().repeat
    pks, msgs, sigs = (list(x) for x in zip(*TRIPLES, strict=True))
    batch = median_ms(lambda: bls.batch_verify(pks, msgs, sigs), repeat)
    single = median_ms(lambda: all(bls.verify(*t) for t in TRIPLES), repeat)
    print(f"{len(TRIPLES)} evidence signatures: batch {batch:7.2f} ms, one by one {single:7.2f} ms,"
          f" batch is {single / batch:.2f}x faster")  # fmt: skip
    print(f"check_block, {N} double votes:       {median_ms(check_block, repeat):7.2f} ms")
    print(f"ledger per committed block (4 vals): {median_ms(run_ledger, repeat):7.2f} ms")


if __name__ == "__main__":
    main()
