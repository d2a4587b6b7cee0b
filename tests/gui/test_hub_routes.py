"""The page's Hub actions: push a dataset when a recording ends, pull a policy; through the real
`imitate hub` subprocesses against the local Hub stand-in (tests/hub/standin.py)."""
import time

import pytest

from tests.hub.standin import HubStandIn

pytest.importorskip("huggingface_hub", reason="needs huggingface_hub (extra 'hub')")
TOKEN = "hf_page_token"


@pytest.fixture
def hub(monkeypatch, tmp_path):
    with HubStandIn({TOKEN: "alice"}) as stand_in:
        monkeypatch.setenv("HF_ENDPOINT", stand_in.url)  # the job subprocesses inherit these
        monkeypatch.setenv("HF_HOME", str(tmp_path / "hf_home"))
        monkeypatch.setenv("HF_TOKEN", TOKEN)
        yield stand_in


def wait_job(api, name, timeout=90):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        jobs = {j["name"]: j for j in api.get("/api/hub/jobs").get_json()["jobs"]}
        if name in jobs and jobs[name]["state"] != "running":
            return jobs[name]
        time.sleep(0.3)
    raise AssertionError(f"{name} still running after {timeout} s")


def test_hub_requests_are_validated(api, with_dataset):
    for path, body, status, words in [
        ("/api/hub/push-dataset", {"dataset": "pick", "repo": "../x"}, 400, "USER/NAME"),
        ("/api/hub/push-dataset", {"dataset": "pick", "repo": "a/b/c"}, 400, "USER/NAME"),
        ("/api/hub/push-dataset", {"dataset": "pick"}, 400, "'repo' is required"),
        ("/api/hub/push-dataset", {"dataset": "nothing", "repo": "a/b"}, 404, "no dataset 'nothing'"),
        ("/api/hub/push-dataset", {"dataset": "../etc", "repo": "a/b"}, 400, "dataset"),
        ("/api/hub/pull-policy", {"repo": "a/b", "name": "../../x"}, 400, "policy name"),
        ("/api/hub/pull-policy", {"repo": 5}, 400, "'repo' must be str"),
        ("/api/record/session", {"dataset": "d", "tasks": "t", "hub_repo": "no-slash"}, 400, "'hub_repo'"),
    ]:
        r = api.post(path, body)
        assert r.status_code == status and words in r.get_json()["error"], (path, body, r.get_json())
    assert (
        api.post("/api/hub/push-dataset", {"dataset": "pick", "repo": "a/b"}, csrf=False).status_code == 403
    )


def test_a_recording_is_pushed_when_it_finishes(api, runtime, hub):
    r = api.post(
        "/api/record/session",
        {
            "dataset": "pushed",
            "tasks": "pick up the ball",
            "episodes": 1,
            "episode_time": 1.0,
            "reset_time": 0.2,
            "start_now": True,
            "hub_repo": "alice/pushed",
        },
    )
    assert r.status_code == 200 and r.get_json()["push_to"] == "alice/pushed"
    job = wait_job(api, "push:pushed")
    assert job["state"] == "done" and "alice/pushed" in job["log"], job
    repo = hub.repos[("dataset", "alice/pushed")]
    assert "meta/info.json" in repo.commits[repo.refs["v3.0"]]
    assert any(d["hub"] == "alice/pushed" for d in api.get("/api/datasets").get_json()["datasets"])


def test_a_policy_pulled_from_the_hub_appears_in_the_list(api, hub, packages):
    from imitate.hub.policies import push_policy

    push_policy(packages["act"].root, "alice/act", token=TOKEN)
    assert api.post("/api/hub/pull-policy", {"repo": "alice/act", "name": "act-from-hub"}).status_code == 200
    assert wait_job(api, "pull:act-from-hub")["state"] == "done"
    names = [p["name"] for p in api.get("/api/policies").get_json()["policies"]]
    assert "act-from-hub" in names
    failed = api.post("/api/hub/pull-policy", {"repo": "alice/missing"})
    assert failed.status_code == 200
    job = wait_job(api, "pull:missing")
    assert job["state"].startswith("failed") and "no model repo alice/missing" in job["log"]
