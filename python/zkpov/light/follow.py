"""Following epoch changes over several witnesses, and keeping conflicting endings as evidence.

Every witness is read from the epoch the client started from, so all of them are compared on
every ending. The first verified ending of an epoch is followed (its next set trusted); a later
witness serving the same ending adds nothing; one serving another ending of that epoch has it
verified with the same set, and if it verifies, both commit QCs are kept as a :class:`Conflict`
(validators holding over 1/3 of the stake signed two epoch ends) and that witness is read no
further (its later endings extend the other branch). One that does not verify is refused with
its typed error, naming the witness.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from zkpov.config import ConsensusConfig
from zkpov.errors import EpochChangeLimitError, LightClientError, RpcStatusError
from zkpov.light.epochs import MAX_EPOCH_CHANGES, EpochTrust, verify_epoch_update
from zkpov.light.fetch import LightRpc
from zkpov.light.models import Conflict, Witnessed
from zkpov.light.trust import TrustedSet
from zkpov.node.rpc.epoch_changes import EpochUpdate, EpochUpdates

__all__ = ["FollowedEpochs"]


@dataclass
class FollowedEpochs:
    """``trust``: the latest set followed; ``sets``: every epoch's set since the start;
    ``endings``: each followed ending as first witnessed (the header its QC commits)."""

    trust: EpochTrust
    config: ConsensusConfig
    sets: dict[int, TrustedSet] = field(default_factory=dict)
    endings: dict[int, Witnessed] = field(default_factory=dict)
    ending_ids: dict[int, bytes] = field(default_factory=dict)  # R's id per epoch
    conflicts: list[Conflict] = field(default_factory=list)
    changes: int = 0

    def __post_init__(self) -> None:
        self.start = self.trust.trusted.epoch
        self.sets[self.start] = self.trust.trusted

    async def follow(self, witnesses: list[LightRpc]) -> None:
        """Every epoch change each witness serves from the start epoch on."""
        for rpc in witnesses:
            epoch = self.start
            while (served := await _get_updates(rpc, epoch)) is not None:
                if not all(self._take(rpc.url, update) for update in served.updates):
                    break
                epoch += len(served.updates)
                if not served.updates or epoch >= served.current_epoch:
                    break

    def _take(self, url: str, update: EpochUpdate) -> bool:
        """Follows, confirms or records a conflict; False when the witness forked."""
        epoch = update.header.epoch
        if epoch == self.trust.trusted.epoch:
            self._adopt(url, update)
            return True
        if self.ending_ids.get(epoch) == update.header.id:
            return True
        self._record_conflict(url, update)
        return False

    def _adopt(self, url: str, update: EpochUpdate) -> None:
        if self.changes >= MAX_EPOCH_CHANGES:
            raise EpochChangeLimitError(f"{url} serves over {MAX_EPOCH_CHANGES} epoch changes")
        self.trust = _verify(url, self.trust, update, self.config)
        epoch = update.header.epoch
        self.endings[epoch] = Witnessed(url, update.committed, update.commit_qc)
        self.ending_ids[epoch] = update.header.id
        self.sets[epoch + 1] = self.trust.trusted
        self.changes += 1

    def _record_conflict(self, url: str, update: EpochUpdate) -> None:
        epoch = update.header.epoch
        _verify(url, EpochTrust(self.sets[epoch], None), update, self.config)
        first = self.endings[epoch]
        second = Witnessed(url, update.committed, update.commit_qc)
        self.conflicts.append(Conflict(first.header.height, first, second))


def _verify(
    url: str, trust: EpochTrust, update: EpochUpdate, config: ConsensusConfig
) -> EpochTrust:
    try:
        return verify_epoch_update(trust, update, config)
    except LightClientError as err:
        raise type(err)(f"{url}: {err}") from None


async def _get_updates(rpc: LightRpc, epoch: int) -> EpochUpdates | None:
    """None from a witness behind ``epoch`` (it answers 404)."""
    try:
        return await rpc.get_epoch_updates(epoch)
    except RpcStatusError as err:
        if err.status == 404:
            return None
        raise
