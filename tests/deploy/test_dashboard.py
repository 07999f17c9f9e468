"""deploy/grafana/zkpov-dashboard.json queries only what a live node's /metrics exports.

Every PromQL expression of the dashboard (panel targets and template variables) is scanned for
metric names (``zkpov_*`` and the client's ``process_*``); each must be a sample name of a real
one-validator node's exposition, in the text format and in OpenMetrics (which Prometheus asks
for first), so a counter is named with its ``_total`` and a histogram by ``_bucket``, ``_sum``
or ``_count``. Labels the queries group or match by must exist on those samples.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from prometheus_client.openmetrics.parser import (
    text_string_to_metric_families as parse_openmetrics,
)
from prometheus_client.parser import text_string_to_metric_families as parse_text

from tests.node.rpc.test_live_node import LiveNode, wait_until
from tests.node.test_runtime import free_base_port
from zkpov.node.ops.setup import create_testnet

DASHBOARD = Path(__file__).parents[2] / "deploy" / "grafana" / "zkpov-dashboard.json"
DS = {"type": "prometheus", "uid": "${DS_PROMETHEUS}"}
OPENMETRICS = "application/openmetrics-text; version=1.0.0"
TARGET_LABELS = {"instance", "job"}  # added by Prometheus at scrape time

_STRING = re.compile(r'"(?:\\.|[^"\\])*"|\'(?:\\.|[^\'\\])*\'|`[^`]*`')
_METRIC = re.compile(r"(?<![\w:$.])(?:zkpov|process)_[A-Za-z0-9_:]*")
_GROUPING = re.compile(r"\b(?:by|without)\s*\(([^)]*)\)")
_MATCHER = re.compile(r"([A-Za-z_]\w*)\s*(?:=~|!~|!=|=)")


def load_dashboard() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(DASHBOARD.read_text())
    return loaded


def get_panels(dashboard: dict[str, Any]) -> list[dict[str, Any]]:
    """Every panel, those nested in collapsed rows included."""
    found: list[dict[str, Any]] = []
    for panel in dashboard["panels"]:
        found.append(panel)
        found.extend(panel.get("panels", []))
    return found


def get_expressions(dashboard: dict[str, Any]) -> list[str]:
    """The PromQL of every panel target and every query template variable."""
    exprs = [t["expr"] for p in get_panels(dashboard) for t in p.get("targets", [])]
    for variable in dashboard["templating"]["list"]:
        if variable["type"] == "query":
            query = variable["query"]
            exprs.append(query["query"] if isinstance(query, dict) else query)
    return exprs


def get_metric_names(expr: str) -> set[str]:
    """Metric names in ``expr``: string literals (label values) and ``$variables`` skipped."""
    return set(_METRIC.findall(_STRING.sub('""', expr)))


def get_label_names(expr: str) -> set[str]:
    """Label names ``expr`` groups by (``by``/``without``) or matches in selectors."""
    bare = _STRING.sub('""', expr)
    grouped = {name.strip() for group in _GROUPING.findall(bare) for name in group.split(",")}
    return (grouped | set(_MATCHER.findall(bare))) - {""}


def is_filtered_by_instance(expr: str, name: str) -> bool:
    """Each use of ``name`` in ``expr`` selects the dashboard's ``$instance`` nodes."""
    uses = re.findall(rf"(?<![\w:$.]){name}(?![\w:])(\{{[^}}]*\}})?", expr)
    return bool(uses) and all('instance=~"$instance"' in selector for selector in uses)


def get_sample_labels(exposition: str, parse: Any) -> dict[str, set[str]]:
    """Sample name to the label names it carries; ``_created`` samples left out (Prometheus
    drops them by default)."""
    labels: dict[str, set[str]] = {}
    for family in parse(exposition):
        for sample in family.samples:
            if not sample.name.endswith("_created"):
                labels.setdefault(sample.name, set()).update(sample.labels)
    return labels


def find_unknown_names(dashboard: dict[str, Any], samples: dict[str, set[str]]) -> set[str]:
    return {n for e in get_expressions(dashboard) for n in get_metric_names(e)} - set(samples)


def find_unknown_labels(dashboard: dict[str, Any], samples: dict[str, set[str]]) -> set[str]:
    """``expr: label`` for each label no sample the expression names carries."""
    unknown: set[str] = set()
    for expr in get_expressions(dashboard):
        known = TARGET_LABELS.union(*(samples.get(n, set()) for n in get_metric_names(expr)))
        unknown |= {f"{expr}: {label}" for label in get_label_names(expr) - known}
    return unknown


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, set[str]]]:
    """The sample names (with their labels) both exposition formats of a live node share."""
    root = tmp_path_factory.mktemp("dashboard")
    layout = create_testnet(root / "net", 1, accounts=1, base_port=free_base_port(2))
    with LiveNode(layout.homes[0]) as live:
        wait_until(lambda: live.node.chain.height >= 3, "3 blocks")
        text = requests.get(f"{live.url}/metrics", timeout=10).text
        om = requests.get(f"{live.url}/metrics", headers={"Accept": OPENMETRICS}, timeout=10)
    assert om.headers["Content-Type"].startswith("application/openmetrics-text")
    as_text = get_sample_labels(text, parse_text)
    as_om = get_sample_labels(om.text, parse_openmetrics)
    yield {name: as_text[name] | as_om[name] for name in set(as_text) & set(as_om)}


