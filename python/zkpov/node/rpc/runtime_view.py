"""The runtime's answer to the RPC: :class:`RuntimeView` implements ``NodeView`` over the parts
of a node that it reads (:class:`ViewParts`), never the node itself."""

from __future__ import annotations

from dataclasses import dataclass

from zkpov import __version__
from zkpov.chain.proof_inputs import compute_block_public_inputs
from zkpov.chain.staking import get_validator_stake
from zkpov.consensus.block_tree import MissingBlock
from zkpov.consensus.epochs.proof import EpochChangeProof
from zkpov.consensus.factory import ChainStart
from zkpov.consensus.reputation_leaders import ReputationLeaders
from zkpov.crypto import vk_json
from zkpov.errors import ClientQueueFullError
from zkpov.network.connection import Connection
from zkpov.network.transport import Transport
from zkpov.node.consensus_io.client_txs import ClientTxQueue
from zkpov.node.consensus_io.driver import ConsensusDriver
from zkpov.node.consensus_io.registry_keys import UNREGISTERED
from zkpov.node.consensus_io.tx_gossip import TxGossip
from zkpov.node.proving.prover import ProofTracker
from zkpov.node.rpc.account_view import find_account, get_account_record, get_tx_record
from zkpov.node.rpc.commit_view import get_commit_record, get_committed_pair
from zkpov.node.rpc.epoch_view import describe_set, get_epoch_at
from zkpov.node.rpc.events import EventHub
from zkpov.node.rpc.staking_view import (
    DelegationsRecord,
    StakingValidatorRecord,
    SupplyRecord,
    compute_delegations,
    compute_staking_validator,
    compute_supply,
)
from zkpov.node.rpc.view import (
    AccountRecord,
    BlockRecord,
    BroadcastResult,
    CommitRecord,
    EventKind,
    EventSubscription,
    FinalizedRecord,
    GenesisRecord,
    NetInfo,
    NodeStatus,
    NodeUnavailableError,
    PeerInfo,
    ProofRecord,
    SyncInfo,
    TxRecord,
    ValidatorInfo,
    ValidatorsRecord,
)
from zkpov.node.state.committed_chain import CommittedChain
from zkpov.node.state.epoch_endings import EpochEndingStore
from zkpov.node.state.genesis import Genesis, compute_genesis_hash, encode_genesis
from zkpov.spec.codec.payload import decode_payload
from zkpov.types import BLSPubkey, Epoch, Height, Root, Stake, ValidatorIndex

__all__ = ["RuntimeView", "ViewParts", "format_address"]


def format_address(host: str, port: int) -> str:
    """``host:port``, with an IPv6 host in brackets."""
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _describe_peer(conn: Connection, index: ValidatorIndex | None) -> PeerInfo:
    stats = conn.stats
    return PeerInfo(
        conn.peer.noise_static, BLSPubkey(conn.validator_pk), format_address(*conn.address[:2]),
        conn.outbound, stats.bytes_in, stats.bytes_out, index,
    )  # fmt: skip


@dataclass(frozen=True)
class ViewParts:
    """What the view reads, each from the service that owns it. The driver is read for its
    current core (a core that failed is replaced); ``prover`` is None when the node neither
    proves nor collects proofs."""

    genesis: Genesis
    start: ChainStart
    index: ValidatorIndex
    chain: CommittedChain
    driver: ConsensusDriver
    transport: Transport
    p2p_listen: tuple[str, int]
    gossip: TxGossip
    prover: ProofTracker | None
    events: EventHub
    endings: EpochEndingStore | None = None  # epochs on: the committed endings
    validator_key: bytes = b""  # this node's BLS key (empty: the genesis key at ``index``)


