"""Headless Chromium (Debian's ``chromium`` package) driven over its own DevTools protocol.

Chromium's ``--dump-dom --virtual-time-budget`` never returns on the explorer: virtual time
waits for pending fetches, and the page's ``/events`` stream stays open by design. So the test
starts ``chromium --headless --remote-debugging-port=0`` and speaks the DevTools protocol on its
websocket (aiohttp's client; nothing is downloaded, no Playwright): navigate, wait for a DOM
condition in real time, read ``outerHTML``, capture a PNG.

``find_chromium`` gives the executable, or skips the test with the reason; with
``ZKPOV_REQUIRE_BROWSER=1`` (as ``.ci/run`` sets) a missing browser fails the test instead.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import aiohttp
import pytest

__all__ = ["Chromium", "find_chromium"]

_NAMES = ("chromium", "chromium-browser")
_LISTENING = "DevTools listening on "


def find_chromium() -> str:
    """The Chromium executable (``$ZKPOV_CHROMIUM`` or on PATH); else skip, or fail in CI."""
    for name in (os.environ.get("ZKPOV_CHROMIUM", ""), *_NAMES):
        found = shutil.which(name) if name else None
        if found:
            return found
    reason = "headless Chromium is not installed (Debian: apt-get install chromium)"
    if os.environ.get("ZKPOV_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason}, and ZKPOV_REQUIRE_BROWSER=1 requires it")
    pytest.skip(reason)


class Chromium:
    """One headless browser with one page, used as ``async with Chromium(exe, dir) as page``."""

    def __init__(self, executable: str, work: Path, size: tuple[int, int] = (1280, 1000)) -> None:
        self.executable, self.work, self.size = executable, work, size
        self.console: list[str] = []  # console messages and browser log entries, as text
        self._process: subprocess.Popen[bytes] | None = None
        self._session: aiohttp.ClientSession | None = None
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._target = ""
        self._next_id = 0

    async def __aenter__(self) -> Chromium:
        log = self.work / "chromium.log"
        args = [
            self.executable, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
            "--remote-debugging-port=0", "--remote-debugging-address=127.0.0.1",
            f"--user-data-dir={self.work / 'profile'}",
            f"--window-size={self.size[0]},{self.size[1]}",
            "about:blank",
        ]  # fmt: skip
        with log.open("wb") as out:
            self._process = subprocess.Popen(args, stdout=out, stderr=out)
        url = await self._wait_listening(log)
        self._session = aiohttp.ClientSession()
        self._ws = await self._session.ws_connect(url, max_msg_size=64 * 1024 * 1024)
        created = await self.send("Target.createTarget", url="about:blank")
        attached = await self.send(
            "Target.attachToTarget", targetId=created["targetId"], flatten=True
        )
        self._target = attached["sessionId"]
        for domain in ("Page", "Runtime", "Log"):
            await self.send(f"{domain}.enable")
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._ws is not None:
            await self._ws.close()
        if self._session is not None:
            await self._session.close()
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(10)

    async def _wait_listening(self, log: Path, timeout: float = 60) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in log.read_text(errors="replace").splitlines():
                if line.startswith(_LISTENING):
                    return line[len(_LISTENING) :].strip()
            assert self._process is not None
            if self._process.poll() is not None:
                raise AssertionError(f"chromium exited: {log.read_text(errors='replace')[-2000:]}")
            await asyncio.sleep(0.1)
        raise AssertionError(f"chromium did not open its DevTools port in {timeout} s")

    async def send(self, method: str, **params: Any) -> dict[str, Any]:
        """One DevTools command; its result (events that arrive meanwhile are logged)."""
        assert self._ws is not None
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params}
        if self._target and not method.startswith("Target."):
            message["sessionId"] = self._target
        await self._ws.send_str(json.dumps(message))
        while True:
            reply = json.loads(await asyncio.wait_for(self._ws.receive_str(), 60))
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise AssertionError(f"{method}: {reply['error']}")
                result: dict[str, Any] = reply.get("result", {})
                return result
            self._on_event(reply)

    def _on_event(self, event: dict[str, Any]) -> None:
        params = event.get("params", {})
        if event.get("method") == "Log.entryAdded":
            self.console.append(f"{params['entry']['level']}: {params['entry']['text']}")
        elif event.get("method") == "Runtime.consoleAPICalled":
            args = " ".join(str(arg.get("value", arg.get("description"))) for arg in params["args"])
            self.console.append(f"{params['type']}: {args}")
        elif event.get("method") == "Runtime.exceptionThrown":
            self.console.append(f"exception: {params['exceptionDetails'].get('text')}")

    async def open(self, url: str) -> None:
        await self.send("Page.navigate", url=url)

    async def evaluate(self, expression: str) -> Any:
        """The JSON value of ``expression`` in the page."""
        result = await self.send("Runtime.evaluate", expression=expression, returnByValue=True)
        if "exceptionDetails" in result:
            raise AssertionError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    async def wait_for(self, expression: str, what: str, timeout: float = 60) -> Any:
        """Polls ``expression`` until it is truthy; its value."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = await self.evaluate(expression)
            if value:
                return value
            await asyncio.sleep(0.2)
        dom = await self.get_dom()
        raise AssertionError(f"timed out waiting for {what}; console {self.console}; DOM {dom}")

    async def get_dom(self) -> str:
        """The page as it is now (``document.documentElement.outerHTML``)."""
        return str(await self.evaluate("document.documentElement.outerHTML"))

    async def save_screenshot(self, path: Path) -> None:
        shot = await self.send("Page.captureScreenshot", format="png", captureBeyondViewport=True)
        path.write_bytes(base64.b64decode(shot["data"]))
