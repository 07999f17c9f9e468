"""Embed zkpov's consensus in your own process: four ``ConsensusEngine``s, messages moved by hand.

Each engine is one validator (its BLS key, its safety data). This script plays the network:
the round's leader proposes, the others check the proposal and vote, the next leader collects
the votes into a quorum certificate (QC). Jolteon's 2-chain rule commits a block once its child
is certified by a QC whose round follows directly, so the first block commits in round 3.

    python examples/embed_engine.py
"""

from __future__ import annotations

import asyncio

from zkpov import ConsensusConfig, ConsensusEngine
from zkpov.crypto import bls

VALIDATORS = 4
ROUNDS = 4


async def make_engines() -> list[ConsensusEngine]:
    """One engine per validator, each registering the same genesis set (keys with their PoPs)."""
    config = ConsensusConfig.from_preset("minimal")
    secret_keys = [bls.keygen(bytes([i + 1]) * 32) for i in range(VALIDATORS)]
    engines = [ConsensusEngine.new(config, secret_key=sk) for sk in secret_keys]
    for engine in engines:
        for sk in secret_keys:
            await engine.register_validator(10, bls.sk_to_pk(sk), bls.pop_prove(sk))
    return engines


async def play_round(engines: list[ConsensusEngine]) -> None:
    """Leader proposes, followers vote, the next leader aggregates the votes into a QC."""
    # The next leader entered the new round when its QC formed; the others follow on its proposal.
    core = max((engine.core for engine in engines), key=lambda c: c.pacemaker.round)
    leader = core.get_round_leader(core.pacemaker.round)
    assert leader is not None
    proposal = await engines[leader].propose_block([])  # your transactions go here
    block = proposal.block
    print(f"round {block.round}: validator {leader} proposes block {block.id.hex()[:16]}")
    qc = None
    for index, engine in enumerate(engines):
        if index == leader:
            continue  # the leader voted for its own block when it proposed it
        decision = await engine.process_block(proposal)
        assert decision.accepted and decision.vote is not None, decision.reason
        for committed in decision.committed:
            print(f"  validator {index} commits block {committed.id.hex()[:16]}")
        if decision.vote_to is not None:  # the vote goes to the next round's leader
            qc = await engines[decision.vote_to].cast_vote(block.id, decision.vote) or qc
    assert qc is not None
    print(f"  QC for round {qc.round}: signed by more than 2/3 of the stake")


async def main() -> None:
    engines = await make_engines()
    for _ in range(ROUNDS):
        await play_round(engines)


if __name__ == "__main__":
    asyncio.run(main())
