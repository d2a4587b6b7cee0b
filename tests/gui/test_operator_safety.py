"""What keeps the operator's picture of the robot true: the page watchdog (serve --page-watchdog),
a swap that must be confirmed, an honest answer when a policy starts under E-STOP, and what every
page says drives the robot. A real RuntimeService on the simulated robot, a real policy package."""

import pytest

from ..fake_clock import FakeClock
from .conftest import Api, make_client

pytest.importorskip("flask", reason="the page needs the 'gui' extra")


@pytest.fixture
def watched(tmp_path, packages):
    """(service, api, clock): a service with a 2 s page watchdog on a fake clock, package 'act' and 'act2'."""
    import shutil

    from imitate.edge.runtime.config import LoopConfig, RuntimeConfig
    from imitate.edge.runtime.service import RuntimeService
    for name in ("act", "act2"):
        shutil.copytree(packages["act"].root, tmp_path / "policies" / name)
    clock = FakeClock()
    config = RuntimeConfig(profile="sim", transport="sim", data=tmp_path, page_watchdog_s=2.0,
                           loop=LoopConfig(control="thread"))
    service = RuntimeService(config, clock=clock)
    yield service, Api(make_client(service)), clock
    service.close()


def test_the_page_watchdog_stops_the_policy_when_its_page_goes_quiet(watched):
    service, api, clock = watched
    tab = {"X-Page-Id": "tab-a"}
    assert api.post("/api/policy/start", {"name": "act"}, headers=tab).status_code == 200
    for _ in range(4):  # the tab polls: the policy runs on
        clock.now += 1.5
        api.get("/api/status", headers=tab)
        assert not service.check_page_watchdog() and service.session
    clock.now += 1.5
    api.get("/api/status", headers={"X-Page-Id": "tab-b"})  # another tab polling does not keep it alive
    assert not service.check_page_watchdog()
    clock.now += 1.0
    assert service.check_page_watchdog()
    status = api.get("/api/status").get_json()
    assert status["policy"] is None and service.session is None
    assert "did not poll for 2.5 s" in status["policy_note"] and "--page-watchdog 2" in status["policy_note"]
    # a policy started by a script (no page id) is not the page's to stop
    assert api.post("/api/policy/start", {"name": "act"}).status_code == 200
    assert api.get("/api/status").get_json()["policy_note"] == ""
    clock.now += 60
    assert not service.check_page_watchdog() and service.session


def test_swapping_a_running_policy_must_be_confirmed(watched):
    service, api, _ = watched
    assert api.post("/api/policy/start", {"name": "act"}).status_code == 200
    r = api.post("/api/policy/start", {"name": "act2"})
    assert r.status_code == 409 and "act is driving the robot" in r.get_json()["error"]
    assert service.policy_path.endswith("act")
    assert api.post("/api/policy/start", {"name": "act2", "replace": True}).status_code == 200
    assert service.policy_path.endswith("act2")


def test_a_policy_started_under_estop_is_said_to_be_held(watched):
    service, api, _ = watched
    api.post("/api/estop")
    r = api.post("/api/policy/start", {"name": "act"}).get_json()
    assert r["estop"] is True and service.session.loop.stats()["estop"]
    api.post("/api/clear")
    assert not service.session.loop.stats()["estop"]


def test_every_page_says_what_drives_the_robot_and_what_estop_covers(api):
    for path in ("/record", "/datasets", "/train", "/inference"):
        html = api.get(path).get_data(as_text=True)
        assert 'id="drive"' in html and 'id="estop-banner"' in html and 'id="link-banner"' in html
        assert (
            'aria-live="assertive"' in html
            and "the leader arm and the robot's own controllers are not under it" in html
        )


def test_policies_are_listed_newest_first_with_their_date(watched, tmp_path):
    import os

    service, api, _ = watched
    os.utime(tmp_path / "policies" / "act" / "policy.json", (2e9, 2e9))
    listed = api.get("/api/policies").get_json()["policies"]
    assert [p["name"] for p in listed] == ["act", "act2"]
    assert listed[0]["date"].startswith("2033") and listed[0]["cameras"] and listed[0]["type"] == "act"


