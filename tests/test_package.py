"""The package's top level: cheap import, lazy names, the CLI entry point."""

from __future__ import annotations

import subprocess
import sys

from click.testing import CliRunner

import zkpov
from zkpov.cli import main


def test_import_zkpov_loads_nothing_heavy() -> None:
    code = (
        "import sys, zkpov; "
        "heavy = [m for m in ('zkpov._native', 'click', 'rich', 'msgpack') if m in sys.modules]; "
        "print(','.join(heavy))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == ""


def test_unknown_top_level_name_is_an_attribute_error() -> None:
    try:
        zkpov.NoSuchThing  # noqa: B018
    except AttributeError as err:
        assert "NoSuchThing" in str(err)
    else:
        raise AssertionError("expected AttributeError")


def test_demo_command_verifies_a_real_aggregate() -> None:
    result = CliRunner().invoke(main, ["demo", "--validators", "4", "--repeat", "1"])
    assert result.exit_code == 0, result.output
    assert "aggregate signature of 4 validators verifies: True" in result.output
