"""Cameras mounted on their side (the AI Worker's wrists under cyclo_intelligence: rotate 270): one
function turns them, at recording, before inference and in import-bag, and the dataset says so."""
import json
import subprocess
import sys

import cv2
import numpy as np
import pytest

from imitate.edge.dataset import DatasetWriter
from imitate.edge.images import crop_as_sent, decode_images, orient, unorient
from imitate.edge.profile import ProfileError, load_profile

REV4 = load_profile("ai_worker_bg2_rev4")


def pattern(height, width):
    """A BGR test card whose orientation is unambiguous: a gradient, a red top-left block."""
    img = np.zeros((height, width, 3), np.uint8)
    img[..., 1] = np.linspace(0, 255, width, dtype=np.uint8)[None, :]
    img[..., 0] = np.linspace(0, 255, height, dtype=np.uint8)[:, None]
    img[: height // 4, : width // 4] = (0, 0, 255)
    return img


def test_orient_turns_clockwise_and_unorient_undoes_it():
    img = np.arange(6).reshape(2, 3)
    assert orient(img, 90).tolist() == [
        [3, 0],
        [4, 1],
        [5, 2],
    ]  # clockwise: the left column becomes the top row
    assert orient(img, 270).tolist() == [[2, 5], [1, 4], [0, 3]]
    for deg in (0, 90, 180, 270):
        assert np.array_equal(unorient(orient(img, deg), deg), img)
    with pytest.raises(ValueError, match="0, 90, 180 or 270"):
        orient(img, 45)


def test_crop_keeps_a_window_of_the_turned_image(tmp_path):
    img = np.arange(12).reshape(3, 4)
    assert orient(img, 90, (1, 0, 2, 2)).tolist() == [[9, 5], [10, 6]]  # turned to 4x3, rows 1-2, columns 0-1
    with pytest.raises(ValueError, match="does not fit"):
        orient(img, 0, (0, 0, 4, 4))
    cropped = tmp_path / "cropped.yaml"
    cropped.write_text(
        "extends: ai_worker_bg2_rev4\nname: cropped\ncameras:\n"
        "  cam_wrist_left: {topic: /c, height: 240, width: 424, rotate: 270, crop: [100, 0, 240, 240]}\n"
    )
    cam = load_profile(cropped).camera("cam_wrist_left")
    assert cam.stored_size == (240, 240) and cam.view == (270, (100, 0, 240, 240))
    writer = DatasetWriter(tmp_path / "ds", load_profile(cropped), codec="h264")
    feature = writer.features["observation.images.cam_wrist_left"]
    assert feature["shape"] == [240, 240, 3] and feature["info"]["imitate.crop"] == [100, 0, 240, 240]
    jpeg = cv2.imencode(".jpg", pattern(240, 424))[1].tobytes()
    writer.begin_episode("pick")
    zeros = np.zeros(len(REV4.joint_names), np.float32)
    writer.add_frame(zeros, zeros, {"cam_wrist_left": jpeg})
    assert writer.save_episode().frames == 1  # the encoder took the cropped frame at the stored size
    outside = tmp_path / "outside.yaml"
    outside.write_text(
        "extends: ai_worker_bg2_rev4\nname: outside\ncameras:\n"
        "  c: {topic: /c, height: 240, width: 424, rotate: 270, crop: [300, 0, 240, 240]}\n"
    )
    with pytest.raises(ProfileError, match="inside the 240x424 image"):
        load_profile(outside)


@pytest.mark.parametrize("rotate", [0, 90, 180, 270])
def test_the_crop_found_on_the_sent_image_is_what_orient_keeps(rotate):
    sent = np.random.default_rng(rotate).integers(0, 255, (24, 40, 3), dtype=np.uint8)
    turned_h, turned_w = orient(sent, rotate).shape[:2]
    crop = (3, 5, turned_h - 10, turned_w - 12)  # off centre, so a wrong turn picks other pixels
    top, left, height, width = crop_as_sent(rotate, crop, sent.shape[:2])
    window = sent[top : top + height, left : left + width]
    assert np.array_equal(orient(window, rotate), orient(sent, rotate, crop))


def test_the_profile_gives_the_stored_size_and_refuses_other_angles(tmp_path):
    cam = REV4.camera("cam_wrist_left")
    assert (cam.height, cam.width, cam.rotate, cam.stored_size) == (240, 424, 270, (424, 240))
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "extends: ai_worker_bg2_rev4\nname: bad\ncameras:\n  c: "
        "{topic: /c, height: 4, width: 4, rotate: 45}\n"
    )
    with pytest.raises(ProfileError, match="rotate: expected 0, 90, 180 or 270"):
        load_profile(bad)


