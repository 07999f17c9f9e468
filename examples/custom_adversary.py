"""A Byzantine behaviour of your own in the simulator: a leader that never proposes.

A behaviour is a *rewrite*: the simulator runs the honest consensus core on every node, and
for a Byzantine node hands the core's actions (broadcasts, sends, timers, ...) to the rewrite,
which returns what the node really does (see ``zkpov.sim.attack``: it may also delay actions or
send two proposals). ``SimConfig.behaviours`` names yours; ``byzantine`` says how many
validators run it, exactly like the built-in kinds.

Here two of seven validators keep voting but drop their own proposals, so each round they lead
times out. Leader reputation soon passes them over; the invariants (agreement, vote rules, ...)
are checked after every step, and none may break.

    python examples/custom_adversary.py
"""

from __future__ import annotations

from collections.abc import Sequence

from zkpov.consensus.actions import Action, Broadcast
from zkpov.sim import SimConfig, SimReport, run_simulation
from zkpov.sim.attack import Attacker, Output
from zkpov.spec.messages import Proposal

VALIDATORS = 7
MUTE = 2  # under a third of the stake: the chain must stay safe and live
VIRTUAL_SECONDS = 30.0


def mute_leader(actions: Sequence[Action], attacker: Attacker) -> list[Output]:
    """Everything the honest core does, minus broadcasting its own proposals. (``attacker``
    also offers the node's key, core, validator set, virtual time and a memory.)"""
    return [a for a in actions if not is_proposal(a)]


def is_proposal(action: Action) -> bool:
    return isinstance(action, Broadcast) and isinstance(action.message, Proposal)


def simulate(byzantine: dict[str, int]) -> SimReport:
    config = SimConfig(
        validators=VALIDATORS,
        rounds=1000,  # more than fit: the virtual time limit ends the run
        max_time=VIRTUAL_SECONDS,
        byzantine=byzantine,
        behaviours={"mute_leader": mute_leader},
        seed=1,
    )
    return run_simulation(config)


def get_honest_heights(report: SimReport) -> list[int]:
    """Blocks committed by each honest node (Byzantine roles take the highest indices)."""
    return [len(chain) for node, chain in report.committed.items() if node < VALIDATORS - MUTE]


def describe(label: str, report: SimReport) -> None:
    heights = get_honest_heights(report)
    share = report.extra.get("byzantine_proposal_share", 0.0)
    print(
        f"{label}: honest nodes committed {min(heights)}-{max(heights)} blocks in"
        f" {report.virtual_seconds:.0f} virtual s; commit latency p50"
        f" {report.latency_seconds['p50']:.2f} s; share proposed by Byzantine {share:.0%};"
        f" invariant violations {len(report.violations)}"
    )


def main() -> None:
    baseline = simulate({})
    attacked = simulate({"mute_leader": MUTE})
    describe("all honest        ", baseline)
    describe(f"{MUTE} mute leaders of 7", attacked)
    assert not attacked.violations, attacked.violations
    ratio = min(get_honest_heights(attacked)) / max(1, min(get_honest_heights(baseline)))
    print(f"the chain stayed safe and kept {ratio:.0%} of its honest throughput")


if __name__ == "__main__":
    main()
