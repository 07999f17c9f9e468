"""deploy/compose.yaml, deploy/prometheus.yml and the Grafana provisioning, checked statically
(no container runtime here): they parse, every file they name exists, images are pinned, the
ports agree with each other and with the layout ``zkpov testnet --validators 4`` writes, no
port is used twice; and deploy/init-testnet.sh, run for real, writes homes that listen on all
interfaces and dial their peers by service name.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

import zkpov
from zkpov.node.ops.config import load_node_config
from zkpov.node.ops.setup import create_testnet

DEPLOY = Path(__file__).parents[2] / "deploy"
NODES = 4
BASE_PORT = 26656  # zkpov testnet's default, which init-testnet.sh passes


def load_yaml(name: str) -> Any:
    return yaml.safe_load((DEPLOY / name).read_text())


def get_services() -> dict[str, Any]:
    services: dict[str, Any] = load_yaml("compose.yaml")["services"]
    return services


def get_bind_sources(service: dict[str, Any]) -> list[str]:
    """The host paths a service mounts (named volumes left out)."""
    sources = [volume.split(":")[0] for volume in service.get("volumes", [])]
    return [source for source in sources if source.startswith((".", "/"))]


def get_published(service: dict[str, Any]) -> list[tuple[str, int, int]]:
    """``(host address, host port, container port)`` for each ``ports`` entry."""
    found = []
    for entry in service.get("ports", []):
        parts = str(entry).split(":")
        found.append((parts[0] if len(parts) == 3 else "", int(parts[-2]), int(parts[-1])))
    return found


@pytest.fixture(scope="module")
def rpc_ports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, int]:
    """Service name to the RPC port ``zkpov testnet --validators 4`` gives that node."""
    layout = create_testnet(tmp_path_factory.mktemp("layout") / "net", NODES, base_port=BASE_PORT)
    return {home.name: load_node_config(home).rpc_listen[1] for home in layout.homes}


def test_every_deploy_yaml_parses() -> None:
    for path in sorted(DEPLOY.rglob("*.y*ml")):
        assert isinstance(yaml.safe_load(path.read_text()), dict), path


def test_every_file_compose_mounts_or_builds_from_exists() -> None:
    for name, service in get_services().items():
        for source in get_bind_sources(service):
            assert (DEPLOY / source).exists(), f"{name} mounts missing {source}"
        if "build" in service:
            context = DEPLOY / service["build"]["context"]
            assert (context / service["build"]["dockerfile"]).is_file(), name


def get_copied() -> list[str]:
    """What the Dockerfile copies from the build context."""
    lines = (DEPLOY / "Dockerfile").read_text().splitlines()
    copies = [line.split()[1:-1] for line in lines if line.startswith("COPY ")]
    return [source for sources in copies if "--from" not in sources[0] for source in sources]


def test_the_dockerfile_copies_files_the_context_keeps() -> None:
    """Each copied path exists and is let through Dockerfile.dockerignore (which drops all else)."""
    ignore = (DEPLOY / "Dockerfile.dockerignore").read_text().splitlines()
    kept = ignore[ignore.index("*") :]  # everything is dropped, then some let through again
    for source in get_copied():
        assert (DEPLOY.parent / source).exists(), source
        assert f"!{source}" in kept, f"{source} is not let through Dockerfile.dockerignore"


def test_every_image_is_pinned_to_a_version() -> None:
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    images = [s["image"] for s in get_services().values()]
    images += re.findall(r"^FROM (\S+)", dockerfile, re.MULTILINE)
    for image in images:
        name, _, tag = image.rpartition(":")
        assert name and re.match(r"v?\d+\.\d+", tag), f"{image} is not pinned to a version"


def test_scrape_targets_are_the_nodes_rpc_ports(rpc_ports: dict[str, int]) -> None:
    (job,) = load_yaml("prometheus.yml")["scrape_configs"]
    assert job["metrics_path"] == "/metrics"
    (static,) = job["static_configs"]
    targets = dict(target.split(":") for target in static["targets"])
    assert {name: int(port) for name, port in targets.items()} == rpc_ports
    assert set(rpc_ports) <= set(get_services())


def test_each_node_service_runs_its_home_and_publishes_its_rpc_port(
    rpc_ports: dict[str, int],
) -> None:
    services = get_services()
    for name, port in rpc_ports.items():
        assert services[name]["command"] == ["start", "--home", f"/data/homes/{name}"]
        assert get_published(services[name]) == [("127.0.0.1", port, port)]


def test_no_port_is_used_twice(rpc_ports: dict[str, int]) -> None:
    published = [p for s in get_services().values() for p in get_published(s)]
    host_ports = [host for _, host, _ in published]
    assert len(host_ports) == len(set(host_ports)), host_ports
    assert all(address == "127.0.0.1" for address, _, _ in published)
    node_ports = [BASE_PORT + i for i in range(2 * NODES)]  # P2P and RPC of every node
    assert set(rpc_ports.values()) <= set(node_ports)
    others = {host for _, host, _ in published} - set(rpc_ports.values())
    assert not others & set(node_ports), others


def test_grafana_reads_the_provisioned_datasource_and_dashboard() -> None:
    grafana = get_services()["grafana"]
    mounts = dict(volume.split(":")[:2] for volume in grafana["volumes"])
    assert mounts["./grafana/provisioning"] == "/etc/grafana/provisioning"
    (provider,) = load_yaml("grafana/provisioning/dashboards/zkpov.yaml")["providers"]
    dashboard = mounts["./grafana/zkpov-dashboard.json"]
    assert Path(dashboard).parent == Path(provider["options"]["path"])
    (source,) = load_yaml("grafana/provisioning/datasources/prometheus.yaml")["datasources"]
    ((_, _, prometheus),) = get_published(get_services()["prometheus"])
    assert source["url"] == f"http://prometheus:{prometheus}"


def _run_init(homes: Path, bin_dir: Path) -> subprocess.CompletedProcess[str]:
    shim = bin_dir / "zkpov"  # the image's console script, here this interpreter's package
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m zkpov "$@"\n')
    shim.chmod(0o755)
    package_root = str(Path(zkpov.__file__).parents[1])
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}", "PYTHONPATH": package_root}
    script = DEPLOY / "init-testnet.sh"
    return subprocess.run(
        ["sh", str(script), str(homes)], env=env, capture_output=True, text=True, timeout=120
    )


def test_init_script_writes_homes_for_containers(tmp_path: Path) -> None:
    homes = tmp_path / "homes"
    first = _run_init(homes, tmp_path)
    assert first.returncode == 0, first.stderr
    for i in range(NODES):
        config = load_node_config(homes / f"node{i}")
        assert config.p2p_listen == ("0.0.0.0", BASE_PORT + 2 * i)
        assert config.rpc_listen == ("0.0.0.0", BASE_PORT + 2 * i + 1)
        peers = {(p.host, p.port) for p in config.peers}
        assert peers == {(f"node{j}", BASE_PORT + 2 * j) for j in range(NODES) if j != i}
    again = _run_init(homes, tmp_path)
    assert again.returncode == 0 and "keeping" in again.stdout
