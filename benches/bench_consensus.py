"""Consensus benchmarks on the simulator; prints one table per question (medians over seeds).

    python benches/bench_consensus.py [--quick] [--only happy|liveness|reputation|attacks|loss ...]

1. Commit latency in rounds and simulated seconds (p50/p99), messages per happy round (target
   <= 3N) and wall time per simulated round, for N = 4, 16, 100, 1000 with 500 ms rounds and
   real BLS. BLS verification results are cached per process by the bytes of (public keys,
   message, signature), so a certificate checked by a thousand simulated nodes costs one pairing;
   every vote, proposal, timeout and RANDAO reveal is still really signed.
2. Liveness after crashing f validators including the next leader (the leader an honest core
   will use for the next round): time to the first commit of a new block (bound: 2 x timeout +
   1.5 s), and messages per timeout round; a run that never timed out is an error.
3. Failed-leader rate once a reputation window has passed with f validators crashed (<= 10%):
   the share of (honest node, round) entries whose leader, as that node computes it on entering
   the round, is a crashed validator.
4. Attacks (issue 9): each Byzantine kind with 1 attacker at N = 4, 16, 100 and f attackers at
   N = 16, over the same virtual time as the run without attack: honest commits as a ratio of
   that run's, violations, crashed honest cores, the peak retained table total of one honest
   core (no attack in brackets), and for leader_grinder the coalition's share of committed
   blocks (also at N = 31 with f members).
5. Independent message loss at N = 16: blocks the slowest honest node commits in 60 virtual
   seconds at 0-30% loss (lost votes and proposals are retransmitted mid-round).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from zkpov.sim import SimConfig, run_simulation
from zkpov.sim.runner import Simulation
from zkpov.sim.scenarios import ATTACK_KINDS

BLOCK_TIME = 0.5
TIMEOUT = 1.0
LIVENESS_BOUND = 2 * TIMEOUT + 1.5


@dataclass(frozen=True)
class Row:
    cells: tuple[str, ...]


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def fault_tolerance(n: int) -> int:
    """Largest f with n - f >= floor(2n/3) + 1 (equal stakes)."""
    return n - (2 * n // 3 + 1)


def run_happy(n: int, rounds: int, seed: int) -> dict[str, float]:
    config = SimConfig(
        validators=n, rounds=rounds, seed=seed, block_time=BLOCK_TIME, timeout_base=TIMEOUT
    )
    sim = Simulation(config)
    start = time.perf_counter()
    report = sim.run()
    wall = time.perf_counter() - start
    if report.violations:
        raise SystemExit(f"invariant violated at N={n}: {report.violations}")
    return {
        "lat_r50": report.latency_rounds["p50"],
        "lat_r99": report.latency_rounds["p99"],
        "lat_s50": report.latency_seconds["p50"],
        "lat_s99": report.latency_seconds["p99"],
        "msgs": report.messages_per_happy_round,
        "wall": wall / max(1, report.rounds),
    }


def find_next_leader(sim: Simulation) -> tuple[int, int]:
    """The leader an honest core will use next, and its round: the vote recipient of the current
    round's block if the core has it, else the current round's leader (it has yet to propose)."""
    core = max(
        (n.core for n in sim.nodes if n.core is not None and n.is_honest),
        key=lambda c: c.pacemaker.round,
    )
    current = core.pacemaker.round
    block = next((b for b in core.tree.blocks.values() if b.round == current), None)
    leader = core.get_next_leader(block) if block is not None else None
    if leader is not None:
        return leader, current + 1
    leader = core.get_round_leader(current)
    if leader is None:
        raise SystemExit(f"no leader known for round {current}")
    return leader, current


def crash_next_leader(sim: Simulation, f: int) -> Callable[[], None]:
    """At call time, crash the next round's leader and f - 1 other validators."""

    def crash() -> None:
        leader, first_round = find_next_leader(sim)
        others = [i for i in range(len(sim.nodes) - 1, -1, -1) if i != leader][: f - 1]
        for index in [leader, *others]:
            sim.nodes[index].crashed, sim.nodes[index].core = True, None
        sim.crash_info = (sim.queue.now, first_round)  # type: ignore[attr-defined]

    return crash


def run_liveness(n: int, seed: int, scheme: str) -> dict[str, float]:
    config = SimConfig(
        validators=n,
        rounds=30,
        seed=seed,
        block_time=BLOCK_TIME,
        timeout_base=TIMEOUT,
        scheme=scheme,
    )
    sim = Simulation(config)
    sim.queue.schedule(3.0, crash_next_leader(sim, fault_tolerance(n)))
    report = sim.run()
    crashed_at, first_round = sim.crash_info  # type: ignore[attr-defined]
    times = [t for t, r in sim.metrics.commit_events if t > crashed_at and r >= first_round]
    if report.violations:
        raise SystemExit(f"invariant violated at N={n}: {report.violations}")
    # a leader crashed after forming QC(r - 1) takes that QC along: round r - 1 times out
    if not any(r >= first_round - 1 for r in sim.metrics.timeout_rounds):
        raise SystemExit(f"N={n} seed={seed}: no round timed out after the crash")
    return {
        "first_commit": (min(times) - crashed_at) if times else float("inf"),
        "timeout_msgs": report.messages_per_timeout_round,
    }


