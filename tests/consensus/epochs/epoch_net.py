"""A small network of epoch managers for unit tests: zero latency, a tick every ``step``."""

from __future__ import annotations

import dataclasses
from collections import deque
from dataclasses import dataclass, field

from zkpov.chain.containers import ChainState, Validator, ValidatorStatus
from zkpov.chain.state import AccountState, Transfer
from zkpov.chain.transition import compute_genesis_state
from zkpov.config import ConsensusConfig
from zkpov.consensus.actions import (
    Action,
    Commit,
    RecordEvidence,
    ScheduleTimeout,
)
from zkpov.consensus.epochs.manager import EpochManager, ValidatorContext
from zkpov.consensus.epochs.proof import EpochEnding
from zkpov.consensus.epochs.starts import EpochStart, recover_epoch, start_first_epoch
from zkpov.consensus.genesis import make_genesis
from zkpov.consensus.interpreter import ActionInterpreter
from zkpov.consensus.validity import NativeReexecution
from zkpov.spec.messages import Block, Message, QuorumCert
from zkpov.spec.payload import compute_root_bytes
from zkpov.spec.safety_data import SafetyData
from zkpov.spec.signing import SignatureScheme, get_scheme
from zkpov.spec.validators import ValidatorSet
from zkpov.types import BLSPubkey, Epoch, Stake, ValidatorIndex

CONFIG = ConsensusConfig(block_time=0.001, timeout_base=1.0, epoch_length=4)
STAKE = 1000


@dataclass
class EpochNet:
    scheme: SignatureScheme
    keys: list[tuple[bytes, BLSPubkey]]
    first: EpochStart
    account_state: AccountState
    managers: dict[int, EpochManager] = field(default_factory=dict)
    inners: dict[int, NativeReexecution] = field(default_factory=dict)
    stores: dict[int, SafetyData] = field(default_factory=dict)
    logs: dict[int, list[Block]] = field(default_factory=dict)
    roots: dict[int, tuple[Block, QuorumCert]] = field(default_factory=dict)
    persisted: dict[int, list[SafetyData]] = field(default_factory=dict)
    down: set[int] = field(default_factory=set)

    def boot(self, node: int, now: float = 0.0) -> list[Action]:
        """(Re)start ``node`` from its store, committed log and root (its inner checker, a
        state database, survives)."""
        inner = self.inners.setdefault(
            node,
            NativeReexecution(self.first.root.id, self.account_state, Transfer.from_bytes),
        )
        context = ValidatorContext(node, self.keys[node][0], inner)
        recovered = recover_epoch(self.first, self.logs.setdefault(node, []))
        endings = self.managers[node].endings if node in self.managers else []
        manager = EpochManager(
            context, recovered, self.stores.get(node), root=self.roots.get(node), endings=endings
        )
        self.managers[node] = manager
        return manager.start(now)


def make_epoch_net(
    members: int = 4,
    *,
    pending: int = 0,
    exiting: tuple[int, ...] = (),
    config: ConsensusConfig = CONFIG,
    scheme: str = "bls",
    funded: tuple[tuple[int, bytes, int], ...] = (),
) -> EpochNet:
    """``members`` genesis validators (registry 0..members-1), ``pending`` more that join at
    the first boundary, ``exiting`` ones that leave there."""
    sch = get_scheme(scheme)
    keys = [sch.derive_keypair(b"epoch-%d" % i) for i in range(members + pending)]
    pks = tuple(pk for _, pk in keys)
    stakes = tuple(Stake(STAKE) for _ in range(members))
    vset = ValidatorSet(Epoch(0), pks[:members], stakes, sch, config, bytes(32))
    state = _genesis_state(pks, members, exiting)
    accounts = AccountState(8)
    for index, public_key, amount in funded:
        accounts.credit(index, public_key, amount)
    genesis, genesis_qc = make_genesis(vset, compute_root_bytes(accounts.root))
    return EpochNet(sch, keys, start_first_epoch(vset, genesis, genesis_qc, state), accounts)


