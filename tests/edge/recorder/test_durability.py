"""Every saved episode survives: kill -9 at any instant, a full disk, a failing write."""
import errno
import json
import os
import random
import signal
import subprocess
import sys
import time

import pytest

from imitate.edge.dataset import DatasetError, DatasetWriter

from .conftest import PROFILE


def check_loads(root):
    """lerobot loads the dataset, and every episode info.json counts decodes first to last frame."""
    lerobot_dataset = pytest.importorskip("lerobot.datasets.lerobot_dataset")
    info = json.loads((root / "meta/info.json").read_text())
    if info["total_episodes"] == 0:
        return 0
    ds = lerobot_dataset.LeRobotDataset("local/kill", root=root, video_backend="pyav")
    assert ds.num_episodes == info["total_episodes"] and len(ds) == info["total_frames"]
    for ep in range(ds.num_episodes):
        start, end = ds.meta.episodes[ep]["dataset_from_index"], ds.meta.episodes[ep]["dataset_to_index"]
        for i in (start, end - 1):
            item = ds[i]
            assert item["episode_index"].item() == ep
            assert item["observation.images.cam_head"].shape == (3, *PROFILE.camera("cam_head").stored_size)
    return ds.num_episodes


@pytest.mark.slow
def test_kill_9_at_random_moments_never_loses_a_saved_episode(tmp_path):
    root, rng = tmp_path / "ds", random.Random(7)
    cmd = [
        sys.executable, "-m", "imitate.cli", "record", "--transport", "sim", "--dataset", str(root), "--task",
        "pick", "--episodes", "1000", "--episode-time", "0.6", "--reset-time", "0", "--codec", "h264",
        "--resume",
    ]
    saved_before, recovered = 0, 0
    for attempt in range(10):
        proc = subprocess.Popen(
            cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        time.sleep(rng.uniform(3.0, 6.0))  # start-up takes about 2 s; then saves every ~0.6 s
        proc.send_signal(signal.SIGKILL)
        out = proc.communicate()[0]
        recovered += out.count("note: ")
        saved = check_loads(root)
        assert saved >= saved_before, (
            f"attempt {attempt}: {saved} episodes after the kill, {saved_before} before"
        )
        saved_before = saved
    print(
        f"\n10 kills: {saved_before} episodes saved and intact; {recovered} leftovers cleaned up on restart"
    )
    assert saved_before >= 5


class Boom:
    """A parquet write that fails as a full disk does, from the Nth call on."""

    def __init__(self, real, after):
        self.real, self.after, self.calls = real, after, 0

    def __call__(self, *args, **kwargs):
        self.calls += 1
        if self.calls > self.after:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return self.real(*args, **kwargs)


def test_a_full_disk_stops_the_episode_and_loses_nothing_saved(rig, monkeypatch):
    import imitate.edge.dataset.writer as writer_module

    _, record = rig
    writer, _, status, _ = record(episodes=2)
    assert status.saved == 2
    boom = Boom(
        writer_module.write_parquet_atomic, after=1
    )  # the episode's data file lands, its metadata does not
    monkeypatch.setattr(writer_module, "write_parquet_atomic", boom)
    writer, recorder, status, _ = record(episodes=2, resume=True)
    assert (
        status.phase == "error"
        and "No space left on device" in recorder.error
        and "2 episodes saved before are intact" in recorder.error
    )
    monkeypatch.undo()
    assert check_loads(writer.root) == 2
    assert not list(writer.root.glob("data/*/file-002.parquet")), "the failed episode's files are removed"
    again = DatasetWriter(writer.root, PROFILE, resume=True)
    assert again.total_episodes == 2


def test_an_interrupted_save_is_cleaned_up_and_reported(rig):
    _, record = rig
    writer, _, _, _ = record(episodes=1)
    # leftovers of a save that died before its commit: a data file, a video, a temp file, a partial episode
    (writer.root / "data/chunk-000/file-001.parquet").write_bytes(
        (writer.root / "data/chunk-000/file-000.parquet").read_bytes()
    )
    (writer.root / "videos/observation.images.cam_head/chunk-000/file-001.mp4").write_bytes(b"partial")
    (writer.root / "meta/info.json.tmp").write_text("{")
    (writer.root / ".imitate/partial").mkdir(parents=True)
    assert check_loads(writer.root) == 1  # lerobot ignores what info.json does not count
    again = DatasetWriter(writer.root, PROFILE, resume=True)
    assert len(again.recovered) == 4 and any("discarded" in line for line in again.recovered)
    assert not (writer.root / "data/chunk-000/file-001.parquet").exists()


def test_encoder_failure_is_reported_not_hidden(tmp_path):
    writer = DatasetWriter(tmp_path / "ds", PROFILE, codec="h264")
    writer.begin_episode("t")
    import numpy as np

    writer.add_frame(np.zeros(19), np.zeros(19), {c: b"not a jpeg" for c in PROFILE.camera_names})
    with pytest.raises(DatasetError, match="not a decodable JPEG.*earlier episodes are intact"):
        writer.save_episode()
    assert writer.total_episodes == 0