def run_reputation(n: int, seed: int) -> dict[str, float]:
    f = fault_tolerance(n)
    crashes = tuple(f"{i}@0.0" for i in range(n - f, n))
    from zkpov.sim.scenarios import parse_crash

    config = SimConfig(
        validators=n, rounds=80, seed=seed, block_time=BLOCK_TIME, timeout_base=TIMEOUT,
        crashes=tuple(parse_crash(c) for c in crashes), scheme="insecure-hash",
    )  # fmt: skip
    sim = Simulation(config)
    report = sim.run()
    start = 2 * config.reputation_window  # windows from here on saw only the crashed set
    seen = [(r, leader) for r, leader in sim.metrics.round_leaders if start <= r < report.rounds]
    failed = sum(leader is None or leader >= n - f for _, leader in seen)
    rounds = len({r for r, _ in seen})
    return {"rate": failed / len(seen) if seen else float("nan"), "rounds": rounds, "f": f}


def run_attack(n: int, kind: str | None, count: int, scheme: str, seconds: float) -> dict[str, Any]:
    """One run bounded by virtual time: slowest honest log, violations, crashes, peak tables."""
    config = SimConfig(
        validators=n, rounds=10**6, seed=0, byzantine={kind: count} if kind else {},
        scheme=scheme, max_time=seconds, block_time=BLOCK_TIME, timeout_base=TIMEOUT,
    )  # fmt: skip
    report = run_simulation(config)
    byzantine = set(report.extra["byzantine"])
    honest = [len(ids) for node, ids in report.committed.items() if str(node) not in byzantine]
    peaks = report.extra["peak_table_sizes"]
    retained = [sum(s.values()) for node, s in peaks.items() if node not in byzantine]
    return {
        "commits": min(honest), "violations": len(report.violations),
        "crashed": report.extra["crashed_nodes"], "retained": max(retained),
        "share": report.extra["byzantine_proposal_share"],
    }  # fmt: skip


def get_attack_rows(n: int, count: int, scheme: str, seconds: float) -> list[tuple[str, ...]]:
    base = run_attack(n, None, 0, scheme, seconds)
    rows = []
    for kind in ATTACK_KINDS:
        m = run_attack(n, kind, count, scheme, seconds)
        ratio = m["commits"] / max(1, base["commits"])
        share = f"{m['share']:.2f}" if kind == "leader_grinder" else "-"
        rows.append(
            (str(n), str(count), scheme, kind, f"{ratio:.2f}", str(m["violations"]),
             str(m["crashed"]), f"{m['retained']} ({base['retained']})", share)
        )  # fmt: skip
    return rows


def bench_attacks(
    configs: Sequence[tuple[int, int, str]], grinders: Sequence[int], seconds: float
) -> None:
    rows = [
        row for n, count, scheme in configs for row in get_attack_rows(n, count, scheme, seconds)
    ]
    header = ("N", "attackers", "scheme", "kind", "commits vs none", "violations",
              "crashed", "peak tables (none)", "byz share")  # fmt: skip
    print_table(f"4. Attacks over {seconds:.0f} virtual seconds (seed 0)", header, rows)
    share_rows = []
    for n in grinders:
        f = fault_tolerance(n)
        m = run_attack(n, "leader_grinder", f, "insecure-hash", 2 * seconds)
        share_rows.append((str(n), str(f), f"{f / n:.2f}", f"{m['share']:.2f}", str(m["commits"])))
    header = ("N", "grinders", "stake share", "share of committed blocks", "commits")
    print_table("4b. leader_grinder coalition of f (insecure-hash)", header, share_rows)