def make_rotated_net(until: float = 0.06, min_endings: int = 3) -> EpochNet:
    """Four validators, one pending that joins and validator 3 leaving at the first boundary,
    driven until ``until`` with at least ``min_endings`` epoch endings: real endings to test
    what carries and checks them."""
    net = make_epoch_net(4, pending=1, exiting=(3,))
    drive(net, EpochRouter(net), until=until)
    assert len(net.managers[0].endings) >= min_endings
    return net


def _genesis_state(
    pks: tuple[BLSPubkey, ...], members: int, exiting: tuple[int, ...]
) -> ChainState:
    owners = [b"owner-%d" % i for i in range(len(pks))]
    state = compute_genesis_state(pks[:members], [STAKE] * members, owners[:members], bytes(32))
    for i in range(members, len(pks)):
        state.validators.append(Validator(pks[i], owners[i], Stake(STAKE), 0))
        state.initial_supply += STAKE
    for i in exiting:
        state.validators[i] = dataclasses.replace(
            state.validators[i], status=ValidatorStatus.EXITING
        )
    return state


class EpochRouter:
    """Delivers every message at once to every registry node (observers follow the chain)."""

    def __init__(self, net: EpochNet) -> None:
        self.net = net
        self.queue: deque[tuple[int, int, object]] = deque()
        self.log: list[tuple[int, Action]] = []
        self.rejected = 0
        self._interpreters: dict[int, ActionInterpreter] = {}

    def run(self, node: int, actions: list[Action], now: float = 0.0) -> None:
        self._route(node, actions)
        while self.queue:
            dst, src, message = self.queue.popleft()
            if dst in self.net.down or dst not in self.net.managers:
                continue
            try:
                out = self.net.managers[dst].on_message(message, src, now)
            except Exception as exc:
                from zkpov.errors import ZkpovError

                if not isinstance(exc, ZkpovError):
                    raise
                self.rejected += 1
                continue
            self._route(dst, out)

    def restart(self, node: int) -> None:
        self._interpreters.pop(node, None)

    def crash_before(self, src: int, action: Action) -> bool:
        """Tests override this to crash ``src`` just before it executes ``action``."""
        return False

    def _route(self, src: int, actions: list[Action]) -> None:
        interpreter = self._interpreters.get(src)
        if interpreter is None:
            sink = _Sink(self, src)
            persisted = self.net.stores.get(src)
            interpreter = self._interpreters[src] = ActionInterpreter(
                ValidatorIndex(src), sink, persisted
            )
        for action in actions:
            if src not in self.net.down and self.crash_before(src, action):
                self.net.down.add(src)
            if src in self.net.down:
                return
            self.log.append((src, action))
            interpreter.execute_one(action)


class _Sink:
    def __init__(self, router: EpochRouter, src: int) -> None:
        self.router, self.src = router, src

    def persist_safety(self, data: SafetyData) -> None:
        self.router.net.stores[self.src] = data
        self.router.net.persisted.setdefault(self.src, []).append(data)

    def send(self, to: ValidatorIndex, message: Message) -> None:
        self.router.queue.append((to, self.src, message))

    def broadcast(self, message: Message) -> None:
        others = [n for n in self.router.net.managers if n != self.src]
        self.router.queue.extend((d, self.src, message) for d in others)

    def schedule_timeout(self, action: ScheduleTimeout) -> None:
        return None

    def commit(self, action: Commit) -> None:
        net = self.router.net
        net.logs.setdefault(self.src, []).extend(action.blocks)
        root = net.managers[self.src].root
        if root is not None:
            net.roots[self.src] = root

    def record_evidence(self, action: RecordEvidence) -> None:
        return None


def drive(net: EpochNet, router: EpochRouter, until: float, step: float = 0.001) -> float:
    """Boot every node, then tick them all until ``until``; returns the time reached."""
    booted = {n: net.boot(n) for n in range(len(net.keys)) if n not in net.down}
    for node, actions in booted.items():
        router.run(node, actions, 0.0)
    return tick(net, router, 0.0, until, step)


def tick(net: EpochNet, router: EpochRouter, start: float, until: float, step: float) -> float:
    t = start
    while t < until:
        t += step
        for node, manager in list(net.managers.items()):
            if node not in net.down:
                router.run(node, manager.on_tick(t), t)
    return t


def get_endings(net: EpochNet, node: int) -> list[EpochEnding]:
    return net.managers[node].endings
