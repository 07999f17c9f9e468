"""Following a chain from outside: the latest finalized header from two or more witnesses, the
validity proofs up to a verified height, and an account against the verified state root.

Each witness's finalized header must be committed by a QC of the trusted set
(:func:`~zkpov.light.verify.verify_commit`). Witnesses are then compared at one height: two
verified commit QCs for different blocks at the same height are kept both, as evidence
(:class:`Conflict`): for both to exist, validators holding over 1/3 of the stake signed twice.

Before that, the client follows the epoch changes a witness serves from its trusted epoch
(:mod:`zkpov.light.epochs`), keeping every followed epoch's set: a witness's tip is checked
with the set of its own epoch, so a witness one epoch behind still verifies.
"""

from __future__ import annotations

from dataclasses import InitVar, dataclass, field

from zkpov.client import models as m
from zkpov.config import ConsensusConfig
from zkpov.crypto import snark
from zkpov.errors import (
    BadMerkleProofError,
    LightClientError,
    NotCommittedError,
    WrongEpochError,
)
from zkpov.light.epochs import EpochTrust
from zkpov.light.fetch import MAX_HEADERS_PER_ANSWER, MAX_PROOFS_PER_ANSWER, LightRpc
from zkpov.light.follow import FollowedEpochs
from zkpov.light.models import Conflict, Witnessed
from zkpov.light.trust import TrustedSet
from zkpov.light.verify import (
    check_header_chain,
    to_header,
    to_qc,
    verify_account,
    verify_commit,
    verify_commit_qc,
    verify_transitions,
)
from zkpov.spec.messages import BlockHeader, QuorumCert

__all__ = [
    "Conflict",
    "LightChain",
    "Witnessed",
]

COMPARE_DEPTH = 8  # heights searched downward for a height where every witness has a commit QC
MAX_PROVEN_HEIGHTS = 100_000  # headers held (fetched 64 an answer) to link proofs to the anchor
ACCOUNT_TRIES = 5  # the chain moves between two requests: ask again this many times


