"""zkpov.node.ops.logs: JSON lines carry the record's fields; text lines stay plain."""

from __future__ import annotations

import json
import logging

import pytest

from zkpov.node.ops.logs import JsonFormatter, configure_logging


def _record(**extra: object) -> logging.LogRecord:
    record = logging.LogRecord("zkpov.test", logging.INFO, __file__, 1, "block %d", (7,), None)
    record.__dict__.update(extra)
    return record


def test_a_json_line_holds_the_message_and_the_fields() -> None:
    line = JsonFormatter().format(_record(height=7, latency_s=0.5))
    assert "\n" not in line
    doc = json.loads(line)
    assert doc["message"] == "block 7" and doc["level"] == "info"
    assert doc["logger"] == "zkpov.test" and doc["timestamp"].endswith("+00:00")
    assert (doc["height"], doc["latency_s"]) == (7, 0.5)


def test_a_message_with_newlines_stays_one_json_line() -> None:
    record = _record()
    record.msg, record.args = "two\nlines", None
    line = JsonFormatter().format(record)
    assert len(line.splitlines()) == 1 and json.loads(line)["message"] == "two\nlines"


def test_an_exception_is_kept_in_the_same_line() -> None:
    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", None, sys_exc())
    doc = json.loads(JsonFormatter().format(record))
    assert "ValueError: boom" in doc["exception"]


def sys_exc() -> object:
    import sys

    return sys.exc_info()


def test_configure_logging_installs_one_handler(capsys: pytest.CaptureFixture[str]) -> None:
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        configure_logging("warning", "json")
        configure_logging("warning", "json")
        assert len(root.handlers) == 1
        logging.getLogger("zkpov.x").warning("careful", extra={"peer": 3})
        logging.getLogger("zkpov.x").info("hidden")
        lines = capsys.readouterr().err.splitlines()
        assert [json.loads(line)["peer"] for line in lines] == [3]
    finally:
        root.handlers[:], root.level = saved[0], saved[1]
