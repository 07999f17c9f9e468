"""F1 lazy accounting against the eager split it replaces, over random histories: supply is
conserved after every step, the delegation totals add up, pools never go negative, and what
each holder ends up with matches the eager pro-rata split up to flooring dust."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from zkpov.chain.containers import ChainState
from zkpov.chain.distribution import get_holder_stake, process_reward, process_settlement
from zkpov.chain.staking import process_delegate, process_undelegate
from zkpov.chain.transition import compute_genesis_state, is_supply_conserved
from zkpov.config import ConsensusConfig
from zkpov.errors import ValidatorError
from zkpov.types import BLSPubkey, Stake

CONFIG = ConsensusConfig()
HOLDERS = [b"h0", b"h1", b"h2"]
OWNERS = [b"o0", b"o1"]

step = st.one_of(
    st.tuples(st.just("reward"), st.integers(0, 1), st.integers(1, 10**9)),
    st.tuples(st.just("delegate"), st.integers(0, 1), st.integers(0, 2), st.integers(1, 10**6)),
    st.tuples(st.just("undelegate"), st.integers(0, 1), st.integers(0, 2), st.integers(1, 10**6)),
)


def make_state() -> ChainState:
    state = compute_genesis_state(
        [BLSPubkey(bytes([i]) * 48) for i in range(2)], [10**6, 3 * 10**6], OWNERS, bytes(32)
    )
    for holder in HOLDERS:
        state.balances[holder] = 10**7
        state.initial_supply += 10**7
    return state


def apply(state: ChainState, eager: dict[bytes, Fraction], op: tuple[object, ...]) -> None:
    kind, index = op[0], int(op[1])  # type: ignore[call-overload]
    if kind == "reward":
        amount = int(op[2])  # type: ignore[call-overload]
        holders = [*OWNERS, *HOLDERS]
        stakes = {h: get_holder_stake(state, h, index) for h in holders}
        total = sum(stakes.values())
        state.minted += amount
        process_reward(state, index, amount, total)
        for h, s in stakes.items():
            eager[h] = eager.get(h, Fraction(0)) + Fraction(amount * s, total)
        return
    holder, amount = HOLDERS[int(op[2])], Stake(int(op[3]))  # type: ignore[call-overload]
    try:
        if kind == "delegate":
            process_delegate(state, holder, index, amount)
        else:
            process_undelegate(state, CONFIG, holder, index, amount)
    except ValidatorError:  # refused: nothing changed
        return


@settings(max_examples=150, deadline=None)
@given(st.lists(step, max_size=40))
def test_lazy_rewards_match_the_eager_split_and_conserve_supply(
    ops: list[tuple[object, ...]],
) -> None:
    state = make_state()
    start = dict(state.balances)
    eager: dict[bytes, Fraction] = {}
    for op in ops:
        apply(state, eager, op)
        assert is_supply_conserved(state)
        assert all(v.outstanding >= 0 for v in state.validators)
        for i, v in enumerate(state.validators):
            assert v.delegated == sum(a for d, a in state.delegations.items() if d.validator == i)
    rewards = len([op for op in ops if op[0] == "reward"])
    for holder in [*OWNERS, *HOLDERS]:
        for index in (0, 1):
            process_settlement(state, holder, index)
        got = state.balances.get(holder, 0) - start.get(holder, 0)
        if holder in HOLDERS:  # stake moved between balance and bonds: compare the rewards only
            got += sum(a for d, a in state.delegations.items() if d.delegator == holder)
            got += sum(u.amount for u in state.unbonding if u.owner == holder)
        assert eager.get(holder, 0) - rewards - 1 <= got <= eager.get(holder, 0)
    assert is_supply_conserved(state)
