"""SmolVLA through imitate: fine-tuned from a (tiny, offline) base, packaged for the torch backend, and
driving the simulated robot over DDS with a language task, every command through the safety filter."""

import shutil

import numpy as np
import pandas as pd
import pytest

from imitate.edge.policy import make_policy
from imitate.edge.policy_package import PackageError, load_package

from .conftest import cli
from .drive import check_driven, drive_over_dds

pytestmark = pytest.mark.slow
TASK = "pick up the ball"


def test_a_vla_is_never_trained_from_scratch(sim_dataset, tmp_path):
    done = cli(
        "train", "--dataset", sim_dataset, "--output", tmp_path / "run", "--policy", "smolvla", "--steps", 2
    )
    assert done.returncode == 2
    assert "fine-tuned from its pretrained base" in done.stderr and "--init" in done.stderr


def test_the_base_must_be_the_same_policy(sim_dataset, tiny_checkpoints, tmp_path):
    act = tiny_checkpoints["act"] / "checkpoints" / "last" / "pretrained_model"
    done = cli(
        "train",
        "--dataset",
        sim_dataset,
        "--output",
        tmp_path / "run",
        "--policy",
        "smolvla",
        "--init",
        act,
        "--steps",
        2,
    )
    assert done.returncode == 2 and "is a act checkpoint, not smolvla" in done.stderr


def test_the_package_carries_the_checkpoint_and_the_backbone_files_hashed(smolvla_package, tmp_path):
    package = load_package(smolvla_package)
    assert (package.kind, package.policy_type, package.needs_task) == ("lerobot", "smolvla", True)
    spec = package.spec
    assert spec["graphs"] == {} and spec["vlm"] == "vlm" and spec["checkpoint"] == "checkpoint"
    names = set(spec["files"])
    assert {
        "checkpoint/model.safetensors",
        "checkpoint/config.json",
        "vlm/tokenizer.json",
        "vlm/config.json",
    } <= names
    assert not any(n.startswith("vlm/") and n.endswith(".safetensors") for n in names)  # no backbone weights
    assert spec["load_check"]["frames"] == 2 and "frames of" in spec["load_check"]["inputs"]
    assert spec["inputs"]["state"]["joints"] == list(package.state_joints) and len(package.state_joints) == 19
    damaged = shutil.copytree(smolvla_package, tmp_path / "copy")
    (damaged / "vlm" / "tokenizer.json").write_text("{}")  # a damaged copy is refused, by name
    with pytest.raises(PackageError, match=r"vlm/tokenizer.json does not match the hash"):
        load_package(damaged)


def test_the_task_is_what_the_policy_reads(smolvla_package):
    """Same observation, same noise: another instruction gives another chunk; none is refused."""
    policy = make_policy(smolvla_package, backend="torch", device="cpu")
    rng = np.random.default_rng(0)
    obs = {
        "state": rng.standard_normal(19).astype(np.float32),
        "images": {
            c: rng.integers(0, 256, (h, w, 3), dtype=np.uint8) for c, (h, w) in policy.package.cameras.items()
        },
    }
    noise = rng.standard_normal((1, policy.package.chunk_size, 32)).astype(np.float32)  # max_action_dim
    a = policy.actions(obs | {"task": TASK}, noise=noise)
    again = policy.actions(obs | {"task": TASK}, noise=noise)
    b = policy.actions(obs | {"task": "put it in the box"}, noise=noise)
    assert a.shape == (policy.package.chunk_size, 19) and np.array_equal(a, again)
    assert np.abs(a - b).max() > 1e-6
    with pytest.raises(ValueError, match="needs a task: pass --task"):
        policy.actions(obs)


def test_smolvla_drives_the_robot_over_dds_with_a_task_and_records_it(smolvla_package, tmp_path):
    ran, stats, heard = drive_over_dds(
        smolvla_package, "--task", TASK, "--record", tmp_path / "rollouts", seconds=8
    )
    assert ran.returncode == 0, ran.stderr[-3000:]
    check_driven(stats, heard)
    tasks = pd.read_parquet(tmp_path / "rollouts" / "meta" / "tasks.parquet")  # LeRobot v3.0: task -> index
    assert list(tasks.index) == [TASK]


def test_a_vla_without_a_task_is_refused_before_anything_moves(smolvla_package):
    done = cli("run", "--transport", "sim", "--policy", smolvla_package, "--duration", 1)
    assert done.returncode == 2
    assert "prompted with a task and none was given: pass --task" in done.stderr


def test_an_onnx_backend_cannot_run_a_lerobot_package(smolvla_package):
    with pytest.raises(PackageError, match="is a lerobot package .* --backend torch"):
        make_policy(smolvla_package, backend="ort-cpu")


def test_rtc_continues_the_chunk_being_executed(smolvla_package):
    """With real-time chunking the new chunk's first steps follow what is left of the previous one;
    without it, from the same noise, they do not."""
    rng = np.random.default_rng(1)
    plain = make_policy(smolvla_package, backend="torch", device="cpu")
    rtc = make_policy(smolvla_package, backend="torch", device="cpu", rtc=True)
    obs = {
        "state": rng.standard_normal(19).astype(np.float32),
        "images": {
            c: rng.integers(0, 256, (h, w, 3), dtype=np.uint8) for c, (h, w) in plain.package.cameras.items()
        },
        "task": TASK,
    }
    first, second = (
        rng.standard_normal((1, plain.package.chunk_size, 32)).astype(np.float32) for _ in range(2)
    )
    previous = rtc.actions(obs, noise=first)
    assert np.allclose(previous, plain.actions(obs, noise=first), atol=1e-5)  # no prefix yet: the same chunk
    done, delay = 4, 3
    guided = rtc.actions(obs | {"rtc": {"elapsed_steps": done, "inference_delay": delay}}, noise=second)
    free = plain.actions(obs, noise=second)
    left = previous[done : done + delay]
    assert np.abs(guided[:delay] - left).mean() < 0.5 * np.abs(free[:delay] - left).mean()


def test_rtc_is_refused_for_a_policy_it_cannot_guide(act_torch_package, packages):
    done = cli("run", "--transport", "sim", "--policy", act_torch_package, "--rtc", "--duration", 1)
    assert (
        done.returncode == 2 and "act predicts its chunk in one pass and has nothing to guide" in done.stderr
    )
    done = cli("run", "--transport", "sim", "--policy", packages["act"].root, "--rtc", "--duration", 1)
    assert done.returncode == 2 and "--rtc runs on the torch backend" in done.stderr


def test_smolvla_with_rtc_drives_the_robot_over_dds(smolvla_package):
    ran, stats, heard = drive_over_dds(smolvla_package, "--task", TASK, "--rtc", seconds=6)
    assert ran.returncode == 0, ran.stderr[-3000:]
    check_driven(stats, heard)
