"""Typed errors. Every failure zkpov reports is a subclass of :class:`ZkpovError`.

Bytes from outside (peer messages, RPC bodies, keys, proofs, files) that do not decode raise
:class:`DecodeError` with a message that says what was wrong. The native core raises these same
classes (``rust/bindings/errors.rs`` maps its errors here, in one place).
"""

from __future__ import annotations

__all__ = [
    "AttackModeError",
    "BadAggregateSignatureError",
    "BadMerkleProofError",
    "BadValidityProofError",
    "CeremonyError",
    "ClientQueueFullError",
    "ConsensusError",
    "ContractRevertedError",
    "DecodeError",
    "EpochChangeLimitError",
    "EpochChangeProofError",
    "EpochUpdateFormatError",
    "EvmError",
    "FastSyncAnswerError",
    "FastSyncCheckpointError",
    "FastSyncError",
    "FastSyncHistoryError",
    "FastSyncLedgerError",
    "FastSyncStateError",
    "ForgedValidatorSetError",
    "InsufficientQuorumError",
    "InvalidPayoutError",
    "KeySetupMismatchError",
    "LightClientError",
    "LimitExceededError",
    "MissingProvingKeyError",
    "NotCommittedError",
    "OutputPathError",
    "ProofError",
    "ProposalError",
    "ProverUnavailableError",
    "RelayLimitError",
    "RpcAnswerError",
    "RpcStatusError",
    "StaleCheckpointError",
    "StoreFaultError",
    "TransferFailedError",
    "ValidatorError",
    "VerificationError",
    "VotingError",
    "WrongEpochError",
    "WrongValidatorSetError",
    "ZkpovError",
]


class ZkpovError(Exception):
    """Base class of every zkpov error."""


class DecodeError(ZkpovError, ValueError):
    """Input bytes or numbers that do not decode: wrong length, bad encoding, out of range."""


class LimitExceededError(ZkpovError, ValueError):
    """More items than a fixed cap allows in one call (a signature batch too long)."""


class ProofError(ZkpovError):
    """A validity proof could not be produced: the witness does not satisfy the circuit."""


class VerificationError(ZkpovError):
    """A verification could not be carried out (a plain mismatch returns ``False`` instead)."""


class StoreFaultError(ZkpovError):
    """A store on disk is missing, damaged, or behind another store: the node must not start."""


class ConsensusError(ZkpovError):
    """A consensus rule was broken."""


class ValidatorError(ConsensusError):
    """A validator registration, stake or key is not acceptable."""


class ProposalError(ConsensusError):
    """A block proposal is invalid."""


class VotingError(ConsensusError):
    """A vote or timeout is invalid or unsafe to cast."""


class OutputPathError(ZkpovError, ValueError):
    """An output path a command will not write: a directory that is not empty, a missing parent."""


class RpcStatusError(ZkpovError):
    """A node's RPC answered something other than 200: its status and its error message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"the node answered {status}: {message}")
        self.status = status
        self.message = message


class RpcAnswerError(DecodeError):
    """A node's RPC answer is not what its OpenAPI document describes (or is too large)."""


class TransferFailedError(ZkpovError):
    """The node refused the transfer, dropped it, or it did not land in time."""


class AttackModeError(ZkpovError):
    """An attack mode (``zkpov start --byzantine``) asked for where it may not run: an unknown
    mode, or a genesis that does not mark the chain as a test network."""


class LightClientError(ZkpovError):
    """A light client refused what a node served, or its trust cannot start: the subclass names
    the cause."""


class WrongEpochError(LightClientError):
    """A header or QC is not from the epoch of the validator set the light client trusts."""


class NotCommittedError(LightClientError):
    """The QC does not commit the header by the 2-chain rule (a QC on its child, one round
    later, naming the header as parent)."""


class InsufficientQuorumError(LightClientError):
    """The QC's signers do not hold more than 2/3 of the trusted set's stake (exactly 2/3 is
    refused)."""


