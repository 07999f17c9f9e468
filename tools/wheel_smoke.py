"""Smoke-test a built zkpov wheel in a fresh virtual environment with no Rust toolchain.

    python tools/wheel_smoke.py dist/zkpov-*.whl

Outside: makes a temporary venv, removes every PATH directory holding cargo, rustc or rustup
(and the CARGO_/RUSTUP_ variables), installs the wheel there (dependencies from the index),
then runs this file again with the venv's interpreter in isolated mode (``-I``: neither the
checkout nor PYTHONPATH is importable) from the temporary directory. Inside: the installed
package must be the one imported; BLS signs and verifies; one Groth16 proof at batch 1, depth 8
proves and verifies; the explorer's static files are there (package data, not Python);
``zkpov sim`` runs 10 rounds without a violation. Exits non-zero on any failure, saying which
check failed. zkpov is imported only inside the checks: the outside half
runs under any Python, without zkpov.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from zkpov.chain.state import AccountState, Transfer

RUST_TOOLS = ("cargo", "rustc", "rustup")
SIM_ROUNDS = 10


def get_rustless_env() -> dict[str, str]:
    """This process's environment minus Rust: its PATH directories, CARGO_*, RUSTUP_*."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CARGO", "RUSTUP"))}
    dirs = [d for d in env.get("PATH", "").split(os.pathsep) if d and not _holds_rust(d)]
    env["PATH"] = os.pathsep.join(dirs)
    env.pop("PYTHONPATH", None)
    return env


def _holds_rust(directory: str) -> bool:
    return any((Path(directory) / tool).exists() for tool in RUST_TOOLS)


def run(args: list[str], env: dict[str, str], cwd: Path) -> str:
    """Runs ``args``; its stdout, or SystemExit with its output when it fails."""
    done = subprocess.run(  # noqa: S603 - our own argv, no shell
        args, env=env, cwd=cwd, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(
            f"failed ({done.returncode}): {' '.join(args)}\n{done.stdout}{done.stderr}"
        )
    return done.stdout


def check_outside(wheel: Path) -> None:
    """Builds the fresh venv, installs ``wheel`` without Rust, runs the inside checks."""
    if "abi3" not in wheel.name:
        raise SystemExit(f"{wheel.name} is not an abi3 wheel")
    env = get_rustless_env()
    with tempfile.TemporaryDirectory(prefix="zkpov-wheel-") as tmp:
        work = Path(tmp)
        venv = work / "venv"
        timed("venv", run, [sys.executable, "-m", "venv", str(venv)], env, work)
        python = str(venv / "bin" / "python")
        pip = [python, "-m", "pip", "install", "-q", str(wheel.resolve())]
        timed("pip install wheel", run, pip, env, work)
        out = run([python, "-I", str(Path(__file__).resolve()), "--inside"], env, work)
        print(out, end="")


def timed(label: str, step: Callable[..., object], *args: object) -> None:
    t0 = time.monotonic()
    step(*args)
    print(f"{label}: {time.monotonic() - t0:.1f} s")


def check_no_rust() -> None:
    found = {tool: shutil.which(tool) for tool in RUST_TOOLS}
    if any(found.values()):
        raise SystemExit(f"a Rust tool is on PATH: {found}")
    print("rust: cargo, rustc, rustup not found on PATH")


def check_installed_package() -> None:
    import zkpov

    where = Path(zkpov.__file__).resolve()
    if not where.is_relative_to(Path(sys.prefix).resolve()):
        raise SystemExit(f"imported zkpov from {where}, not from the venv {sys.prefix}")
    print(f"import: {where}")


def check_bls() -> None:
    from zkpov.crypto import bls

    sk = bls.keygen(b"\x07" * 32)
    pk, sig = bls.sk_to_pk(sk), bls.sign(sk, b"wheel")
    if not bls.verify(pk, b"wheel", sig) or bls.verify(pk, b"other", sig):
        raise SystemExit("BLS sign/verify gave a wrong answer")
    print("bls: signed and verified; a wrong message is refused")


def check_groth16() -> None:
    from zkpov.crypto import snark

    config = snark.CircuitConfig(batch_size=1, tree_depth=8)
    pk_, vk = snark.insecure_setup(config, b"wheel smoke")
    proof, inputs = snark.prove(pk_, *_make_one_transfer())
    wrong = snark.PublicInputs(inputs.pre_root, inputs.post_root, inputs.commitment ^ 1)
    if not snark.verify(vk, inputs, proof) or snark.verify(vk, wrong, proof):
        raise SystemExit("Groth16 prove/verify gave a wrong answer")
    print(f"groth16: proved and verified one transfer ({len(proof)}-byte proof)")


def _make_one_transfer() -> tuple[AccountState, list[Transfer]]:
    """A depth-8 state with one funded account, and a signed transfer from it."""
    from zkpov.chain.state import AccountState, compute_account_index, sign_transfer
    from zkpov.crypto import schnorr

    alice, bob = schnorr.generate_keypair(), schnorr.generate_keypair()
    sender, to = (
        compute_account_index(alice.public_key, 8),
        compute_account_index(bob.public_key, 8),
    )
    if sender == to:  # one time in 256: a shared slot is a refused transfer
        to = (to + 1) % 256
    state = AccountState(8)
    state.credit(sender, alice.public_key, 100)
    return state, [sign_transfer(alice.secret_key, sender, to, bob.public_key, 7, 1)]


def check_explorer_assets() -> None:
    """The explorer's static files (non-Python package data) are in the installed wheel."""
    from zkpov.node.rpc.explorer_page import ASSETS, get_asset_bytes

    sizes = {asset.name: len(get_asset_bytes(asset.name)) for asset in ASSETS}
    if not all(sizes.values()):
        raise SystemExit(f"explorer assets missing or empty in the wheel: {sizes}")
    print(f"explorer: {sizes}")


def check_sim() -> None:
    zkpov = Path(sys.prefix) / "bin" / "zkpov"
    args = [str(zkpov), "sim", "--rounds", str(SIM_ROUNDS), "--json"]
    done = subprocess.run(  # noqa: S603 - the venv's own zkpov, no shell
        args, capture_output=True, text=True, check=False, timeout=300
    )
    if done.returncode != 0:
        raise SystemExit(f"zkpov sim failed: {done.stderr}")
    report = json.loads(done.stdout)
    heights = [len(chain) for chain in report["committed"].values()]
    if report["violations"] or min(heights) < 1:
        raise SystemExit(f"zkpov sim: violations {report['violations']}, heights {heights}")
    print(f"sim: {report['rounds']} rounds, committed heights {heights}, no violations")


def check_inside() -> None:
    checks = (
        check_no_rust, check_installed_package, check_bls, check_groth16, check_explorer_assets,
        check_sim,
    )  # fmt: skip
    for check in checks:
        timed(check.__name__, check)


def main(argv: list[str]) -> None:
    if argv == ["--inside"]:
        check_inside()
    elif len(argv) == 1 and Path(argv[0]).is_file():
        check_outside(Path(argv[0]))
    else:
        raise SystemExit("usage: wheel_smoke.py WHEEL (one built zkpov wheel file)")


if __name__ == "__main__":
    main(sys.argv[1:])
