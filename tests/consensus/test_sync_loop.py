"""A node that cannot apply a block it is sent (issue: a proofs-on devnet node that stalled at
an epoch boundary while receiving about 600 MB of sync answers) must not ask for it again and
again: the answers its peers send over ten minutes stay few and their bytes bounded."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from tests.consensus.consensus_helpers import CONFIG, Net, Router, make_net
from tests.consensus.test_core import drive
from zkpov.consensus.actions import Action, Broadcast, SendTo
from zkpov.consensus.limits import SYNC_FANOUT
from zkpov.consensus.sync_guard import REFUSE_FACTOR
from zkpov.consensus.validity import ValidityChecker
from zkpov.spec.codec.messages import encode_message
from zkpov.spec.messages import Block, BlockRequest, BlockResponse, Proposal
from zkpov.spec.payload import InvalidBlock
from zkpov.types import BlockId, Root, ValidatorIndex

LAGGING = 3
PEERS = (0, 1, 2)
TEN_MINUTES = 600.0


@dataclass
class Refusing:
    """The lagging node's checker, refusing the given blocks (as a node whose state for them
    differs from the chain's would)."""

    inner: ValidityChecker
    bad: set[BlockId]

    def check_block(self, block: Block, parent: Block) -> None:
        if block.id in self.bad:
            raise InvalidBlock("refused for the test")
        self.inner.check_block(block, parent)

    def compute_post_root(self, parent: Block, payload: bytes) -> Root:
        return self.inner.compute_post_root(parent, payload)

    def on_commit(self, block: Block) -> None:
        self.inner.on_commit(block)


@dataclass
class Traffic:
    requests: int = 0
    answers: int = 0
    answer_bytes: int = 0
    per_peer: dict[int, int] = field(default_factory=dict)


def make_lagging_net() -> tuple[Net, Proposal]:
    """Three validators build a chain while the fourth hears nothing (it is at genesis);
    also their newest proposal."""
    net = make_net(4, scheme="insecure-hash", leaders={r: r % 3 for r in range(1, 200)})
    router = Router(net, down={LAGGING})
    drive(net, router, until=0.05)
    sent = [a.message for _, a in router.log if isinstance(a, Broadcast)]
    return net, [m for m in sent if isinstance(m, Proposal)][-1]


def catch_up(
    net: Net, proposal: Proposal, refuse_height: int | None, seconds: float = TEN_MINUTES
) -> Traffic:
    """The lagging node hears the peers' newest proposal once a second (a leader's
    retransmission) and ticks for ``seconds``; every block request it sends is answered by
    that peer's core at once."""
    core, traffic = net.cores[LAGGING], Traffic()
    bad = {b.id for b in net.cores[0].tree.blocks.values() if b.height == refuse_height}
    core.sync.checker = Refusing(core.checker, bad)
    queue: deque[Action] = deque()
    t = 0.0
    while t < seconds:
        if t == int(t):
            queue.extend(core.on_proposal(proposal, t))
        while queue:
            queue.extend(deliver(net, queue.popleft(), traffic, t))
        t += 0.25
        queue.extend(core.on_tick(t))
    return traffic


def deliver(net: Net, action: Action, traffic: Traffic, now: float) -> list[Action]:
    """A block request to a peer, answered; the answer handed to the lagging node."""
    if not isinstance(action, SendTo) or not isinstance(action.message, BlockRequest):
        return []
    traffic.requests += 1
    peer = int(action.to)
    out: list[Action] = []
    for answer in net.cores[peer].on_block_request(action.message, ValidatorIndex(LAGGING)):
        response = answer.message  # type: ignore[attr-defined]
        assert isinstance(response, BlockResponse)
        traffic.answers += 1
        traffic.answer_bytes += len(encode_message(response))
        traffic.per_peer[peer] = traffic.per_peer.get(peer, 0) + 1
        out += net.cores[LAGGING].on_block_response(response, ValidatorIndex(peer), now)
    return out


def test_a_lagging_node_that_can_apply_the_chain_catches_up_with_few_answers() -> None:
    net, proposal = make_lagging_net()
    traffic = catch_up(net, proposal, refuse_height=None, seconds=5.0)
    lagging, ahead = net.cores[LAGGING].tree, net.cores[0].tree
    assert max(b.height for b in lagging.blocks.values()) >= ahead.root.height
    assert traffic.answers <= 16


def test_a_block_the_node_cannot_apply_is_not_fetched_again_and_again() -> None:
    """Before the fix: 58,800 answers (600 MB) in these ten minutes. Now one answer per asked
    peer each time the refusal of the block runs out."""
    net, proposal = make_lagging_net()
    traffic = catch_up(net, proposal, refuse_height=2)
    assert max(b.height for b in net.cores[LAGGING].tree.blocks.values()) == 1
    hold = REFUSE_FACTOR * CONFIG.timeout_base
    rounds = int(TEN_MINUTES // hold) + 1
    assert traffic.answers <= SYNC_FANOUT * rounds, traffic
    assert traffic.answer_bytes <= 1024 * 1024, traffic
    sync = net.cores[LAGGING].sync
    assert not sync.orphans and not sync.requests  # nothing above the refused block is kept