def test_export_never_replaces_the_running_package_and_asks_before_another(watched, tmp_path):
    service, api, _ = watched
    (tmp_path / "runs" / "act" / "checkpoints" / "last").mkdir(parents=True)  # a run named like the package
    assert api.post("/api/policy/start", {"name": "act"}).status_code == 200
    before = (tmp_path / "policies" / "act" / "policy.json").read_bytes()
    for body in ({}, {"replace": True}):  # not even when told to replace
        r = api.post("/api/runs/act/export", body)
        assert r.status_code == 409 and "driving the robot" in r.get_json()["error"]
    r = api.post("/api/runs/act/export", {"package": "act2"})
    assert r.status_code == 409 and "policies/act2 exists: replace it" in r.get_json()["error"]
    assert (tmp_path / "policies" / "act" / "policy.json").read_bytes() == before


def test_a_reused_run_name_asks_resume_or_a_new_name(watched, tmp_path, sim_dataset):
    import shutil

    service, api, _ = watched
    shutil.copytree(sim_dataset, tmp_path / "datasets" / "pick")
    run = tmp_path / "runs" / "r1"
    run.mkdir(parents=True)
    (run / "events.jsonl").write_text(
        '{"event": "start", "time": 0, "policy": "act", "steps": 100}\n'
        '{"event": "step", "time": 1, "step": 40, "loss": 0.5}\n'
    )
    r = api.post("/api/train/start", {"name": "r1", "dataset": "pick", "device": "cpu"})
    assert (
        r.status_code == 409
        and "run 'r1' exists (step 40 of 100): resume it, or choose another name" in r.get_json()["error"]
    )


def test_only_devices_that_exist_are_offered(api, with_dataset):
    from imitate.gui.pages.train import devices

    html = api.get("/train").get_data(as_text=True)
    if "cuda" in devices():
        pytest.skip("this machine has an NVIDIA GPU")
    assert "<option>cuda</option>" not in html and "<option>cpu</option>" in html
    r = api.post("/api/train/start", {"name": "x-cuda", "dataset": with_dataset.name, "device": "cuda"})
    assert r.status_code == 400 and "must be one of auto, cpu on this machine" in r.get_json()["error"]


def test_a_failed_job_says_why(tmp_path):
    from imitate.gui.app import PageConfig
    from imitate.gui.jobs import Jobs

    jobs = Jobs(PageConfig(data=tmp_path))
    jobs.train("bad", tmp_path / "no-such-dataset", "act", "cpu_small", 1, "cpu")
    proc = jobs._procs["bad"][1]
    proc.wait(timeout=120)
    assert jobs.state("bad").startswith("failed")
    tail = jobs.log_tail("bad")
    assert "no-such-dataset" in tail, tail


def test_an_estopped_rollout_is_marked_in_the_dataset(watched, tmp_path):
    import time

    import pyarrow.parquet as pq

    service, api, _ = watched
    assert api.post("/api/policy/start", {"name": "act", "record": "rollouts"}).status_code == 200
    deadline = time.monotonic() + 30
    while service.session.loop.stats()["commands_sent"] < 20 and time.monotonic() < deadline:
        time.sleep(0.05)
    api.post("/api/estop")
    time.sleep(0.5)  # the loop holds: ticks without a command
    api.post("/api/policy/stop")
    api.post("/api/clear")
    episodes = sorted((tmp_path / "datasets" / "rollouts" / "meta" / "episodes").glob("*/*.parquet"))
    flags = pq.read_table(episodes[-1]).to_pylist()[0]["imitate/flags"]
    assert "estop" in flags and any(
        f.startswith("safety_held_ticks:") and int(f.split(":")[1]) > 10 for f in flags
    ), flags
