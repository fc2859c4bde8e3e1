"""docker-compose.yml is a valid Compose file with the services the README promises."""

from __future__ import annotations

import shutil
import subprocess

import pytest
import yaml

from tests.e2e.conftest import ROOT


def compose_command() -> list[str]:
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    pytest.skip(
        "docker-compose is not installed and could not be installed here "
        "(scripts/test.py installs Debian's docker-compose when it runs as root with apt-get)"
    )


def test_docker_compose_config_accepts_the_file():
    done = subprocess.run(
        [*compose_command(), "-f", str(ROOT / "docker-compose.yml"), "config"],
        capture_output=True, text=True, timeout=120, cwd=ROOT,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    config = yaml.safe_load(done.stdout)
    assert {"kafka", "worker", "produce", "subscribe"} <= set(config["services"])
    kafka = config["services"]["kafka"]
    assert kafka["image"].startswith("apache/kafka:")
    assert kafka["environment"]["KAFKA_PROCESS_ROLES"] == "broker,controller"
    worker = config["services"]["worker"]
    assert "container_name" not in worker, "a fixed name would stop --scale worker=N"
    assert worker["environment"]["KAFKA_BROKER"] == "kafka://kafka:19092"
