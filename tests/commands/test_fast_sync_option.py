"""``zkpov start --fast-sync URL``: a URL that is not one is a usage error in one line; a peer
that does not answer costs one WARNING line, and the node starts from genesis and commits."""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path

from tests.test_cli_errors import assert_one_line, invoke
from tests.test_cli_logs import ZKPOV, make_home, read_records, wait_for


def test_a_fast_sync_url_that_is_not_one_is_a_usage_error(tmp_path: Path) -> None:
    result = invoke("start", "--home", str(tmp_path), "--fast-sync", "ftp://peer")
    assert "--fast-sync" in assert_one_line(result, code=2)


def test_a_silent_peer_means_one_warning_and_replay_from_genesis(tmp_path: Path) -> None:
    home = make_home(tmp_path / "net")
    log = tmp_path / "node.log"
    args = ["start", "--home", str(home), "--log-format", "json", "--fast-sync",
            "http://127.0.0.1:9"]  # fmt: skip
    with log.open("wb") as sink:
        node = subprocess.Popen([*ZKPOV, *args], stderr=sink)
    try:
        wait_for(log, "committed block 2 ", time.monotonic() + 90)
    finally:
        node.send_signal(signal.SIGINT)
        node.wait(timeout=30)
    assert node.returncode == 0
    warnings = [r for r in read_records(log) if r["level"] == "warning"]
    assert (
        len(warnings) == 1 and "fast sync from http://127.0.0.1:9 failed" in warnings[0]["message"]
    )
