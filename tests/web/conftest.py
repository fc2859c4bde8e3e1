"""The worker every web test module shares: its own namespace on the session's broker."""

from __future__ import annotations

import pytest

from tests.streams.harness import Namespace, Worker


@pytest.fixture(scope="module")
def space(broker_url):
    return Namespace(broker_url)


@pytest.fixture(scope="module")
def worker(space, tmp_path_factory):
    started = Worker(space, tmp_path_factory.mktemp("web-worker")).start()
    started.wait_ready()
    yield started
    started.stop()