class RuntimeView:
    def __init__(self, parts: ViewParts) -> None:
        self.parts = parts
        self._vk_points: vk_json.VerifyingKeyPoints | None = None
        self._client_txs = ClientTxQueue(parts.gossip)

    def _height(self, height: Height | None) -> Height:
        return self.parts.chain.height if height is None else height

    def _validators(self) -> tuple[ValidatorInfo, ...]:
        vset = self.parts.chain.ledger.epoch_vset  # the genesis set unless epochs are on
        ledger = self.parts.chain.ledger.state
        return describe_set(ledger, vset.pubkeys, vset.stakes, self._get_leader_weights())

    def get_staking_validator(self, index: int) -> StakingValidatorRecord | None:
        return compute_staking_validator(self.parts.chain.ledger.state, index)

    def get_supply(self) -> SupplyRecord:
        return compute_supply(self.parts.chain.ledger.state)

    def _get_leader_weights(self) -> tuple[int, ...]:
        """Stake x reputation of the latest period the committed chain made final, as the
        election computed and cached it (the stakes before the first reputation window)."""
        stakes = tuple(int(stake) for stake in self.parts.chain.ledger.epoch_vset.stakes)
        leaders = self.parts.driver.core.leaders
        if not isinstance(leaders, ReputationLeaders) or leaders.root is None:
            return stakes
        try:
            return leaders.get_weights(leaders.final_period, leaders.root)
        except MissingBlock:  # pruned below the window: cannot happen for the final period
            return stakes

    def get_status(self) -> NodeStatus:
        """``earliest_height``: the lowest height whose block is still kept (raised by
        pruning); ``catching_up``: blocks this node is missing are being fetched from peers."""
        parts, core = self.parts, self.parts.driver.core
        tip = parts.chain.get_block(parts.chain.height) or parts.start.block
        earliest = Height(parts.chain.store.get_base_height() or 0)
        sync = SyncInfo(
            parts.chain.height, tip.id, tip.state_root, tip.round, earliest, self._proven(),
            core.pacemaker.round, bool(core.sync.requests),
        )  # fmt: skip
        genesis, identity = parts.genesis, parts.transport.identity
        return NodeStatus(
            identity.node_key.public, genesis.chain_id, __version__,
            parts.chain.ledger.epoch_vset.epoch, sync, self._describe_me(), genesis.setup.kind,
        )  # fmt: skip

    def _describe_me(self) -> ValidatorInfo:
        """This validator in the current epoch's set; outside it (epochs on: it left, was
        slashed, or has not joined yet), its registry index with no voting power (an
        unregistered key: ``UNREGISTERED``)."""
        pk = BLSPubkey(self.parts.validator_key or self.parts.start.vset.pubkeys[self.parts.index])
        members = self.parts.chain.ledger.epoch_vset.pubkeys
        if pk in members:
            return self._validators()[members.index(pk)]
        ledger = self.parts.chain.ledger.state
        registry = next((i for i, v in enumerate(ledger.validators) if v.pubkey == pk), None)
        if registry is None:  # joining by transaction: not registered yet
            return ValidatorInfo(UNREGISTERED, pk, Stake(0), 0, 0, 0)
        stake = int(get_validator_stake(ledger, registry))
        slashed = int(ledger.validators[registry].slashed_amount)
        return ValidatorInfo(ValidatorIndex(registry), pk, Stake(0), 0, stake, slashed, registry)

    def _proven(self) -> Height | None:
        """The proven-final height; None on a node that neither proves nor checks proofs."""
        prover = self.parts.prover
        return None if prover is None else Height(prover.proven_final_height)

    def get_net_info(self) -> NetInfo:
        """Each connected peer as the transport authenticated it (see :class:`PeerInfo`)."""
        registry = self.parts.chain.ledger.state.validators  # genesis set, then joiners
        index_of = {bytes(v.pubkey): ValidatorIndex(i) for i, v in enumerate(registry)}
        peers = tuple(
            _describe_peer(conn, index_of.get(conn.validator_pk))
            for conn in self.parts.transport.get_peers()
        )
        return NetInfo(True, format_address(*self.parts.p2p_listen), peers)

    def get_block(self, height: Height | None) -> BlockRecord | None:
        block = self.parts.chain.get_block(self._height(height))
        if block is None:
            return None
        return BlockRecord(block, tuple(decode_payload(block.payload)))

    def get_commit(self, height: Height | None) -> CommitRecord | None:
        return get_commit_record(self.parts.chain, self._height(height))

    def get_validators(self, height: Height | None) -> ValidatorsRecord | None:
        """The set that signed at ``height``: its epoch's (the one set without epochs)."""
        h = self._height(height)
        if h > self.parts.chain.height:
            return None
        epoch = get_epoch_at(h, self.parts.chain.ledger.state, self.parts.endings)
        infos = None if epoch is None else self._get_set(epoch)
        if epoch is None or infos is None:
            return None
        return ValidatorsRecord(h, Epoch(epoch), infos, self._ledger_height())

    def get_epoch_validators(self, epoch: int) -> ValidatorsRecord | None:
        """The current epoch's set (at the tip), or a past one's (at its first height)."""
        infos = self._get_set(epoch)
        if infos is None:
            return None
        endings = self.parts.endings
        ending = None if endings is None or epoch == 0 else endings.get(epoch - 1)
        current = epoch == self.parts.chain.ledger.epoch_vset.epoch
        first = Height(1 if ending is None else ending.block.height + 1)
        height = self.parts.chain.height if current else first
        return ValidatorsRecord(height, Epoch(epoch), infos, self._ledger_height())

    def _ledger_height(self) -> Height:
        """The committed height whose staking ledger ``/validators`` reads ``stake`` from."""
        return Height(self.parts.chain.ledger.state.height)

    def _get_set(self, epoch: int) -> tuple[ValidatorInfo, ...] | None:
        """Epoch ``epoch``'s set: the current one, the genesis set, or the next set of the
        previous epoch's stored ending (None: not reached, or its ending is not held)."""
        current = self.parts.chain.ledger.epoch_vset
        if epoch == current.epoch:
            return self._validators()
        ledger, vset = self.parts.chain.ledger.state, self.parts.start.vset
        if epoch > current.epoch:
            return None
        if epoch == 0:
            return describe_set(ledger, vset.pubkeys, vset.stakes)
        ending = None if self.parts.endings is None else self.parts.endings.get(epoch - 1)
        if ending is None:
            return None
        return describe_set(ledger, ending.next_set.pubkeys, ending.next_set.stakes)

    def get_genesis(self) -> GenesisRecord:
        genesis = self.parts.genesis
        return GenesisRecord(encode_genesis(genesis), compute_genesis_hash(genesis))

    def get_tx(self, tx_hash: bytes) -> TxRecord | None:
        return get_tx_record(self.parts.chain, self.parts.gossip.mempool, tx_hash)

    def get_account(self, key: int | bytes, with_proof: bool) -> AccountRecord:
        return get_account_record(self.parts.chain, self.parts.gossip.mempool, key, with_proof)

    def get_delegations(self, key: int | bytes) -> DelegationsRecord:
        index, account = find_account(self.parts.chain.state, key)
        owner = None if account is None else account.public_key
        return compute_delegations(self.parts.chain.ledger.state, index, owner)

    def get_finalized(self) -> FinalizedRecord:
        """The highest committed header held with the 2-chain QC that committed it
        (:func:`~zkpov.node.rpc.commit_view.get_committed_pair`)."""
        header, qc = get_committed_pair(self.parts.chain, self.parts.start)
        return FinalizedRecord(header, qc, Root(header.validator_set_commitment), self._proven())

    def get_proof(self, height: Height | None) -> ProofRecord | None:
        """A verified proof of ``height`` that the prover holds (None: the proven-final height).

        With ``proof_lag = 0`` proofs travel as gossip only. With a proof lag, blocks carry
        them: a proof settles once a committed block carries it, but the prover also holds
        proofs verified from gossip that no committed block carries yet, and it does not record
        which block carried a proof. So ``proven_in`` is reported as the height itself, not the
        carrying block's height that :class:`ProofRecord` describes."""
        prover = self.parts.prover
        if prover is None:
            return None
        h = Height(prover.proven_final_height) if height is None else height
        proof, block, parent = (
            prover.proofs.get(h),
            self.parts.chain.get_block(h),
            self.parts.chain.get_block(h - 1),
        )
        if proof is None or block is None or parent is None:
            return None
        inputs = compute_block_public_inputs(block, parent, self.parts.chain.state.chain_tag)
        return ProofRecord(h, h, prover.vk_circuit_id, proof, inputs)

    def get_verifying_key(self) -> vk_json.VerifyingKeyPoints | None:
        """The prover's key, decompressed once (about 10 ms of pure-Python square roots)."""
        prover = self.parts.prover
        if prover is not None and self._vk_points is None:
            self._vk_points = vk_json.get_vk_points(prover.vk, prover.vk_circuit_id)
        return self._vk_points

    def get_epoch_change_proof(self, from_epoch: Epoch) -> EpochChangeProof | None:
        """The committed endings from ``from_epoch`` on (at most 64), None without epochs or
        when this node holds none."""
        endings = self.parts.endings
        return None if endings is None else endings.get_epoch_change_proof(from_epoch)

    async def broadcast_tx(self, tx: bytes) -> BroadcastResult:
        """Admitted with the other clients' transfers of this event-loop turn (one batch)."""
        try:
            result = await self._client_txs.submit(tx)
        except ClientQueueFullError as err:
            raise NodeUnavailableError(str(err)) from err
        return BroadcastResult(result.tx_hash, result.accepted, result.reason, result.message)

    def subscribe(self, kinds: frozenset[EventKind]) -> EventSubscription:
        return self.parts.events.subscribe(kinds)