@dataclass
class LightChain:
    """A light client's view over its witnesses: ``genesis_header`` (height 0, needing no QC)
    and the epochs it follows from ``start`` (:class:`~zkpov.light.follow.FollowedEpochs`: every
    epoch's set, the endings verified, conflicting ones); counts what it verified."""

    witnesses: list[LightRpc]
    start: InitVar[EpochTrust]
    genesis_header: BlockHeader
    config: ConsensusConfig
    verified_qcs: int = 0
    verified_proofs: int = 0
    followed: FollowedEpochs = field(init=False)

    def __post_init__(self, start: EpochTrust) -> None:
        self.followed = FollowedEpochs(start, self.config)

    @property
    def trusted(self) -> TrustedSet:
        return self.followed.trust.trusted

    @property
    def sets(self) -> dict[int, TrustedSet]:
        return self.followed.sets

    @property
    def epoch_changes(self) -> int:
        return self.followed.changes

    async def follow_epochs(self) -> None:
        """Every epoch change the witnesses serve, verified; conflicting endings kept."""
        await self.followed.follow(self.witnesses)
        self.verified_qcs += self.followed.changes + len(self.followed.conflicts)

    def _accept(self, rpc: LightRpc, header: BlockHeader, qc: QuorumCert) -> Witnessed:
        """``header`` proved final by ``qc`` under the set of its epoch; a refusal names the
        witness that served it."""
        if header.height == 0:
            if header.id != self.genesis_header.id:
                raise LightClientError(f"{rpc.url} serves a genesis header of another chain")
            return Witnessed(rpc.url, header, qc)
        try:
            self._verify(header, qc)
        except LightClientError as err:
            raise type(err)(f"{rpc.url}: {err}") from None
        self.verified_qcs += 1
        return Witnessed(rpc.url, header, qc)

    def _verify(self, header: BlockHeader, qc: QuorumCert) -> None:
        trusted = self.sets.get(header.epoch)
        if trusted is None:
            raise WrongEpochError(
                f"header of epoch {header.epoch}; trusted: {min(self.sets)}..{max(self.sets)}"
            )
        if self.followed.ending_ids.get(header.epoch) == header.id:
            verify_commit_qc(trusted, header, qc)  # a verified epoch end, committed again
        else:
            verify_commit(trusted, header, qc)

    async def get_finalized(self, rpc: LightRpc) -> Witnessed:
        served = await rpc.get_finalized()
        return self._accept(rpc, to_header(served.header), to_qc(served.commit_certificate))

    async def get_committed(self, rpc: LightRpc, height: int) -> Witnessed | None:
        """The header at ``height`` with its verified commit QC; None when the node holds no
        commit QC for it (it was committed as an ancestor)."""
        served = await rpc.commit(height)
        if served.commit_certificate is None:
            return None
        header = to_header(served.header)
        if header.height != height:
            raise LightClientError(f"{rpc.url} answered height {height} with {header.height}")
        return self._accept(rpc, header, to_qc(served.commit_certificate))

    async def sync(self) -> tuple[Witnessed, list[Conflict]]:
        """The highest finalized header any witness proves, and any conflicts among them."""
        if self.followed.conflicts:  # forked witnesses' tips need not verify: report the forks
            return await self.get_finalized(self.witnesses[0]), list(self.followed.conflicts)
        tips = [await self.get_finalized(rpc) for rpc in self.witnesses]
        conflicts = await self.find_conflicts(min(tip.header.height for tip in tips))
        return max(tips, key=lambda tip: tip.header.height), conflicts

    async def find_conflicts(self, height: int) -> list[Conflict]:
        """Compares the witnesses at the highest height at or below ``height`` where each holds
        a commit QC (searching ``COMPARE_DEPTH`` heights)."""
        if len(self.witnesses) < 2 or height == 0:
            return []
        for h in range(height, max(0, height - COMPARE_DEPTH), -1):
            seen = [await self.get_committed(rpc, h) for rpc in self.witnesses]
            found = [w for w in seen if w is not None]
            if len(found) == len(seen):
                return [
                    Conflict(h, found[0], w) for w in found[1:] if w.header.id != found[0].header.id
                ]
        low = max(1, height - COMPARE_DEPTH + 1)
        raise LightClientError(f"the witnesses hold no commit QCs at one height in {low}..{height}")

    async def get_anchor(self, rpc: LightRpc, height: int) -> Witnessed:
        """A verified header at or just below ``height`` (``COMPARE_DEPTH`` heights searched)."""
        for h in range(height, max(0, height - COMPARE_DEPTH), -1):
            found = await self.get_committed(rpc, h)
            if found is not None:
                return found
        raise NotCommittedError(f"{rpc.url} holds no commit QC near height {height}")

    async def verify_proofs(self, vk: snark.VerifyingKey, circuit_id: str, up_to: int) -> int:
        """Verifies every state change from genesis to a verified header at or below ``up_to``
        (:func:`~zkpov.light.verify.verify_transitions`); returns that header's height."""
        if up_to == 0:
            return 0
        rpc = self.witnesses[0]
        anchor = await self.get_anchor(rpc, up_to)
        if anchor.header.height > MAX_PROVEN_HEIGHTS:
            raise LightClientError(f"this client checks proofs up to height {MAX_PROVEN_HEIGHTS}")
        headers = await self._get_headers(rpc, anchor.header)
        proofs: dict[int, m.Proof] = {}
        for first in range(1, anchor.header.height + 1, MAX_PROOFS_PER_ANSWER):
            last = min(first + MAX_PROOFS_PER_ANSWER - 1, anchor.header.height)
            proofs.update((p.height, p) for p in (await rpc.get_proofs(first, last)).proofs)
        self.verified_proofs += verify_transitions(vk, circuit_id, headers, proofs)
        return anchor.header.height

    async def _get_headers(self, rpc: LightRpc, anchor: BlockHeader) -> list[BlockHeader]:
        """Genesis, then every header up to the verified ``anchor``, hash-linked."""
        headers = [self.genesis_header]
        for first in range(1, anchor.height, MAX_HEADERS_PER_ANSWER):
            last = min(first + MAX_HEADERS_PER_ANSWER - 1, anchor.height - 1)
            headers.extend(to_header(h) for h in await rpc.get_headers(first, last))
        headers.append(anchor)
        check_header_chain(headers)
        return headers

    async def get_account(self, index: int, depth: int) -> tuple[Witnessed, m.Account]:
        """The account at ``index`` from the first witness, verified against the state root of
        the finalized header it proves in the same breath."""
        rpc = self.witnesses[0]
        for _ in range(ACCOUNT_TRIES):
            tip = await self.get_finalized(rpc)
            account = await rpc.account(index, proof=True)
            if account.index != index:
                raise BadMerkleProofError(
                    f"{rpc.url} answered account {index} with {account.index}"
                )
            if account.height == tip.header.height:
                verify_account(tip.header.state_root, account, depth)
                return tip, account
        raise LightClientError(f"{rpc.url} served no account at the height of a verified header")
