"""imitate hub: huggingface_hub's real client against a local stand-in of the Hub's HTTP endpoints.

What this checks: the calls imitate makes and what it does with the answers (cards, tags, resume,
errors). What it cannot check: the real Hub (no network here); see tests/hub/standin.py.
"""
import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest
import yaml

pytest.importorskip("huggingface_hub", reason="needs huggingface_hub (extra 'hub')")

from imitate.hub.client import HubError  # noqa: E402
from imitate.hub.datasets import pull_dataset, push_dataset  # noqa: E402
from imitate.hub.policies import pull_policy, push_policy  # noqa: E402
from tests.hub.standin import HubStandIn  # noqa: E402

ALICE, BOB = "hf_alice_write_token", "hf_bob_token"


@pytest.fixture
def hub(monkeypatch, tmp_path):
    # huggingface_hub's large-folder upload parks a worker with nothing to do for 10 s before it looks
    # again, which made every push here take 10 s more; the stand-in answers at once
    from huggingface_hub import _upload_large_folder

    monkeypatch.setattr(_upload_large_folder, "WAITING_TIME_IF_NO_TASKS", 0.1)
    with HubStandIn({ALICE: "alice", BOB: "bob"}) as stand_in:
        monkeypatch.setenv("HF_ENDPOINT", stand_in.url)
        monkeypatch.setenv("HF_HOME", str(tmp_path / "hf_home"))  # never the user's own login cache
        monkeypatch.delenv("HF_TOKEN", raising=False)
        yield stand_in


@pytest.fixture
def dataset(sim_dataset, tmp_path):
    """A copy: pushing writes meta/hub.json, and the session's dataset is shared."""
    return shutil.copytree(sim_dataset, tmp_path / "pick")


def load(repo_id, root):
    from lerobot.datasets.lerobot_dataset import LeRobotDataset
    return LeRobotDataset(repo_id, root=root, video_backend="pyav")


def card(repo, path="README.md"):
    text = repo.commits[repo.refs["main"]][path].decode()
    return yaml.safe_load(text.split("---")[1]), text


def test_a_pushed_dataset_comes_back_and_loads_in_lerobot(hub, dataset, tmp_path):
    url = push_dataset(dataset, "alice/pick", tags=["pick"], token=ALICE)
    assert url == f"{hub.url}/datasets/alice/pick"
    repo = hub.repos[("dataset", "alice/pick")]
    header, _ = card(repo)
    assert header["tags"][0] == "LeRobot"
    assert json.loads((dataset / "meta" / "info.json").read_text())["robot_type"] in header["tags"]
    assert "pick" in header["tags"] and header["task_categories"] == ["robotics"]
    assert repo.refs["v3.0"] == repo.refs["main"]  # the tag lerobot resolves, on this upload
    uploaded = repo.commits[repo.refs["main"]]
    assert "meta/hub.json" not in uploaded and not any(p.startswith(("images/", ".cache")) for p in uploaded)
    assert json.loads((dataset / "meta" / "hub.json").read_text())["repo_id"] == "alice/pick"

    dest = tmp_path / "pulled"
    pull_dataset("alice/pick", dest)  # public: no token needed
    original, pulled = load("local/a", dataset), load("alice/pick", dest)
    assert pulled.num_episodes == original.num_episodes and len(pulled) == len(original)
    for i in (0, len(original) - 1):
        a, b = original[i], pulled[i]
        assert np.array_equal(a["action"].numpy(), b["action"].numpy())
        for camera in original.meta.video_keys:
            assert np.array_equal(a[camera].numpy(), b[camera].numpy())


def test_pushing_again_moves_the_version_tag_and_skips_stored_files(hub, dataset):
    push_dataset(dataset, "alice/pick", token=ALICE)
    puts = sum(1 for m, p in hub.requests if m == "PUT")
    (dataset / "meta" / "hub.json").unlink()
    push_dataset(dataset, "alice/pick", tags=["again"], token=ALICE)
    repo = hub.repos[("dataset", "alice/pick")]
    assert repo.refs["v3.0"] == repo.refs["main"]
    assert sum(1 for m, p in hub.requests if m == "PUT") == puts  # videos and parquet already there


def test_an_interrupted_upload_is_retried_and_an_interrupted_pull_resumes(hub, dataset, tmp_path):
    hub.fail_puts = 2  # two LFS uploads break midway
    push_dataset(dataset, "alice/pick", token=ALICE)
    files = hub.repos[("dataset", "alice/pick")].commits[hub.repos[("dataset", "alice/pick")].refs["main"]]
    video = next(p for p in files if p.endswith(".mp4"))
    assert files[video] == (dataset / video).read_bytes()

    dest = tmp_path / "pulled"
    pull_dataset("alice/pick", dest)
    (dest / video).unlink()  # as if the pull had been killed before this file
    hub.requests.clear()
    pull_dataset("alice/pick", dest)
    fetched = [p for m, p in hub.requests if m == "GET" and "/resolve/" in p]
    assert fetched == [
        f"/datasets/alice/pick/resolve/{hub.repos[('dataset', 'alice/pick')].refs['v3.0']}/{video}"
    ]
    assert (dest / video).read_bytes() == (dataset / video).read_bytes()


