"""LeRobot datasets written by lerobot 0.4.4 itself, with `names` as datasets in the wild have them (a
list, a dict of lists, a list of lists, null) and a camera of another size: imitate reads, validates,
trains, exports with parity and runs them. The SO-101 one has six joints and one wrist camera."""
import json
import subprocess
import sys

import numpy as np
import pytest

from imitate.edge.dataset.layout import vector_names
from imitate.edge.dataset.tools import delete_episodes, info, validate
from imitate.edge.profile import load_profile

lerobot_dataset = pytest.importorskip(
    "lerobot.datasets.lerobot_dataset", reason="needs lerobot (extra 'train')"
)
SO101 = ["shoulder_pan", "shoulder_lift", "elbow_flex", "wrist_flex", "wrist_roll", "gripper"]
NAMES = {"list": SO101, "dict": {"motors": SO101}, "lists": [SO101[:3], SO101[3:]], "null": None}


def write_with_lerobot(root, names, joints=6, cameras=(("wrist", 48, 64),), episodes=2, frames=20):
    """A dataset created, filled and finalized by lerobot's LeRobotDataset (h264 video)."""
    feats = {
        "observation.state": {"dtype": "float32", "shape": (joints,), "names": names},
        "action": {"dtype": "float32", "shape": (joints,), "names": names},
    }
    for cam, h, w in cameras:
        feats[f"observation.images.{cam}"] = {
            "dtype": "video",
            "shape": (h, w, 3),
            "names": ["height", "width", "channels"],
        }
    ds = lerobot_dataset.LeRobotDataset.create(
        "local/foreign", fps=30, features=feats, root=root, robot_type="so101_follower", vcodec="h264"
    )
    rng = np.random.default_rng(0)
    for _ in range(episodes):
        for i in range(frames):
            state = np.sin(np.arange(joints) + i / 10).astype(np.float32)
            frame = {"observation.state": state, "action": state, "task": "pick up the cube"}
            for cam, h, w in cameras:
                frame[f"observation.images.{cam}"] = (rng.random((h, w, 3)) * 255).astype(np.uint8)
            ds.add_frame(frame)
        ds.save_episode()
    ds.finalize()
    return root


@pytest.mark.parametrize("style", list(NAMES))
def test_every_form_of_names_gives_one_name_per_joint(style):
    names, note = vector_names({"shape": [6], "names": NAMES[style]}, "state")
    assert names == (SO101 if style != "null" else [f"joint_{i}" for i in range(6)])
    assert (note == "") == (style != "null")
    names, note = vector_names({"shape": [7], "names": SO101}, "action")  # a list of the wrong length
    assert names[0] == "joint_0" and note.startswith("action: 6 names for 7 values")


@pytest.mark.parametrize("style", ["dict", "null"])
def test_a_lerobot_dataset_is_read_and_validated(tmp_path, style):
    root = write_with_lerobot(tmp_path / "so101", NAMES[style])
    summary = info(root)
    assert summary["joints"] == 6 and summary["episodes"] == 2 and summary["cameras"] == ["wrist"]
    assert summary["joint_names"] == (SO101 if style == "dict" else [f"joint_{i}" for i in range(6)])
    problems, notes = validate(root)
    assert problems == []
    assert any("state: no names" in n for n in notes) == (style == "null")
    report = delete_episodes(root, [0])  # imitate's safe rewrite of a dataset lerobot wrote
    assert report["episodes"] == 1
    ds = lerobot_dataset.LeRobotDataset("local/after", root=root, video_backend="pyav")
    assert ds.num_episodes == 1 and ds[len(ds) - 1]["observation.images.wrist"].shape == (3, 48, 64)


CLI = [sys.executable, "-m", "imitate.cli"]


def train_and_export(root, tmp_path, camera, image_size):
    """`imitate train` two steps on `camera`, then `imitate export` with parity on the dataset's frames;
    the package's policy.json."""
    run = subprocess.run(
        CLI
        + [
            "train",
            "--dataset",
            str(root),
            "--output",
            str(tmp_path / "run"),
            "--steps",
            "2",
            "--batch-size",
            "2",
            "--save-freq",
            "2",
            "--image-size",
            image_size,
            "--cameras",
            camera,
            "--device",
            "cpu",
            "--num-workers",
            "0",
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    out = subprocess.run(
        CLI
        + [
            "export",
            str(tmp_path / "run"),
            "--out",
            str(tmp_path / "pkg"),
            "--dataset",
            str(root),
            "--frames",
            "4",
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    spec = json.loads((tmp_path / "pkg" / "policy.json").read_text())
    assert spec["parity"]["max_abs_error"] < 1e-4
    return spec


@pytest.mark.slow
def test_a_lerobot_dataset_trains_exports_with_parity_and_runs(tmp_path):
    """The sim robot's 19 joints, names as a dict (as older lerobot writes them), its head camera at
    another size than the profile's: trained, exported with parity on its frames, run on the
    simulated robot (as an ai_worker_bg2: the sim profile crops its head camera, which this dataset
    never did, and the runtime refuses a policy whose crop differs)."""
    profile = load_profile("sim")
    root = write_with_lerobot(
        tmp_path / "foreign",
        {"motors": list(profile.joint_names)},
        joints=len(profile.joint_names),
        cameras=(("cam_head", 72, 128),),
        frames=15,
    )
    spec = train_and_export(root, tmp_path, "cam_head", "48x84")
    assert spec["inputs"]["state"]["joints"] == list(profile.joint_names)  # from the dict of lists
    ran = subprocess.run(
        CLI + ["run", "--transport", "sim", "--profile", "ai_worker_bg2", "--policy", str(tmp_path / "pkg"),
               "--duration", "4"],  # fmt: skip
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert ran.returncode == 0, ran.stderr[-3000:]
    stats = json.loads(ran.stdout[ran.stdout.index("{") :])
    assert stats["commands_sent"] > 50 and stats["inference_errors"] == 0


@pytest.mark.slow
def test_a_dataset_without_names_trains_and_exports_with_generated_joint_names(tmp_path):
    spec = train_and_export(write_with_lerobot(tmp_path / "nameless", None), tmp_path, "wrist", "48x64")
    joints = [f"joint_{i}" for i in range(6)]
    assert spec["inputs"]["state"]["joints"] == joints and spec["outputs"]["action"]["joints"] == joints
