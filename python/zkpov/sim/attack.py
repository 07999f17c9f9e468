"""What a Byzantine rewrite works with: its node, the world, and the extra actions it may emit."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from zkpov.consensus.actions import Action
from zkpov.consensus.core import ConsensusCore
from zkpov.consensus.equivocation import sign_proposal
from zkpov.sim.node import SimNode
from zkpov.spec.messages import Block, Proposal, QuorumCert, TimeoutCert
from zkpov.spec.signing import SignatureScheme
from zkpov.spec.validators import ValidatorSet

__all__ = [
    "Attacker",
    "Delayed",
    "Equivocation",
    "Later",
    "Output",
    "Rewrite",
    "WorldView",
    "per_action",
    "resign",
]


@dataclass(frozen=True)
class Equivocation:
    """Two proposals to deliver in opposite orders to the two halves of the network."""

    first: Proposal
    second: Proposal


@dataclass(frozen=True)
class Delayed:
    """``action``, performed ``delay`` seconds later."""

    delay: float
    action: Action


@dataclass(frozen=True)
class Later:
    """What ``make()`` returns, computed and performed ``delay`` seconds later."""

    delay: float
    make: Callable[[], Sequence[Output]]


Output = Action | Equivocation | Delayed | Later


class WorldView(Protocol):
    """What an attacker reads of the simulated world (a :class:`~zkpov.sim.setup.World`)."""

    @property
    def vset(self) -> ValidatorSet: ...

    @property
    def nodes(self) -> Sequence[SimNode]: ...

    @property
    def genesis(self) -> Block: ...

    @property
    def genesis_qc(self) -> QuorumCert: ...


@dataclass
class Attacker:
    """A Byzantine node's view: its key and core, the validator set, the genesis, the other
    nodes' behaviours (for its coalition), and virtual time."""

    node: SimNode
    world: WorldView
    now: float

    @property
    def sk(self) -> bytes:
        return self.node.sk

    @property
    def vset(self) -> ValidatorSet:
        return self.world.vset

    @property
    def scheme(self) -> SignatureScheme:
        return self.world.vset.scheme

    @property
    def core(self) -> ConsensusCore | None:
        return self.node.core

    @property
    def state(self) -> dict[str, Any]:
        """Per-node attack memory (survives between steps)."""
        return self.node.attack

    def get_coalition(self) -> set[int]:
        """Validator indices sharing this node's behaviour."""
        behaviour = self.node.behaviour
        return {int(n.index) for n in self.world.nodes if n.behaviour == behaviour}


Rewrite = Callable[[Sequence[Action], Attacker], list[Output]]


def per_action(rewrite: Callable[[Action, Attacker], list[Output]]) -> Rewrite:
    """A list rewrite applying ``rewrite`` to each action in turn."""

    def run(actions: Sequence[Action], attacker: Attacker) -> list[Output]:
        result: list[Output] = []
        for action in actions:
            result += rewrite(action, attacker)
        return result

    return run


def resign(block: Block, attacker: Attacker, tc: TimeoutCert | None) -> Proposal:
    """``block`` signed by the attacker, with ``tc``."""
    return sign_proposal(block, attacker.scheme, attacker.sk, tc)
