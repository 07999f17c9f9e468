"""The explorer page in headless Chromium against a real one-validator node (LMDB, real Groth16
proofs carried in blocks): it renders its tables, its heights move live over ``/events``, and
the page of the block that committed a transfer sent with ``ZkpovClient`` lists that transfer,
the search box finds it, and the block that carries its validity proof links to it.

Skipped when Chromium is not installed, failed instead under ``ZKPOV_REQUIRE_BROWSER=1`` (CI).
Screenshots go to ``$ZKPOV_ARTIFACTS`` (CI: ``artifacts/``, not in git), else to the test's
temporary directory.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime
import os
import re
from pathlib import Path

import pytest
from aiohttp.test_utils import TestServer

from tests.node.rpc.fake_view import FakeNode
from tests.node.rpc.test_live_node import LiveNode, wait_until
from tests.node.test_runtime import free_base_port
from tests.support.browser import Chromium, find_chromium
from zkpov.client import ZkpovClient
from zkpov.client.models import TransferReceipt
from zkpov.node.ops.keys import KeyKind, read_key_file
from zkpov.node.ops.setup import TestnetLayout, create_testnet
from zkpov.node.rpc.app import create_app
from zkpov.node.rpc.view import NodeStatus
from zkpov.spec.codec.payload import decode_carried_proofs
from zkpov.types import ValidatorIndex

AMOUNT = 4242


def _rows(table: str) -> str:
    return f"document.querySelectorAll('#{table} tbody tr').length"


def get_finalized_height(dom: str) -> int:
    found = re.search(r'id="finalized-height">([0-9]+)<', dom)
    assert found is not None, "no finalized height on the page"
    return int(found.group(1))


def get_artifacts_dir(tmp_path: Path) -> Path:
    where = Path(os.environ.get("ZKPOV_ARTIFACTS") or tmp_path / "artifacts")
    where.mkdir(parents=True, exist_ok=True)
    return where


def send_transfer(url: str, layout: TestnetLayout) -> TransferReceipt:
    key = read_key_file(layout.account_key_files[0], KeyKind.ACCOUNT)
    recipient = read_key_file(layout.account_key_files[1], KeyKind.ACCOUNT).public
    with ZkpovClient(url) as client:
        return client.send_transfer(key, recipient, AMOUNT, fee=1, wait="commit", timeout=120)


async def check_home(page: Chromium, url: str, artifacts: Path) -> None:
    """Headings and rows render; the finalized height and the block list move on the open page
    (the events stream), without a reload."""
    await page.open(f"{url}/")
    await page.wait_for(f"{_rows('validators')} === 1 && {_rows('blocks')} > 0", "the tables")
    first = await page.get_dom()
    assert "Validators (1)" in first and "Latest blocks" in first and "zkpov-devnet" in first
    height = get_finalized_height(first)
    grown = f"Number(document.getElementById('finalized-height').textContent) > {height}"
    await page.wait_for(f"{grown} && Number(document.getElementById('live').dataset.events) > 0",
                        "a live height update")  # fmt: skip
    assert get_finalized_height(await page.get_dom()) > height
    reputation = "document.querySelector('#validators tbody tr').cells[3].textContent"
    await page.wait_for(f"{reputation} === 'x1000'", "the one validator's full reputation")
    top = "Number(document.querySelector('#blocks tbody tr td').textContent)"
    await page.wait_for(f"{top} > {height}", "the block list to follow")
    assert_recent_time(await page.get_dom())
    await page.save_screenshot(artifacts / "explorer.png")


async def check_block_page(page: Chromium, url: str, receipt: TransferReceipt, art: Path) -> None:
    """The committing block's page lists the transfer: its hash, accounts and amount."""
    assert receipt.height is not None
    await page.open(f"{url}/#/block/{receipt.height}")
    listed = "document.querySelectorAll('#transfers tbody tr a[href^=\"#/tx/\"]').length > 0"
    await page.wait_for(f"document.body.dataset.page === 'block' && {listed}", "the transfers")
    dom = await page.get_dom()
    assert f"Block {receipt.height}" in dom
    assert f'href="#/tx/{receipt.result.hash.hex()}"' in dom
    assert f'<td class="num">{AMOUNT}</td>' in dom
    assert_recent_time(dom)
    await page.save_screenshot(art / "explorer-block.png")


def assert_recent_time(dom: str) -> None:
    """The page shows a block time (the proposer's clock, UTC) within an hour of ours."""
    shown = re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}", dom)
    assert shown is not None, "no block time on the page"
    stamp = datetime.datetime.fromisoformat(shown.group(0)).replace(tzinfo=datetime.UTC)
    assert abs(datetime.datetime.now(datetime.UTC) - stamp) < datetime.timedelta(hours=1)


def find_carrier(live: LiveNode, height: int) -> int:
    """The committed block that carries the proof of ``height`` (read here with the node's own
    decoder, to check the page's)."""
    wait_until(lambda: (live.get("/status")["sync_info"]["proven_final_height"] or 0) >= height,
               "the transfer's block to be proven")  # fmt: skip
    for carrier in range(height + 1, live.node.chain.height + 1):
        proof = bytes.fromhex(live.get("/block", height=str(carrier))["proof"])
        if height in {h for h, _ in decode_carried_proofs(proof)}:
            return carrier
    raise AssertionError(f"no committed block carries the proof of {height}")


async def check_carried(page: Chromium, live: LiveNode, height: int) -> None:
    """The carrying block's page links the proof it carries to the proven block."""
    carrier = await asyncio.to_thread(find_carrier, live, height)
    await page.open(f"{live.url}/#/block/{carrier}")
    linked = f"document.querySelector('#carried a[href=\"#/block/{height}\"]') !== null"
    await page.wait_for(linked, "the carried proof's row")


