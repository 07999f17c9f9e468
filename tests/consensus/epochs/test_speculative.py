"""zkpov.consensus.epochs.speculative: the chain states voters elect the next set from. With
``payload_ledger`` (the node's: the ledger after a block's staking ops) a validator that joined
by a payload is in the next set; with the economics alone it was not."""

from __future__ import annotations

from tests.consensus.epochs.epoch_net import CONFIG, STAKE, EpochRouter, drive, make_epoch_net
from zkpov.chain.containers import ChainState, Validator, copy_chain_state
from zkpov.consensus.epochs.speculative import PayloadLedger, SpeculativeChain
from zkpov.spec.messages import Block
from zkpov.types import BLSPubkey, Stake

JOINER = Validator(BLSPubkey(bytes([7]) * 48), b"joiner", Stake(STAKE), 0)


def _last_state(use_payload: bool) -> ChainState:
    """The state after the first epoch's reconfiguration block, a join in block 1's payload."""
    net = make_epoch_net(4)
    drive(net, EpochRouter(net), until=0.03)
    first, log = net.first, net.logs[0][: CONFIG.epoch_length]
    chain: SpeculativeChain

    def payload_ledger(block: Block, parent: Block) -> ChainState:
        before = chain.get(parent.id)
        assert before is not None
        state = copy_chain_state(before)
        if block.height == 1:
            state.validators.append(JOINER)  # what a create_validator in the payload does
        return state

    hook: PayloadLedger | None = payload_ledger if use_payload else None
    chain = SpeculativeChain(first.root, first.state, first.vset, first.window, hook)
    state = first.state
    for parent, block in zip([first.root, *log], log, strict=False):
        state = chain.compute_after(block, parent)
        chain.remember(block, state)
    assert state.epoch == 1 and state.height == CONFIG.epoch_length
    return state


def test_a_join_in_a_payload_enters_the_next_set() -> None:
    assert _last_state(use_payload=True).active == (0, 1, 2, 3, 4)


def test_with_the_economics_alone_the_join_is_missed() -> None:
    assert _last_state(use_payload=False).active == (0, 1, 2, 3)
