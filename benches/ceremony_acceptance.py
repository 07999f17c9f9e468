"""Issue 13's acceptance run, through the real CLI: a 3-contributor ceremony plus beacon for
both phases, each verified; ``zkpov testnet --ceremony`` for 4 validators; the nodes started
(``zkpov start``) commit and prove real transfers (``zkpov tx send --wait proven``) on the
ceremony's keys. Every step is a child process, printed with its wall time, CPU time (user +
system, all threads), peak RSS and the load average when it ended.

    python benches/ceremony_acceptance.py --work DIR [--log-size 16 --batch-size 2 --depth 32]
        [--skip-ceremony] [--no-phase2-verify]

The defaults are the default circuit (batch 2, depth 32, a 2^16 domain); phase 2 ``new`` and
every full verify (``phase2 verify``, ``testnet --ceremony``) recompute its start, minutes of
CPU each. ``--log-size 14 --batch-size 1 --depth 2`` is the smallest circuit. DIR must not exist,
unless ``--skip-ceremony`` continues from its finished ceremony (``DIR/net`` must not exist).
Steps that only read run side by side, which helps only where cores are idle.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

VALIDATORS = 4
BEACON_ITERATIONS = "10"
NODE_WAIT_S = 600.0
PROVEN_TIMEOUT_S = "1800"
PHASE1_PEOPLE = ("alice", "bob", "carol")
PHASE2_PEOPLE = ("dave", "erin", "frank")


@dataclass(frozen=True)
class Usage:
    """One finished child: wall and CPU seconds, peak RSS in MiB."""

    wall: float
    cpu: float
    rss_mib: float


def get_usage(proc: subprocess.Popen[bytes], started: float) -> Usage:
    """Reap ``proc`` and read its own resource use (not that of other children)."""
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return to_usage(usage, started)


def to_usage(usage: resource.struct_rusage, started: float) -> Usage:
    cpu = usage.ru_utime + usage.ru_stime
    return Usage(time.monotonic() - started, cpu, usage.ru_maxrss / 1024)


def report(name: str, usage: Usage) -> None:
    load = "/".join(f"{x:.1f}" for x in os.getloadavg())
    line = f"{name:34} {usage.wall:8.1f} {usage.cpu:8.1f} {usage.rss_mib:9.0f}  load {load}"
    print(line, flush=True)


def zkpov(*args: str) -> list[str]:
    return [sys.executable, "-m", "zkpov", *args]


def run_together(steps: list[tuple[str, list[str]]], log: Path) -> list[str]:
    """Run CLI steps side by side (each reads what the one before them wrote) to completion,
    reported as each ends; their stdouts, or exit with the log on a failure."""
    started, outs = time.monotonic(), [log.with_suffix(f".out{i}") for i in range(len(steps))]
    with log.open("ab") as err:
        procs = {}
        for i, (name, args) in enumerate(steps):
            with outs[i].open("wb") as out:
                procs[subprocess.Popen(args, stdout=out, stderr=err).pid] = name
        while procs:
            pid, status, usage = os.wait4(-1, 0)
            name = procs.pop(pid)
            report(name, to_usage(usage, started))
            if os.waitstatus_to_exitcode(status) != 0:
                raise SystemExit(f"{name} failed: see {log}")
    return [out.read_text().strip() for out in outs]


def run_step(name: str, args: list[str], log: Path) -> str:
    return run_together([(name, args)], log)[0]


def run_ceremony(d: Path, a: argparse.Namespace, log: Path) -> None:
    """Both phases: three contributors and a beacon each. Phase 1's verify runs beside phase 2's
    start; phase 2's verify runs beside ``testnet --ceremony`` (in :func:`run_network`), which
    verifies the whole transcript again before it installs the key."""
    run_step(f"phase1 new 2^{a.log_size}", cer("phase1", "new", d, "--log-size", a.log_size), log)
    contribute(d, "phase1", PHASE1_PEOPLE, log)
    shape = ("--batch-size", a.batch_size, "--depth", a.depth)
    head, _ = run_together(
        [("phase1 verify (all)", cer("phase1", "verify", d)),
         (f"phase2 new {a.batch_size}x{a.depth}", cer("phase2", "new", d, *shape))],
        log,
    )  # fmt: skip
    print(f"  phase1 verify accepts; its head {head}", flush=True)
    contribute(d, "phase2", PHASE2_PEOPLE, log)


def contribute(d: Path, phase: str, people: tuple[str, ...], log: Path) -> None:
    for who in people:
        run_step(f"{phase} contribute ({who})", cer(phase, "contribute", d, "--name", who), log)
    beacon = ("--value", "5eed" + phase.encode().hex(), "--log-iterations", BEACON_ITERATIONS)
    run_step(f"{phase} beacon", cer(phase, "beacon", d, *beacon), log)


def cer(*args: object) -> list[str]:
    return zkpov("ceremony", *(str(x) for x in args))


def wait_for_rpc(url: str) -> None:
    deadline = time.monotonic() + NODE_WAIT_S
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/status", timeout=5) as answer:
                json.loads(answer.read())
                return
        except (OSError, ValueError):
            time.sleep(2)
    raise SystemExit(f"{url} did not answer within {NODE_WAIT_S:.0f} s")


def start_nodes(net: Path) -> list[tuple[subprocess.Popen[bytes], float]]:
    nodes = []
    for i in range(VALIDATORS):
        out = (net / f"node{i}.log").open("wb")
        args = zkpov("start", "--home", str(net / f"node{i}"))
        proc = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT)
        nodes.append((proc, time.monotonic()))
    return nodes


def stop_nodes(nodes: list[tuple[subprocess.Popen[bytes], float]]) -> None:
    for proc, _ in nodes:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
    for i, (proc, started) in enumerate(nodes):
        if proc.returncode is None:
            report(f"node{i} (start to stop)", get_usage(proc, started))


def send_transfers(net: Path, base_port: int, accounts: int) -> None:
    """Two transfers from different accounts (one if the tree holds two accounts), each through
    another node and waited for until its block is proven."""
    procs = []
    for i, (sender, to) in enumerate(((0, 1), (2, 3))[: accounts // 2]):
        rpc = f"http://127.0.0.1:{base_port + 2 * i + 1}"
        target = run_step(f"keys show account{to}", keys_show(net, to), net / "cli.log")
        key = str(net / "accounts" / f"account{sender}.json")
        args = zkpov("tx", "send", "--key", key, "--to", target, "--amount", "7", "--rpc", rpc,
                     "--wait", "proven", "--timeout", PROVEN_TIMEOUT_S)  # fmt: skip
        procs.append((subprocess.Popen(args, stdout=subprocess.PIPE), time.monotonic()))
    for proc, started in procs:
        assert proc.stdout is not None
        out = proc.stdout.read().decode().strip()
        report("tx send --wait proven", get_usage(proc, started))
        if proc.returncode != 0:
            raise SystemExit(f"a transfer was not proven ({proc.returncode}): {out}")
        print(f"  proven: {out}", flush=True)


def keys_show(net: Path, i: int) -> list[str]:
    return zkpov("keys", "show", "--kind", "account", str(net / "accounts" / f"account{i}.json"))


def print_node_status(base_port: int) -> None:
    for i in range(VALIDATORS):
        url = f"http://127.0.0.1:{base_port + 2 * i + 1}/status"
        with urllib.request.urlopen(url, timeout=10) as answer:
            status = json.loads(answer.read())
        print(f"  node{i} /status: {json.dumps(status, sort_keys=True)[:400]}", flush=True)


def run_network(d: Path, a: argparse.Namespace, log: Path) -> None:
    net, base_port = a.work / "net", a.base_port
    accounts = min(4, 2**a.depth // 2)  # a depth-2 tree holds 2
    args = zkpov("testnet", "--validators", str(VALIDATORS), "--output", str(net), "--ceremony",
                 str(d), "--base-port", str(base_port), "--accounts", str(accounts))  # fmt: skip
    steps = [("testnet --ceremony (verifies all)", args)]
    if not a.no_phase2_verify:
        steps.insert(0, ("phase2 verify (all)", cer("phase2", "verify", d)))
    outs = run_together(steps, log)
    if not a.no_phase2_verify:
        print(f"  phase2 verify accepts; transcript head {outs[0]}", flush=True)
    print(f"  genesis setup: {json.loads((net / 'node0' / 'genesis.json').read_text())['setup']}")
    nodes = start_nodes(net)
    try:
        for i in range(VALIDATORS):
            wait_for_rpc(f"http://127.0.0.1:{base_port + 2 * i + 1}")
        send_transfers(net, base_port, accounts)
        print_node_status(base_port)
    finally:
        stop_nodes(nodes)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--log-size", type=int, default=16)
    parser.add_argument("--batch-size", type=int, default=2)
    parser.add_argument("--depth", type=int, default=32)
    parser.add_argument("--base-port", type=int, default=36656)
    parser.add_argument("--skip-ceremony", action="store_true", help="reuse --work's ceremony")
    parser.add_argument(
        "--no-phase2-verify",
        action="store_true",
        help="leave the whole-transcript verify to testnet --ceremony, which makes the same one",
    )
    a = parser.parse_args()
    if not a.skip_ceremony:
        a.work.mkdir(parents=True)
    d, log = a.work / "ceremony", a.work / "steps.log"
    print(f"{os.cpu_count()} CPUs; {'step':34} {'wall s':>8} {'CPU s':>8} {'peak MiB':>9}")
    started = time.monotonic()
    if not a.skip_ceremony:
        run_ceremony(d, a, log)
    run_network(d, a, log)
    print(f"acceptance run passed in {time.monotonic() - started:.0f} s", flush=True)


if __name__ == "__main__":
    main()
