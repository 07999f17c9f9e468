"""tools/wheel_smoke.py: what it strips from the environment, and what it refuses to test.

The smoke test itself (a fresh venv installing a built wheel) runs in .ci/run after the wheel
build; here, the parts that decide whether Rust is really off the path.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tools import wheel_smoke


def test_rust_directories_and_variables_are_removed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rust, plain = tmp_path / "cargo-bin", tmp_path / "bin"
    rust.mkdir(), plain.mkdir()
    (rust / "rustc").touch()
    monkeypatch.setenv("PATH", f"{rust}:{plain}:{rust}")
    monkeypatch.setenv("CARGO_HOME", "/somewhere")
    monkeypatch.setenv("RUSTUP_TOOLCHAIN", "stable")
    monkeypatch.setenv("PYTHONPATH", "/checkout/python")
    env = wheel_smoke.get_rustless_env()
    assert env["PATH"] == str(plain)
    assert not {"CARGO_HOME", "RUSTUP_TOOLCHAIN", "PYTHONPATH"} & set(env)


def test_a_rust_tool_on_path_fails_the_inside_check(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tool = tmp_path / "cargo"
    tool.touch(mode=0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(SystemExit, match="a Rust tool is on PATH"):
        wheel_smoke.check_no_rust()


@pytest.mark.parametrize("argv", [[], ["no-such.whl"], ["a.whl", "b.whl"]])
def test_usage_without_one_wheel_file(argv: list[str]) -> None:
    with pytest.raises(SystemExit, match="usage"):
        wheel_smoke.main(argv)


def test_a_wheel_that_is_not_abi3_is_refused(tmp_path: Path) -> None:
    wheel = tmp_path / "zkpov-0.1.0-cp311-cp311-linux_x86_64.whl"
    wheel.touch()
    with pytest.raises(SystemExit, match="not an abi3 wheel"):
        wheel_smoke.main([str(wheel)])