def test_recording_stores_the_turned_image_the_runtime_gives_the_policy(tmp_path):
    """The same JPEGs: what the dataset stores (read back by lerobot) and what the runtime hands the
    policy (decode_images with the loop's views) are the same picture, turned 270 degrees."""
    from lerobot.datasets.lerobot_dataset import LeRobotDataset

    from imitate.edge.runtime.loop import CommandLoop

    jpegs = {
        c.name: cv2.imencode(".jpg", pattern(c.height, c.width), [cv2.IMWRITE_JPEG_QUALITY, 95])[1].tobytes()
        for c in REV4.cameras
    }
    writer = DatasetWriter(tmp_path / "ds", REV4, codec="h264")
    writer.begin_episode("pick")
    zeros = np.zeros(len(REV4.joint_names), np.float32)
    for _ in range(3):
        writer.add_frame(zeros, zeros, jpegs)
    writer.save_episode()
    info = json.loads((tmp_path / "ds" / "meta" / "info.json").read_text())
    feature = info["features"]["observation.images.cam_wrist_left"]
    assert feature["shape"] == [424, 240, 3] and feature["info"]["imitate.rotate_deg"] == 270
    assert "imitate.rotate_deg" not in info["features"]["observation.images.cam_head_left"]["info"]
    stored = LeRobotDataset("local/rev4", root=tmp_path / "ds", video_backend="pyav")[0]
    loop = CommandLoop.__new__(CommandLoop)  # the attribute the inference thread reads, set as __init__ does
    loop.views = {c.name: c.view for c in REV4.cameras}
    seen = decode_images(jpegs, ["cam_wrist_left", "cam_head_left"], loop.views)
    for cam in ("cam_wrist_left", "cam_head_left"):
        recorded = (stored[f"observation.images.{cam}"].numpy().transpose(1, 2, 0) * 255).astype(np.float32)
        assert recorded.shape == seen[cam].shape
        assert np.abs(recorded - seen[cam]).mean() < 4.0  # the same picture, up to video compression
    wrong_way = orient(cv2.cvtColor(pattern(240, 424), cv2.COLOR_BGR2RGB), 90)
    recorded = (stored["observation.images.cam_wrist_left"].numpy().transpose(1, 2, 0) * 255).astype(
        np.float32
    )
    assert np.abs(recorded - wrong_way).mean() > 40  # and not turned the other way


@pytest.mark.slow
def test_the_simulated_rev4_sends_its_wrists_on_their_side_and_import_bag_turns_them_alike(tmp_path):
    """Recorded live from the simulated AI Worker rev4 (four cameras, wrists sent turned), with its raw
    bag; the bag imported gives the same frames: import-bag turns the wrists as recording did."""
    from lerobot.datasets.lerobot_dataset import LeRobotDataset

    live = tmp_path / "live"
    subprocess.run(
        [
            sys.executable, "-m", "imitate.cli", "record", "--transport", "sim", "--profile",
            "ai_worker_bg2_rev4", "--dataset", str(live), "--task", "pick", "--episodes", "1",
            "--episode-time", "1.5", "--codec", "h264", "--raw-bag",
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    bags = (
        sorted((live / "raw").glob("*")) if (live / "raw").exists() else sorted(live.parent.glob("live*bag*"))
    )
    assert bags, list(live.iterdir())
    imported = tmp_path / "imported"
    out = subprocess.run(
        [
            sys.executable, "-m", "imitate.cli", "import-bag", str(bags[0]), "--profile",
            "ai_worker_bg2_rev4", "--dataset", str(imported), "--codec", "h264",
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    a = LeRobotDataset("local/a", root=live, video_backend="pyav")
    b = LeRobotDataset("local/b", root=imported, video_backend="pyav")
    assert a.meta.video_keys == b.meta.video_keys and len(a.meta.video_keys) == 4
    assert tuple(a[0]["observation.images.cam_wrist_left"].shape) == (3, 424, 240)
    for key in a.meta.video_keys:
        assert np.abs(a[0][key].numpy() - b[0][key].numpy()).mean() < 0.02, key


def test_a_policy_is_refused_on_a_profile_that_turns_its_camera_otherwise(packages, tmp_path):
    """The package keeps each camera's rotate_deg from its training data; the runtime refuses a
    profile that would show the policy its camera turned differently."""
    spec = json.loads((packages["act"].root / "policy.json").read_text())
    assert all(c["rotate_deg"] == 0 for c in spec["inputs"]["cameras"])
    turned = tmp_path / "turned.yaml"
    turned.write_text(
        "extends: sim\nname: turned\ncameras:\n"
        "  cam_head: "
        "{topic: /zed/zed_node/left/image_rect_color/compressed, height: 376, width: 672, rotate: 180}\n"
    )
    out = subprocess.run(
        [
            sys.executable, "-m", "imitate.cli", "run", "--profile", str(turned), "--transport", "sim",
            "--policy", str(packages["act"].root), "--duration", "2",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode != 0
    assert "trained on images turned 0 degrees, profile turned turns them 180" in out.stderr, out.stderr[
        -1500:
    ]
    assert "Traceback" not in out.stderr
