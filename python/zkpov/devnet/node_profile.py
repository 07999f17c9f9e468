"""Where a running node's time goes: py-spy samples of its process, summed by function.

py-spy (pinned in the ``dev`` extra) attaches to a live process without stopping it
(``--nonblocking``) and samples its Python stacks; idle threads are not sampled, so the
samples over ``rate * seconds`` is the share of the time the node was running Python or a
native call made from Python (Rust code shows as the Python function that called it). Without
py-spy, or where the kernel refuses it the process, the summary says so instead: no made-up
profile.
"""

from __future__ import annotations

import asyncio
import shutil
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["NodeProfile", "find_py_spy", "record_profile", "summarize_stacks"]

SAMPLE_RATE = 100  # samples a second
TOP_FUNCTIONS = 15
ENTRY_SHARE = 0.95  # a frame on this share of its thread's stacks is its entry chain


@dataclass
class NodeProfile:
    """Shares are fractions of all samples; ``busy`` of ``rate * seconds``."""

    node: int = -1
    seconds: float = 0.0
    samples: int = 0
    busy: float = 0.0
    self_share: list[tuple[str, float]] = field(default_factory=list)  # leaf function
    # anywhere on the stack, less each thread's entry chain (see summarize_stacks)
    total_share: list[tuple[str, float]] = field(default_factory=list)
    unavailable: str = ""  # why there is no profile


def find_py_spy() -> str | None:
    """py-spy beside this interpreter (a venv's bin), else on PATH."""
    local = Path(sys.executable).parent / "py-spy"
    return str(local) if local.is_file() else shutil.which("py-spy")


async def record_profile(pid: int, node: int, seconds: float, output: Path) -> NodeProfile:
    """Samples process ``pid`` for ``seconds``; the raw stacks are kept in ``output``."""
    spy = find_py_spy()
    if spy is None:
        return NodeProfile(node, seconds, unavailable="py-spy is not installed (pip: dev extra)")
    proc = await asyncio.create_subprocess_exec(
        spy, "record", "--pid", str(pid), "--duration", str(max(1, round(seconds))),
        "--rate", str(SAMPLE_RATE), "--format", "raw", "--nolineno", "--nonblocking",
        "-o", str(output),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    try:
        said, _ = await proc.communicate()
    except asyncio.CancelledError:
        proc.kill()  # py-spy would otherwise sample on after the run ends
        await proc.wait()
        raise
    if proc.returncode != 0 or not output.is_file():
        last = said.decode(errors="replace").strip().splitlines()[-1:] or ["no output"]
        return NodeProfile(node, seconds, unavailable=f"py-spy failed: {last[0]}")
    profile = summarize_stacks(output.read_text(errors="replace"))
    profile.node, profile.seconds = node, seconds
    profile.busy = round(profile.samples / (SAMPLE_RATE * max(1, round(seconds))), 3)
    return profile


def summarize_stacks(text: str, top: int = TOP_FUNCTIONS) -> NodeProfile:
    """py-spy's raw (collapsed) stacks, ``frame;frame;... count`` a line, summed by function.
    The on-stack shares leave out each thread's entry chain: the frames on ``ENTRY_SHARE`` or
    more of the stacks that start where they start (main and the event loop, a worker's run)."""
    own: Counter[str] = Counter()
    anywhere: dict[str, Counter[str]] = {}  # root frame -> frame -> samples
    samples = 0
    for line in text.splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        frames = stack.split(";")
        samples += int(count)
        own[frames[-1]] += int(count)
        group = anywhere.setdefault(frames[0], Counter())
        for frame in set(frames):
            group[frame] += int(count)
    inner: Counter[str] = Counter()
    for root, group in anywhere.items():
        inner.update({k: n for k, n in group.items() if n < ENTRY_SHARE * group[root]})
    return NodeProfile(
        samples=samples,
        self_share=_shares(own, samples, top),
        total_share=_shares(inner, samples, top),
    )


def _shares(counts: Counter[str], samples: int, top: int) -> list[tuple[str, float]]:
    return [(name, round(n / samples, 3)) for name, n in counts.most_common(top)] if samples else []
