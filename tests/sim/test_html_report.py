"""The HTML report: well-formed, self-contained, every plot present, hostile strings escaped,
bounded in size however large the run."""

from __future__ import annotations

import dataclasses
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest

from zkpov.errors import OutputPathError
from zkpov.sim import SimConfig, SimReport, run_simulation
from zkpov.sim.html_report import CHECKED_INVARIANTS, render_report, write_report
from zkpov.sim.series import BlockRow, FaultEvent, RoundRow, SimSeries

TITLES = (
    "Commit latency CDF",
    "Commits and rounds over virtual time",
    "Messages per round",
    "Timeouts per round",
    "Share of committed blocks by proposer",
    "Committed height per node over virtual time",
)
HOSTILE = '<script>alert("x")</script>&'
SVG_NS = "http://www.w3.org/2000/svg"


class _TagCounter(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.open: list[str] = []
        self.seen: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.seen.append(tag)
        if tag not in {"meta", "rect", "line", "polyline", "br"}:
            self.open.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.seen.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.open and self.open[-1] == tag, (self.open[-3:], tag)
        self.open.pop()


@pytest.fixture(scope="module")
def run() -> tuple[SimConfig, SimReport]:
    config = SimConfig(
        validators=5, rounds=15, seed=2, scheme="insecure-hash", byzantine={"leader_grinder": 1},
        crashes=(), random_restarts=((1, 1),),
    )  # fmt: skip
    return config, run_simulation(config)


def get_svgs(page: str) -> list[ET.Element]:
    return [ET.fromstring(svg) for svg in re.findall(r"<svg .*?</svg>", page, re.S)]


def assert_well_formed(page: str) -> _TagCounter:
    parser = _TagCounter()
    parser.feed(page)
    parser.close()
    assert parser.open == []  # every element closed, in order
    return parser


def test_the_page_is_well_formed_and_has_every_plot(run: tuple[SimConfig, SimReport]) -> None:
    config, report = run
    page = render_report(report, config)
    assert assert_well_formed(page).seen.count("svg") == 6
    svgs = get_svgs(page)
    titles = [svg.find(f"{{{SVG_NS}}}title") for svg in svgs]
    assert [t.text for t in titles if t is not None] == list(TITLES)
    for svg in svgs:  # axes with tick labels, and drawn data
        assert len(svg.findall(f"{{{SVG_NS}}}text")) >= 6
        assert svg.findall(f"{{{SVG_NS}}}polyline") or svg.findall(f"{{{SVG_NS}}}rect")
    assert all(name in page for name in CHECKED_INVARIANTS) and "violated" not in page
    assert f"<td>{config.seed}</td>" in page and "leader_grinder=1" in page


def test_the_page_is_self_contained(run: tuple[SimConfig, SimReport]) -> None:
    config, report = run
    page = render_report(report, config)
    lowered = page.lower()
    for needle in ("src=", "href", "<script", "url(", "@import", "<link", "<img"):
        assert needle not in lowered
    assert set(re.findall(r"https?://[^\"' ]*", page)) == {SVG_NS}  # a namespace, never fetched


def test_hostile_strings_are_escaped(run: tuple[SimConfig, SimReport]) -> None:
    config, report = run
    series = dataclasses.replace(report.series, byzantine={4: HOSTILE})
    bad = dataclasses.replace(
        report, violations=[f"agreement: {HOSTILE}"], violation_counts={"agreement": 2, HOSTILE: 1},
        series=series,
    )  # fmt: skip
    page = render_report(bad, config)
    assert "<script" not in page and page.count("&lt;script&gt;") >= 3
    assert "violated x2" in page
    assert_well_formed(page)
    assert len(get_svgs(page)) == 6  # still XML


def make_huge_series(rounds: int, nodes: int) -> SimSeries:
    """A 1000-validator run's worth of series, without running it."""
    return SimSeries(
        rounds=tuple(RoundRow(r, r * 0.5, r % nodes, 3000, r % 7) for r in range(1, rounds + 1)),
        blocks=tuple(BlockRow(h, h, h % nodes, "00", h / 2, h / 2 + 1) for h in range(1, rounds)),
        heights=tuple((t * 0.5, n, t) for t in range(1, 201) for n in range(nodes)),
        latency_seconds=tuple(1.0 + (i % 97) / 100 for i in range(nodes * 200)),
        events=tuple(FaultEvent(i, i + 1.0, "crash", (i,)) for i in range(nodes)),
        byzantine={n: "withholder" for n in range(900, nodes)},
        validator_of={n: n for n in range(nodes)}, stakes=(1,) * nodes,
        virtual_seconds=rounds * 0.5,
    )  # fmt: skip


def test_a_huge_run_stays_bounded() -> None:
    rounds, nodes = 100_000, 1000
    series = make_huge_series(rounds, nodes)
    config = SimConfig(validators=nodes, rounds=rounds, scheme="insecure-hash")
    report = dataclasses.replace(run_simulation(validators=1, rounds=1), series=series)
    page = render_report(report, config)
    assert len(page) < 1_000_000  # about 390 KB
    for svg in get_svgs(page):
        points = sum(len(p.get("points", "").split()) for p in svg.iter(f"{{{SVG_NS}}}polyline"))
        assert points <= 8000 and len(list(svg.iter())) < 5000
    assert "50 of 1000 nodes drawn" in page and "mean over buckets of 50 rounds" in page


def test_write_report_is_whole_or_refused(tmp_path: Path) -> None:
    target = tmp_path / "r.html"
    write_report(target, "<p>one</p>")
    write_report(target, "<p>two</p>")
    assert target.read_text() == "<p>two</p>" and list(tmp_path.iterdir()) == [target]
    with pytest.raises(OutputPathError, match="does not exist"):
        write_report(tmp_path / "missing" / "r.html", "x")
    with pytest.raises(OutputPathError, match="is a directory"):
        write_report(tmp_path, "x")


def test_every_reported_invariant_is_listed() -> None:
    sim = Path(__file__).parents[2] / "python" / "zkpov" / "sim"
    sources = "".join(
        (sim / f).read_text() for f in ("invariants.py", "chain_state.py", "runner.py")
    )
    kinds = set(re.findall(r'report\(\s*"(\w+)"', sources))
    assert kinds and kinds <= set(CHECKED_INVARIANTS)
