"""Small networks of consensus cores for unit tests (real BLS unless a test asks otherwise)."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from zkpov.chain.state import AccountState, Transfer
from zkpov.config import ConsensusConfig
from zkpov.consensus.actions import Action, Commit, RecordEvidence, ScheduleTimeout
from zkpov.consensus.core import ConsensusCore
from zkpov.consensus.dispatch import dispatch_message
from zkpov.consensus.factory import ChainStart, build_core
from zkpov.consensus.genesis import make_genesis
from zkpov.consensus.interpreter import ActionInterpreter
from zkpov.consensus.leader import FixedLeaders, LeaderElection
from zkpov.consensus.validity import NativeReexecution
from zkpov.spec.messages import Block, Message, QuorumCert
from zkpov.spec.payload import compute_root_bytes
from zkpov.spec.safety_data import SafetyData
from zkpov.spec.signing import SignatureScheme, get_scheme
from zkpov.spec.validators import ValidatorSet
from zkpov.types import Epoch, Stake, ValidatorIndex

CONFIG = ConsensusConfig(block_time=0.001, timeout_base=1.0)


@dataclass
class Net:
    scheme: SignatureScheme
    vset: ValidatorSet
    sks: list[bytes]
    genesis: Block
    genesis_qc: QuorumCert
    cores: list[ConsensusCore] = field(default_factory=list)


def make_net(
    n: int = 4,
    *,
    scheme: str = "bls",
    stakes: list[int] | None = None,
    leaders: dict[int, int] | None = None,
) -> Net:
    sch = get_scheme(scheme)
    keys = [sch.derive_keypair(b"unit-%d" % i) for i in range(n)]
    vset = ValidatorSet(
        Epoch(0),
        tuple(pk for _, pk in keys),
        tuple(Stake(s) for s in (stakes or [10] * n)),
        sch,
        CONFIG,
    )
    genesis, genesis_qc = make_genesis(vset, compute_root_bytes(AccountState().root))
    net = Net(sch, vset, [sk for sk, _ in keys], genesis, genesis_qc)
    schedule = leaders or {}
    net.cores = [
        make_core(net, i, FixedLeaders({r: ValidatorIndex(v) for r, v in schedule.items()}, n))
        for i in range(n)
    ]
    return net


def make_core(net: Net, index: int, leaders: LeaderElection) -> ConsensusCore:
    return build_core(
        ChainStart(net.vset, net.genesis, net.genesis_qc),
        ValidatorIndex(index),
        net.sks[index],
        None,
        NativeReexecution(net.genesis.id, AccountState(), Transfer.from_bytes),
        leaders=leaders,
    )


class Router:
    """Delivers every message at once (no latency), optionally dropping some nodes' traffic."""

    def __init__(self, net: Net, down: set[int] | None = None) -> None:
        self.net = net
        self.down = down or set()
        self.queue: deque[tuple[int, int, object]] = deque()
        self.log: list[tuple[int, Action]] = []
        self._interpreters: dict[int, ActionInterpreter] = {}

    def run(self, index: int, actions: list[Action], now: float = 0.0) -> None:
        self._route(index, actions)
        while self.queue:
            dst, src, message = self.queue.popleft()
            if dst not in self.down:
                self._route(
                    dst, dispatch_message(self.net.cores[dst], message, ValidatorIndex(src), now)
                )

    def _route(self, src: int, actions: list[Action]) -> None:
        interpreter = self._interpreters.get(src)
        if interpreter is None:
            sink = _QueueSink(self, src)
            interpreter = self._interpreters[src] = ActionInterpreter(ValidatorIndex(src), sink)
            interpreter.persisted = self.net.cores[src].safety.data
        for action in actions:
            self.log.append((src, action))
            if src not in self.down:
                interpreter.execute_one(action)


class _QueueSink:
    """Messages go to the router's queue at once; the rest (stores, timers) is not modelled."""

    def __init__(self, router: Router, src: int) -> None:
        self.router, self.src = router, src

    def persist_safety(self, data: SafetyData) -> None:
        return None

    def send(self, to: ValidatorIndex, message: Message) -> None:
        self.router.queue.append((to, self.src, message))

    def broadcast(self, message: Message) -> None:
        size = len(self.router.net.cores)
        self.router.queue.extend((d, self.src, message) for d in range(size) if d != self.src)

    def schedule_timeout(self, action: ScheduleTimeout) -> None:
        return None

    def commit(self, action: Commit) -> None:
        return None

    def record_evidence(self, action: RecordEvidence) -> None:
        return None