def test_every_dashboard_metric_is_exported_by_a_live_node(exported: dict[str, set[str]]) -> None:
    names = {n for e in get_expressions(load_dashboard()) for n in get_metric_names(e)}
    assert len(names) >= 25, sorted(names)  # the scan found the queries
    assert find_unknown_names(load_dashboard(), exported) == set()


def test_every_grouped_or_matched_label_is_exported(exported: dict[str, set[str]]) -> None:
    assert find_unknown_labels(load_dashboard(), exported) == set()


def _tamper(dashboard: dict[str, Any], old: str, new: str) -> dict[str, Any]:
    tampered = copy.deepcopy(dashboard)
    for panel in get_panels(tampered):
        for target in panel.get("targets", []):
            target["expr"] = target["expr"].replace(old, new)
    return tampered


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("zkpov_mempool_size", "zkpov_mempool_length"),
        # a counter's family name is no sample name: its samples end in _total
        ("zkpov_consensus_core_restarts_total", "zkpov_consensus_core_restarts"),
        # nor is a histogram's: its samples end in _bucket, _sum and _count
        ("zkpov_proof_generation_seconds_bucket", "zkpov_proof_generation_seconds"),
        # total_txs is a gauge: no _total sample
        ("zkpov_consensus_total_txs", "zkpov_consensus_total_txs_total"),
        ("process_resident_memory_bytes", "process_memory_bytes"),
    ],
)
def test_a_tampered_dashboard_naming_an_unexported_metric_fails(
    exported: dict[str, set[str]], old: str, new: str
) -> None:
    tampered = _tamper(load_dashboard(), old, new)
    assert find_unknown_names(tampered, exported) == {new}


def test_a_tampered_dashboard_grouping_by_an_unexported_label_fails(
    exported: dict[str, set[str]],
) -> None:
    tampered = _tamper(load_dashboard(), "sum by (channel)", "sum by (chanel)")
    unknown = find_unknown_labels(tampered, exported)
    assert unknown and all(entry.endswith(": chanel") for entry in unknown)


def test_metric_names_skip_strings_and_variables() -> None:
    expr = (
        'sum by (reason) (rate(zkpov_a_total{instance=~"$instance",reason="zkpov_fake"}'
        "[$__rate_interval])) / on(instance) process_max_fds"
    )
    assert get_metric_names(expr) == {"zkpov_a_total", "process_max_fds"}
    assert get_label_names(expr) == {"reason", "instance"}


def test_every_panel_queries_the_datasource_variable_per_instance() -> None:
    dashboard = load_dashboard()
    variables = {v["name"]: v for v in dashboard["templating"]["list"]}
    assert variables["DS_PROMETHEUS"]["type"] == "datasource"
    assert variables["instance"]["datasource"] == DS
    for panel in get_panels(dashboard):
        if panel["type"] == "row":
            continue
        assert panel["datasource"] == DS, panel["title"]
        assert panel["targets"], panel["title"]
        for target in panel["targets"]:
            assert target["datasource"] == DS, panel["title"]
            names = get_metric_names(target["expr"])
            assert names, (panel["title"], target["expr"])  # a query with no zkpov metric
            for name in names:
                assert is_filtered_by_instance(target["expr"], name), (name, target["expr"])


def test_legends_name_only_labels_the_query_keeps() -> None:
    for panel in get_panels(load_dashboard()):
        for target in panel.get("targets", []):
            legend = set(re.findall(r"{{\s*(\w+)\s*}}", target.get("legendFormat", "")))
            assert legend <= get_label_names(target["expr"]), (panel["title"], legend)


def test_instance_filter_is_required_on_every_use() -> None:
    both = 'a(zkpov_x{instance=~"$instance"}) / b(zkpov_x{instance=~"$instance"})'
    assert is_filtered_by_instance(both, "zkpov_x")
    assert not is_filtered_by_instance('a(zkpov_x{instance=~"$instance"}) / b(zkpov_x)', "zkpov_x")
    assert not is_filtered_by_instance('zkpov_x_total{instance=~"$instance"}', "zkpov_x")


def test_panels_have_unique_ids_and_do_not_overlap() -> None:
    panels = get_panels(load_dashboard())
    assert len({p["id"] for p in panels}) == len(panels)
    cells: set[tuple[int, int]] = set()
    for panel in panels:
        g = panel["gridPos"]
        assert g["x"] >= 0 and g["x"] + g["w"] <= 24, panel["title"]
        area = {(g["x"] + dx, g["y"] + dy) for dx in range(g["w"]) for dy in range(g["h"])}
        assert not area & cells, f"{panel['title']} overlaps another panel"
        cells |= area
