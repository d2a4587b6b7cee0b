"""The task through the service's API, as the Inference page sends it: a VLA package is listed as one,
refused without a task, and runs with it (rollouts recorded under it)."""

import shutil
import time

import pandas as pd
import pytest

from ..gui.conftest import Api, make_client

pytest.importorskip("flask", reason="the page needs the 'gui' extra")
pytestmark = pytest.mark.slow


@pytest.fixture
def api(tmp_path, smolvla_package):
    from imitate.edge.runtime.config import LoopConfig, RuntimeConfig
    from imitate.edge.runtime.service import RuntimeService

    shutil.copytree(smolvla_package, tmp_path / "policies" / "vla")
    config = RuntimeConfig(profile="sim", transport="sim", data=tmp_path, loop=LoopConfig(control="thread"))
    service = RuntimeService(config)
    yield service, Api(make_client(service))
    service.close()


def test_a_vla_runs_from_the_api_with_its_task(api, tmp_path):
    service, client = api
    listed = client.get("/api/policies").get_json()["policies"]
    assert [(p["name"], p["kind"], p["needs_task"]) for p in listed] == [("vla", "lerobot", True)]
    refused = client.post("/api/policy/start", {"name": "vla"})
    assert refused.status_code == 400 and "pass --task" in refused.get_json()["error"]
    assert service.session is None  # nothing half-started
    started = client.post(
        "/api/policy/start", {"name": "vla", "task": "pick up the ball", "record": "rollouts"}
    )
    assert started.status_code == 200 and started.get_json()["task"] == "pick up the ball"
    deadline = time.monotonic() + 60
    while service.session.loop.last_chunk is None and time.monotonic() < deadline:
        time.sleep(0.1)
    assert service.session.loop.last_chunk is not None, service.session.loop.stats()
    client.post("/api/policy/stop")
    tasks = pd.read_parquet(tmp_path / "datasets" / "rollouts" / "meta" / "tasks.parquet")
    assert list(tasks.index) == ["pick up the ball"]
