"""Smoke run of ``benches/bench_devnet.py`` so that the bench cannot rot (four real node
processes, a two-step ramp of a few seconds with proofs off, the py-spy step, one JSON line),
and ``zkpov devnet --load saturate`` stopped by SIGTERM: its nodes stop with it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.devnet.test_run import stop_by_sigterm
from tests.node.test_runtime import free_base_port

BENCH = Path(__file__).resolve().parents[2] / "benches" / "bench_devnet.py"


@pytest.mark.slow
def test_a_tiny_ramp_measures_the_nodes_and_profiles_the_busiest(tmp_path: Path) -> None:
    cmd = [
        sys.executable, str(BENCH), "--mode", "off", "--max-steps", "2", "--start-rate", "20",
        "--factor", "2", "--step-seconds", "3", "--settle-seconds", "2", "--accounts", "32",
        "--dir", str(tmp_path), "--json",
    ]  # fmt: skip
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])["proofs_off"]
    assert report["failure"] == ""
    steps = report["steps"]
    assert [s["offered_per_s"] for s in steps] == [20.0, 40.0]
    assert all(len(s["node_cpu"]) == 4 and min(s["node_cpu"]) > 0 for s in steps)
    assert max(s["committed_per_s"] for s in steps) > 0  # counted by the nodes themselves
    assert any(s["latency_samples"] > 0 and s["latency_s"]["p50"] > 0 for s in steps)
    assert report["profile"]["samples"] > 0 and report["profile"]["self_share"]
    assert "proofs on" not in done.stderr and "Traceback" not in done.stderr


@pytest.mark.slow
def test_sigterm_stops_the_saturation_run_and_its_nodes(tmp_path: Path) -> None:
    root = tmp_path / "devnet"
    cmd = [
        sys.executable, "-m", "zkpov", "devnet", "--load", "saturate", "--no-proofs",
        "--validators", "2", "--dir", str(root), "--base-port", str(free_base_port(4)), "--json",
    ]  # fmt: skip
    report = stop_by_sigterm(cmd, root)
    assert report["failure"].startswith("stopped early by a signal")