class BadAggregateSignatureError(LightClientError):
    """The QC's aggregate BLS signature does not verify against its signers' keys."""


class ForgedValidatorSetError(LightClientError):
    """A served validator set does not match the commitment the light client trusts."""


class StaleCheckpointError(LightClientError):
    """The checkpoint is older than the trusting period, or the trusting period is not shorter
    than the unbonding period."""


class BadMerkleProofError(LightClientError):
    """An account proof does not open the verified header's state root to the served account."""


class BadValidityProofError(LightClientError):
    """A Groth16 proof fails, or its public inputs do not chain the verified state roots."""


class FastSyncError(ZkpovError):
    """Fast sync could not be completed; the node replays the chain from genesis instead."""


class FastSyncAnswerError(FastSyncError):
    """A fast-sync answer that is malformed, too large, or not the one asked for."""


class FastSyncCheckpointError(FastSyncError):
    """A checkpoint whose blocks, certificates or validity proofs do not check."""


class FastSyncHistoryError(FastSyncError):
    """Block headers and evidence below a checkpoint that do not link to it or to their digests."""


class FastSyncLedgerError(FastSyncError):
    """A staking ledger that does not reassemble into the checkpoint header's staking root."""


class FastSyncStateError(FastSyncError):
    """A state chunk that does not match the checkpoint's state root."""


class EvmError(ZkpovError):
    """An EVM contract could not be built, deployed or called, or an EVM package is missing."""


class ContractRevertedError(EvmError):
    """An EVM contract call reverted; the message carries the revert reason."""


class RelayLimitError(EvmError):
    """Catching the contract up to a header's epoch takes more epoch changes than the relay
    submits in one call (``zkpov.evm.relay.MAX_RELAY_EPOCH_CHANGES``)."""


class WrongValidatorSetError(LightClientError):
    """A header commits to a validator set (keys and stakes) other than the trusted one, or
    names a next set where none may be."""


class KeySetupMismatchError(ZkpovError):
    """A Groth16 key that is not the one the genesis ``setup`` implies: a key cache made for
    another genesis, a proving key whose verifying key is not the one recorded beside it, or a
    verifying key whose SHA-256 differs from the genesis's ``setup.verifying_key_sha256``."""


class ProverUnavailableError(ZkpovError):
    """A remote prover gave no proof: its cluster is unreachable, the job was lost or timed
    out, or the answer is not a proof. The proof tracker's rescue path retries later."""


class MissingProvingKeyError(ProofError):
    """A prover worker has no proving key with the SHA-256 and circuit id a job names."""


class EpochChangeProofError(ConsensusError):
    """An epoch-change proof that does not chain from the trusted validator set: too long, an
    ending block off its epoch's boundary or set, a next set other than the one its block names,
    or a commit certificate that does not verify or does not commit the ending block."""


class CeremonyError(ZkpovError):
    """A trusted-setup ceremony transcript or contribution that does not verify (the message
    names the contribution and the check), or a ceremony directory that cannot be used."""


class ClientQueueFullError(ZkpovError):
    """The node's queue of clients' transfers waiting for this event-loop turn's batched
    admission is full; the transfer was not looked at (the RPC answers 503: retry)."""


class EpochUpdateFormatError(RpcAnswerError):
    """An epoch change in JSON (``/v1/light/updates``) that is malformed or over a cap: a field
    missing or of the wrong type, hex of the wrong length, too many updates, suffix headers or
    next validators, or a header whose fields do not hash to its id."""


class EpochChangeLimitError(LightClientError):
    """A light client was served more epoch changes than it follows in one sync, or a chain of
    updates that does not advance one epoch at a time."""


class InvalidPayoutError(ProposalError):
    """A block's payouts differ from what the staking rules owe: a withdraw without its payout
    right after it, or a payout with another recipient, key or amount, or owed to no one."""
