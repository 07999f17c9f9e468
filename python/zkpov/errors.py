"""Typed errors. Every failure zkpov reports is a subclass of :class:`ZkpovError`.

Bytes from outside (peer messages, RPC bodies, keys, proofs, files) that do not decode raise
:class:`DecodeError` with a message that says what was wrong. The native core raises these same
classes (``rust/bindings/errors.rs`` maps its errors here, in one place).
"""

from __future__ import annotations

__all__ = [
    "ConsensusError",
    "ContractRevertedError",
    "DecodeError",
    "EvmError",
    "LimitExceededError",
    "OutputPathError",
    "ProofError",
    "ProposalError",
    "RpcAnswerError",
    "RpcStatusError",
    "StoreFaultError",
    "TransferFailedError",
    "ValidatorError",
    "VerificationError",
    "VotingError",
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


class EvmError(ZkpovError):
    """An EVM contract could not be built, deployed or called, or an EVM package is missing."""


class ContractRevertedError(EvmError):
    """An EVM contract call reverted; the message carries the revert reason."""