def print_table(title: str, header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
    print(f"\n{title}")
    print("  ".join(h.rjust(w) for h, w in zip(header, widths, strict=True)))
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print("  ".join(c.rjust(w) for c, w in zip(row, widths, strict=True)))


def bench_happy(sizes: Sequence[tuple[int, int, int]]) -> None:
    rows = []
    for n, rounds, seeds in sizes:
        runs = [run_happy(n, rounds, seed) for seed in range(seeds)]
        m = {k: median([r[k] for r in runs]) for k in runs[0]}
        rounds_cell = f"{m['lat_r50']:.0f} / {m['lat_r99']:.0f}"
        seconds_cell = f"{m['lat_s50']:.2f} / {m['lat_s99']:.2f}"
        msgs_cell = f"{m['msgs']:.0f} ({m['msgs'] / n:.2f}N)"
        rows.append(
            (str(n), rounds_cell, seconds_cell, msgs_cell, f"{m['wall'] * 1e3:.0f}", str(seeds))
        )
    header = (
        "N",
        "latency rounds p50/p99",
        "latency s p50/p99",
        "msgs/happy round",
        "wall ms/round",
        "seeds",
    )
    print_table(
        "1. Happy path, 500 ms rounds, real BLS (verification cached per process)", header, rows
    )


def bench_liveness(sizes: Sequence[tuple[int, int, str]]) -> None:
    rows = []
    for n, seeds, scheme in sizes:
        runs = [run_liveness(n, seed, scheme) for seed in range(seeds)]
        first = median([r["first_commit"] for r in runs])
        worst = max(r["first_commit"] for r in runs)
        ok = f"{sum(r['first_commit'] <= LIVENESS_BOUND for r in runs)}/{len(runs)}"
        msgs = median([r["timeout_msgs"] for r in runs])
        rows.append(
            (
                str(n),
                str(fault_tolerance(n)),
                scheme,
                f"{first:.2f}",
                f"{worst:.2f}",
                ok,
                f"{msgs:.0f}",
                str(seeds),
            )
        )
    header = (
        "N",
        "f crashed",
        "scheme",
        "first commit s (median)",
        "worst",
        f"<= {LIVENESS_BOUND:.1f}s",
        "msgs/timeout round",
        "seeds",
    )
    print_table(
        "2. Liveness after crashing f validators including the next leader (timeout 1 s)",
        header,
        rows,
    )


def bench_reputation(sizes: Sequence[tuple[int, int]]) -> None:
    rows = []
    for n, seeds in sizes:
        runs = [run_reputation(n, seed) for seed in range(seeds)]
        rate = median([r["rate"] for r in runs])
        rows.append(
            (
                str(n),
                str(int(runs[0]["f"])),
                f"{rate * 100:.1f}%",
                "yes" if rate <= 0.10 else "NO",
                str(int(runs[0]["rounds"])),
                str(seeds),
            )
        )
    header = ("N", "f crashed", "failed-leader rate", "<= 10%", "rounds measured", "seeds")
    print_table(
        "3. Failed-leader rate after one reputation window (window 10 rounds)", header, rows
    )


def run_loss(n: int, loss: float, seed: int, seconds: float) -> int:
    """Blocks the slowest honest node committed in ``seconds`` of virtual time."""
    config = SimConfig(
        validators=n, rounds=10_000, seed=seed, loss=loss, scheme="insecure-hash",
        block_time=BLOCK_TIME, timeout_base=TIMEOUT, max_time=seconds,
    )  # fmt: skip
    report = Simulation(config).run()
    if report.violations:
        raise SystemExit(f"invariant violated at N={n}, loss {loss}: {report.violations}")
    return min(len(blocks) for blocks in report.committed.values())


def bench_loss(n: int, losses: Sequence[float], seeds: int, seconds: float) -> None:
    rows = []
    for loss in losses:
        blocks = [run_loss(n, loss, seed, seconds) for seed in range(seeds)]
        rows.append((f"{loss:.0%}", f"{min(blocks)}-{max(blocks)}", str(seeds)))
    header = ("loss", f"blocks committed in {seconds:.0f} virtual s (slowest node)", "seeds")
    print_table(f"5. Independent message loss, N={n} (insecure-hash)", header, rows)


def main(argv: Sequence[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer seeds and rounds")
    parser.add_argument(
        "--only", choices=("happy", "liveness", "reputation", "attacks", "loss"), action="append",
        help="run only these sections (repeatable)",
    )  # fmt: skip
    args = parser.parse_args(argv)
    quick, only = (
        args.quick,
        set(args.only or ("happy", "liveness", "reputation", "attacks", "loss")),
    )
    if quick:
        sections: dict[str, Callable[[], None]] = {
            "happy": lambda: bench_happy([(4, 20, 1), (16, 20, 1), (100, 10, 1), (1000, 4, 1)]),
            "liveness": lambda: bench_liveness([(4, 1, "bls"), (16, 1, "bls"), (100, 1, "bls")]),
            "reputation": lambda: bench_reputation([(16, 1)]),
            "attacks": lambda: bench_attacks([(4, 1, "bls")], [16], 10.0),
            "loss": lambda: bench_loss(16, (0.2,), 1, 30.0),
        }
    else:
        sections = {
            "happy": lambda: bench_happy([(4, 40, 5), (16, 40, 5), (100, 20, 3), (1000, 8, 1)]),
            "liveness": lambda: bench_liveness(
                [(4, 9, "bls"), (16, 9, "bls"), (100, 5, "bls"), (1000, 1, "insecure-hash")]
            ),
            "reputation": lambda: bench_reputation([(16, 3), (100, 2)]),
            "attacks": lambda: bench_attacks(
                [(4, 1, "bls"), (16, 1, "bls"), (100, 1, "insecure-hash"), (16, 5, "bls")],
                [16, 31],
                15.0,
            ),
            "loss": lambda: bench_loss(16, (0.0, 0.1, 0.2, 0.3), 3, 60.0),
        }
    for name, run in sections.items():
        if name in only:
            run()


if __name__ == "__main__":
    main(sys.argv[1:])
