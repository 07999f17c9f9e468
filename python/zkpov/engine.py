"""``ConsensusEngine``: one validator's consensus as a library (docs/design.md "Public API").

For people who embed zkpov in their own process and move messages themselves. The engine is the
sans-I/O core plus what a validator needs around it: a validator set built from
``register_validator`` calls (each key with its proof of possession), native re-execution of
transfers, safety data persisted before a vote is returned, and Groth16 proofs of state
transitions. The node (``zkpov start``) is the same core driven by the network instead.

    engine = ConsensusEngine.new(config, secret_key=sk)
    await engine.register_validator(stake, pk, proof_of_possession=pop)   # the genesis set
    proposal = await engine.propose_block(transactions)    # when this validator leads
    decision = await engine.process_block(proposal)       # ConsensusDecision (vote or reason)
    qc = await engine.cast_vote(block_hash, vote)          # at the next leader: QC once >2/3
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from zkpov.chain.state import AccountState, Transfer
from zkpov.config import ConsensusConfig
from zkpov.consensus.actions import (
    Action,
    Broadcast,
    Commit,
    RecordEvidence,
    ScheduleTimeout,
    SendTo,
)
from zkpov.consensus.core import BlockBody, ConsensusCore
from zkpov.consensus.evidence_check import EvidenceChecker
from zkpov.consensus.evidence_index import EvidenceIndex
from zkpov.consensus.factory import build_core, start_chain
from zkpov.consensus.interpreter import ActionInterpreter
from zkpov.consensus.validity import NativeReexecution
from zkpov.crypto import bls, snark
from zkpov.errors import (
    ConsensusError,
    ProposalError,
    ValidatorError,
    VotingError,
    ZkpovError,
)
from zkpov.spec.codec.payload import encode_payload
from zkpov.spec.messages import Block, Message, Proposal, QuorumCert, Vote
from zkpov.spec.payload import compute_root_bytes
from zkpov.spec.safety_data import SafetyData
from zkpov.spec.signing import get_scheme
from zkpov.spec.validators import ValidatorSet
from zkpov.storage.interface import SafetyStore
from zkpov.storage.memory import MemorySafetyStore
from zkpov.types import BLSPubkey, Epoch, Stake, ValidatorIndex

__all__ = ["ConsensusDecision", "ConsensusEngine", "StateTransition", "ZKProof"]


@dataclass(frozen=True)
class ConsensusDecision:
    """What processing a proposal led to: our vote (to send to ``vote_to``), or why not."""

    accepted: bool
    vote: Vote | None = None
    vote_to: ValidatorIndex | None = None
    reason: str = ""
    committed: tuple[Block, ...] = ()


@dataclass(frozen=True)
class StateTransition:
    pre_state: AccountState
    transfers: tuple[Transfer, ...]


@dataclass(frozen=True)
class ZKProof:
    proof: bytes
    public_inputs: snark.PublicInputs
    circuit_id: str


@dataclass
class _Registry:
    pubkeys: list[bytes] = field(default_factory=list)
    stakes: list[int] = field(default_factory=list)


class _EngineSink:
    """Persists safety data, remembers our proposals, and hands every other action back."""

    def __init__(self, store: SafetyStore, proposals: dict[int, Proposal]) -> None:
        self.store, self.proposals = store, proposals
        self.out: list[Action] = []
        self.own_votes: list[Vote] = []

    def persist_safety(self, data: SafetyData) -> None:
        self.store.save(data)

    def send(self, to: ValidatorIndex, message: Message) -> None:
        self.out.append(SendTo(to, message))
        if isinstance(message, Vote) and message.voter == to:  # we lead next: our own vote
            self.own_votes.append(message)

    def broadcast(self, message: Message) -> None:
        if isinstance(message, Proposal):
            self.proposals[message.block.round] = message
        self.out.append(Broadcast(message))

    def schedule_timeout(self, action: ScheduleTimeout) -> None:
        self.out.append(action)

    def commit(self, action: Commit) -> None:
        self.out.append(action)

    def record_evidence(self, action: RecordEvidence) -> None:
        self.out.append(action)

    def take_own_votes(self) -> list[Vote]:
        votes, self.own_votes = self.own_votes, []
        return votes


class ConsensusEngine:
    def __init__(
        self,
        config: ConsensusConfig,
        *,
        secret_key: bytes | None = None,
        genesis_state: AccountState | None = None,
        safety_store: SafetyStore | None = None,
        circuit_keys: tuple[snark.ProvingKey, snark.VerifyingKey] | None = None,
    ) -> None:
        self.config = config
        self.secret_key = secret_key if secret_key is not None else bls.generate_secret_key()
        self.public_key = bls.sk_to_pk(self.secret_key)
        self.genesis_state = genesis_state if genesis_state is not None else AccountState()
        self.safety_store = safety_store if safety_store is not None else MemorySafetyStore()
        self.circuit_keys = circuit_keys
        self._registry = _Registry()
        self._core: ConsensusCore | None = None
        self._payload = b""
        self._proposals: dict[int, Proposal] = {}
        self._sink = _EngineSink(self.safety_store, self._proposals)
        self._interpreter: ActionInterpreter | None = None
        self.core_restarts = 0
        # offences committed blocks included; outlives core rebuilds (finality is never reverted)
        self._offences = EvidenceIndex()

    @classmethod
    def new(cls, config: ConsensusConfig, **options: object) -> ConsensusEngine:
        return cls(config, **options)  # type: ignore[arg-type]

    # -- validator set ------------------------------------------------------------------------

    async def register_validator(
        self, stake: int, public_key: bytes, proof_of_possession: bytes | None = None
    ) -> ValidatorIndex:
        """Adds a genesis validator; its key must come with a proof of possession (the
        engine makes its own). Registration closes when consensus starts."""
        if self._core is not None:
            raise ValidatorError("the validator set is fixed once consensus has started")
        if stake < self.config.min_stake or stake <= 0:
            raise ValidatorError(f"stake must be at least min_stake = {self.config.min_stake}")
        pop = proof_of_possession
        if pop is None and public_key == self.public_key:
            pop = bls.pop_prove(self.secret_key)
        if pop is None or not bls.pop_verify(public_key, pop):
            raise ValidatorError("a validator key needs a valid proof of possession")
        if public_key in self._registry.pubkeys:
            raise ValidatorError("this key is already registered")
        self._registry.pubkeys.append(public_key)
        self._registry.stakes.append(stake)
        return ValidatorIndex(len(self._registry.pubkeys) - 1)

    @property
    def core(self) -> ConsensusCore:
        if self._core is None:
            self._core = self._start()
        return self._core

    def _start(self) -> ConsensusCore:
        if self.public_key not in self._registry.pubkeys:
            raise ValidatorError("register this engine's own key before starting consensus")
        pks = tuple(BLSPubkey(pk) for pk in self._registry.pubkeys)
        stakes = tuple(Stake(s) for s in self._registry.stakes)
        vset = ValidatorSet(Epoch(0), pks, stakes, get_scheme("bls"), self.config, bytes(32))
        start = start_chain(vset, compute_root_bytes(self.genesis_state.root))
        native = NativeReexecution(start.block.id, self.genesis_state.copy(), Transfer.from_bytes)
        checker = EvidenceChecker(native, vset, self._offences)  # every voter checks evidence
        index = ValidatorIndex(pks.index(BLSPubkey(self.public_key)))
        persisted = self.safety_store.load()
        core = build_core(
            start,
            index,
            self.secret_key,
            persisted,
            checker,
            payload_source=lambda _: BlockBody(self._payload),
            wall_offset_ms=round((time.time() - time.monotonic()) * 1000),
        )
        self._interpreter = ActionInterpreter(index, self._sink, persisted)
        self._execute(core.start(time.monotonic()), core)
        return core

    # -- consensus ------------------------------------------------------------------------------

    def _execute(self, actions: list[Action], core: ConsensusCore | None = None) -> list[Action]:
        """Carries out actions through the shared interpreter (safety data persisted before
        any vote is handed out), feeds our own vote back to the core when we lead next, and
        returns what was not persisted, our own proposals and self-deliveries included."""
        core = core or self.core
        assert self._interpreter is not None  # made with the core
        out: list[Action] = []
        pending = [actions]
        while pending:
            self._sink.out = []
            self._interpreter.execute(pending.pop(0))
            out += self._sink.out
            for vote in self._sink.take_own_votes():
                pending.append(core.on_vote(vote, time.monotonic()))
        return out

    def _run(self, handler: Callable[[], list[Action]]) -> list[Action]:
        """Run a core handler; a non-protocol exception is fatal for the core: drop it (the next
        call rebuilds it from the safety store) and report a ``ConsensusError``."""
        try:
            return self._execute(handler())
        except ZkpovError:
            raise
        except Exception as exc:
            self._core = None
            self.core_restarts += 1
            raise ConsensusError(f"consensus core failed and was reset: {exc!r}") from exc

    async def propose_block(self, transactions: Sequence[bytes]) -> Proposal:
        """This validator's proposal for the current round, carrying ``transactions``.

        The core proposes as soon as a round it leads begins (with no transactions); asking
        for that round again returns that proposal, or ``ProposalError`` if it was asked to
        carry transactions: one proposal per round, never two."""
        core = self.core
        round_ = core.pacemaker.round
        if core.get_round_leader(round_) != core.index:
            raise ProposalError(f"validator {core.index} does not lead round {round_}")
        made = self._proposals.get(round_)
        if made is not None:
            if transactions and made.block.payload != encode_payload(list(transactions)):
                raise ProposalError(f"round {round_} already has our proposal; propose next round")
            return made
        self._payload = encode_payload(list(transactions))
        core.proposal_due = (round_, 0.0)
        try:
            self._run(lambda: core.on_tick(time.monotonic()))
        finally:
            self._payload = b""
        if round_ not in self._proposals:
            raise ProposalError(
                "no proposal: the transactions do not apply, or the round is unsafe"
            )
        return self._proposals[round_]

    async def process_block(self, proposal: Proposal) -> ConsensusDecision:
        """Checks a proposal (signatures, certificates, validity) and votes if it is safe."""
        try:
            core = self.core
            actions = self._run(lambda: core.on_proposal(proposal, time.monotonic()))
        except ZkpovError as err:
            return ConsensusDecision(False, reason=f"{type(err).__name__}: {err}")
        committed = tuple(b for a in actions if isinstance(a, Commit) for b in a.blocks)
        for action in actions:
            if isinstance(action, SendTo) and isinstance(action.message, Vote):
                return ConsensusDecision(True, action.message, action.to, committed=committed)
        own = self.core.safety.data.last_vote
        if own is not None and own.vote_data.block_id == proposal.block.id:
            return ConsensusDecision(True, own, None, committed=committed)
        return ConsensusDecision(
            False,
            reason="not voted: invalid, unsafe or not for the current round",
            committed=committed,
        )

    async def cast_vote(self, block_hash: bytes, vote: Vote) -> QuorumCert | None:
        """Collects a vote for ``block_hash`` (as the next leader); the QC once > 2/3 signed."""
        if vote.vote_data.block_id != block_hash:
            raise VotingError("the vote is for another block")
        core = self.core
        self._run(lambda: core.on_vote(vote, time.monotonic()))
        hqc = self.core.tree.hqc
        return hqc if hqc.block_id == block_hash else None

    # -- validity proofs --------------------------------------------------------------------

    def generate_consensus_proof(self, state_transition: StateTransition) -> ZKProof:
        pk, _ = self._keys()
        proof, inputs = snark.prove(
            pk, state_transition.pre_state, list(state_transition.transfers)
        )
        return ZKProof(proof, inputs, pk.config.circuit_id)

    def verify_consensus_proof(
        self, proof: ZKProof | bytes, public_inputs: snark.PublicInputs | Sequence[int]
    ) -> bool:
        _, vk = self._keys()
        raw = proof.proof if isinstance(proof, ZKProof) else proof
        return snark.verify(vk, public_inputs, raw)

    def _keys(self) -> tuple[snark.ProvingKey, snark.VerifyingKey]:
        if self.circuit_keys is None:
            raise ZkpovError("no circuit keys: pass circuit_keys=(pk, vk) (tests: insecure_setup)")
        return self.circuit_keys
