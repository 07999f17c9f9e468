"""Invariants on the evidence of the agreed log, checked as each block becomes agreed:

- ``evidence_validity``: every evidence item decodes and verifies against the set of its
  block's epoch, and its offence is inside the age window (older than the block, younger than
  ``MAX_EVIDENCE_AGE_ROUNDS`` rounds before it);
- ``evidence_once``: no offence is included twice in the log;
- ``honest_slashed``: the agreed chain state slashes only validators that are not honest (an
  honest validator never signs twice in one slot, so no true evidence names it).

They are recomputed here from the blocks and the chain state, not from the voters' check
(:mod:`zkpov.consensus.evidence_check`), so they still hold the log to account with that check
switched off (``SimConfig.test_only_skip_evidence_check``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from zkpov.consensus.evidence_index import EvidenceIndex, get_offence, is_too_old
from zkpov.errors import DecodeError
from zkpov.sim.chain_state import CanonicalChainState
from zkpov.sim.node import SimNode
from zkpov.sim.setup import World
from zkpov.spec.codec.evidence import decode_evidence
from zkpov.spec.evidence import InvalidEvidence, verify_evidence
from zkpov.spec.messages import Block

__all__ = ["CanonicalEvidence", "get_honest_validators", "track_evidence"]


def get_honest_validators(nodes: Sequence[SimNode]) -> frozenset[int]:
    """Validator indices whose every instance is honest (twins are not)."""
    dishonest = {int(n.index) for n in nodes if not n.is_honest}
    return frozenset(int(n.index) for n in nodes) - dishonest


class CanonicalEvidence:
    """Checks the agreed log's evidence; ``chain`` is the agreed chain state."""

    def __init__(
        self,
        chain: CanonicalChainState,
        honest: frozenset[int],
        report: Callable[[str, str], None],
    ) -> None:
        self.chain, self.honest, self.report = chain, honest, report
        self.included = EvidenceIndex()  # offences of the log, pruned past the age window

    def on_block(self, block: Block) -> None:
        """Before the chain state applies ``block`` (its ``vset`` is still the block's)."""
        for item in block.evidence:
            self._check_item(block, item)

    def _check_item(self, block: Block, item: bytes) -> None:
        try:
            evidence = decode_evidence(item)
            verify_evidence(evidence, self.chain.vset)
        except (DecodeError, InvalidEvidence) as exc:
            self.report("evidence_validity", f"block at height {block.height}: {exc}")
            return
        offence = get_offence(evidence)
        if is_too_old(offence, block.round):
            self.report("evidence_validity", f"block at height {block.height}: {offence} age")
        if offence in self.included:
            self.report("evidence_once", f"block at height {block.height} repeats {offence}")
        self.included.add([offence], block.round)

    def after_block(self, block: Block) -> None:
        """After the chain state applied ``block``: nobody honest is slashed."""
        framed = sorted(set(self.chain.get_slashed()) & self.honest)
        if framed:
            self.report("honest_slashed", f"height {block.height} slashed honest {framed}")


def track_evidence(
    world: World, chain: CanonicalChainState, report: Callable[[str, str], None]
) -> CanonicalEvidence:
    """Hook the evidence invariants around the chain state's own hook."""
    checker = CanonicalEvidence(chain, get_honest_validators(world.nodes), report)
    hooks = world.on_canonical_hooks
    hooks.insert(hooks.index(chain.on_block), checker.on_block)
    hooks.insert(hooks.index(chain.on_block) + 1, checker.after_block)
    return checker