async def check_search(page: Chromium, receipt: TransferReceipt) -> None:
    """The search box finds the transaction by hash, as committed at its height; its sender's
    link opens the account (nonce used); a height finds the block."""
    await page.evaluate(
        f"document.getElementById('query').value = '{receipt.result.hash.hex()}';"
        "document.getElementById('search').requestSubmit()"
    )
    await page.wait_for("document.body.dataset.page === 'tx'", "the transaction page")
    dom = await page.get_dom()
    assert "<dd>committed</dd>" in dom and f'href="#/block/{receipt.height}"' in dom
    await page.evaluate("document.querySelector('#view a[href^=\"#/account/\"]').click()")
    await page.wait_for("document.body.dataset.page === 'account'", "the sender's account page")
    shown = str(await page.evaluate("document.getElementById('view').textContent"))
    assert "balance" in shown and "next nonce (after pending)2" in shown
    await page.evaluate(
        "document.getElementById('query').value = '1';"
        "document.getElementById('search').requestSubmit()"
    )
    await page.wait_for("document.getElementById('block-title')?.textContent === 'Block 1'",
                        "block 1 found by height")  # fmt: skip


async def drive(exe: str, tmp_path: Path, live: LiveNode, layout: TestnetLayout) -> None:
    artifacts = get_artifacts_dir(tmp_path)
    async with Chromium(exe, tmp_path) as page:
        await check_home(page, live.url, artifacts)
        receipt = await asyncio.to_thread(send_transfer, live.url, layout)
        await check_block_page(page, live.url, receipt, artifacts)
        await check_search(page, receipt)
        assert receipt.height is not None
        await check_carried(page, live, receipt.height)
        refused = [line for line in page.console if "Content Security Policy" in line]
        thrown = [line for line in page.console if line.startswith("exception:")]
        assert not refused and not thrown, page.console


def test_explorer_in_headless_chromium(tmp_path: Path) -> None:
    exe = find_chromium()
    layout = create_testnet(
        tmp_path / "net", 1, accounts=2, base_port=free_base_port(2), proof_lag=2
    )
    with LiveNode(layout.homes[0]) as live:
        asyncio.run(asyncio.wait_for(drive(exe, tmp_path, live, layout), 300))


HOSTILE = "<img src=x onerror=\"document.title='owned'\">"
DROPPED = bytes([7]) * 32


class HostileNode(FakeNode):
    """A node whose chain id and refusal message are markup (and whose odd blocks carry a
    proof field that is not msgpack, and transactions that are not transfers), with 250
    validators."""

    def __init__(self) -> None:
        super().__init__()
        self.dropped[DROPPED] = ("evicted", HOSTILE)
        self.validators = tuple(
            dataclasses.replace(self.validators[0], index=ValidatorIndex(i)) for i in range(250)
        )  # more than one page: the page asks 100 at a time, the RPC's cap

    def get_status(self) -> NodeStatus:
        return dataclasses.replace(super().get_status(), chain_id=HOSTILE)


async def check_validator_pages(page: Chromium) -> None:
    """250 validators: 100 rows a page, and the pager moves to the next hundred."""
    pager = "document.querySelector('.pager')"
    assert await page.evaluate(f"{_rows('validators')} === 100 && {pager}.textContent")
    assert "page 1 of 3" in await page.evaluate(f"{pager}.textContent")
    await page.evaluate(f"{pager}.querySelectorAll('button')[1].click()")
    first_index = "document.querySelector('#validators tbody td').textContent"
    await page.wait_for(f"{first_index} === '100'", "the second page of validators")
    assert "Validators (250)" in await page.get_dom()


async def check_hostile_text(exe: str, tmp_path: Path) -> None:
    no_markup = "document.images.length === 0 && document.title === 'zkpov explorer'"
    async with TestServer(create_app(HostileNode())) as server, Chromium(exe, tmp_path) as page:
        url = f"http://127.0.0.1:{server.port}"
        await page.open(f"{url}/")
        await page.wait_for(f"{_rows('blocks')} > 0", "the block list")
        assert await page.evaluate("document.getElementById('chain').textContent") == (
            f"chain {HOSTILE}"
        )
        await check_validator_pages(page)
        await page.open(f"{url}/#/tx/{DROPPED.hex()}")
        await page.wait_for("document.body.dataset.page === 'tx'", "the transaction page")
        assert HOSTILE in str(await page.evaluate("document.getElementById('view').textContent"))
        await page.open(f"{url}/#/block/1")
        await page.wait_for("document.body.dataset.page === 'block'", "the block page")
        shown = str(await page.evaluate("document.getElementById('view').textContent"))
        assert "undecodable proof field" in shown and "not a transfer" in shown
        assert await page.evaluate(no_markup), await page.get_dom()


def test_rpc_text_is_shown_as_text_never_as_markup(tmp_path: Path) -> None:
    asyncio.run(asyncio.wait_for(check_hostile_text(find_chromium(), tmp_path), 120))


def test_a_missing_browser_skips_here_and_fails_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.delenv("ZKPOV_CHROMIUM", raising=False)
    monkeypatch.delenv("ZKPOV_REQUIRE_BROWSER", raising=False)
    with pytest.raises(pytest.skip.Exception, match="not installed"):
        find_chromium()
    monkeypatch.setenv("ZKPOV_REQUIRE_BROWSER", "1")
    with pytest.raises(pytest.fail.Exception, match="ZKPOV_REQUIRE_BROWSER=1 requires it"):
        find_chromium()