def test_a_pull_can_leave_the_videos_behind(hub, dataset, tmp_path):
    push_dataset(dataset, "alice/pick", token=ALICE)
    dest = pull_dataset("alice/pick", tmp_path / "light", include=["data/*"])
    pulled = {
        p.relative_to(dest).as_posix() for p in dest.rglob("*") if p.is_file() and ".cache" not in p.parts
    }
    assert any(p.startswith("data/") for p in pulled) and any(p.startswith("meta/") for p in pulled)
    assert not any(p.startswith("videos/") for p in pulled)


def test_private_repos_need_the_owners_token(hub, dataset, tmp_path):
    push_dataset(dataset, "alice/secret", private=True, token=ALICE)
    for token in (None, BOB):
        with pytest.raises(HubError, match="no dataset repo alice/secret .*private"):
            pull_dataset("alice/secret", tmp_path / "x", token=token)
    assert not (tmp_path / "x" / "meta").exists()
    pull_dataset("alice/secret", tmp_path / "ok", token=ALICE)


def test_refusals_say_what_to_do(hub, dataset, packages, tmp_path):
    with pytest.raises(HubError, match="not logged in"):
        push_dataset(dataset, "alice/pick")
    with pytest.raises(HubError, match="refused the token"):
        push_dataset(dataset, "alice/pick", token="hf_wrong")
    with pytest.raises(HubError, match="may not write to alice/pick"):
        push_dataset(dataset, "alice/pick", token=BOB)
    with pytest.raises(HubError, match="no dataset repo alice/nothing"):
        pull_dataset("alice/nothing", tmp_path / "n")
    push_policy(packages["act"].root, "alice/act", token=ALICE)
    with pytest.raises(HubError, match="alice/act is a model repo, not a dataset repo.*pull-policy"):
        pull_dataset("alice/act", tmp_path / "wrong")
    push_dataset(dataset, "alice/pick", token=ALICE)
    with pytest.raises(HubError, match="has no such revision"):
        pull_dataset("alice/pick", tmp_path / "rev", revision="v9")
    with pytest.raises(HubError, match="not a LeRobot dataset"):
        push_dataset(tmp_path, "alice/empty", token=ALICE)


def test_an_unreachable_hub_is_reported_without_retrying_forever(monkeypatch, dataset, tmp_path):
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")  # discard port: nothing listens
    with pytest.raises(HubError, match="cannot reach the Hub at http://127.0.0.1:9"):
        push_dataset(dataset, "alice/pick", token=ALICE)
    with pytest.raises(HubError, match="cannot reach the Hub"):
        pull_dataset("alice/pick", tmp_path / "p")


def test_policies_go_up_and_come_back_runnable(hub, packages, tiny_checkpoints, tmp_path):
    from lerobot.policies.act.modeling_act import ACTPolicy

    from imitate.edge.policy_package import load_package

    assert push_policy(packages["act"].root, "alice/act", token=ALICE)[0] == "package"
    assert pull_policy("alice/act", tmp_path / "pkg") == "package"
    assert (
        load_package(tmp_path / "pkg").spec == load_package(packages["act"].root).spec
    )  # hashes checked too
    header, _ = card(hub.repos[("model", "alice/act")])
    assert {"LeRobot", "act", "onnx"} <= set(header["tags"])

    assert push_policy(tiny_checkpoints["act"], "alice/act-ckpt", token=ALICE)[0] == "checkpoint"
    assert pull_policy("alice/act-ckpt", tmp_path / "ckpt") == "checkpoint"
    policy = ACTPolicy.from_pretrained(tmp_path / "ckpt")
    assert policy.config.type == "act"
    with pytest.raises(HubError, match="alice/pick.* is a dataset repo|no model repo"):
        pull_policy("alice/pick", tmp_path / "none")


def test_login_stores_the_token_in_the_hub_cache_and_never_prints_it(hub, dataset, tmp_path):
    env = {**os.environ, "HF_HUB_DISABLE_PROGRESS_BARS": "1"}

    def imitate(*args, stdin=""):
        return subprocess.run(
            [sys.executable, "-m", "imitate.cli", "hub", *args],
            input=stdin,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    bad = imitate("login", stdin="hf_wrong\n")
    assert bad.returncode == 1 and "refused the token" in bad.stderr
    assert not (tmp_path / "hf_home" / "token").exists()
    done = imitate("login", stdin=ALICE + "\n")
    assert done.returncode == 0, done.stderr
    assert "logged in as alice" in done.stdout
    assert (tmp_path / "hf_home" / "token").read_text().strip() == ALICE
    who = imitate("whoami")
    assert who.stdout.strip() == "alice"
    pushed = imitate("push-dataset", str(dataset), "alice/cli")
    assert pushed.returncode == 0, pushed.stderr
    missing = imitate("pull-dataset", "alice/none", str(tmp_path / "none"))
    assert missing.returncode == 1 and "no dataset repo alice/none" in missing.stderr
    for result in (bad, done, who, pushed, missing):
        assert ALICE not in result.stdout + result.stderr and "hf_wrong" not in result.stdout + result.stderr
