"""`imitate dataset convert`: a v2.1 dataset (lerobot 2.1's layout) to v3.0 with lerobot's own
converter, offline; the result loads in lerobot with the same frames, the original is kept."""
import subprocess
import sys

import numpy as np
import pytest

from .v21 import write_v21

pytest.importorskip("lerobot", reason="the converter is lerobot's (extra 'train')")


def test_a_v21_dataset_converts_and_loads_with_the_same_frames(sim_dataset, tmp_path):
    from lerobot.datasets.lerobot_dataset import LeRobotDataset
    v21 = write_v21(sim_dataset, tmp_path / "old_style")
    out = subprocess.run([sys.executable, "-m", "imitate.cli", "dataset", "convert", str(v21)],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "converted to LeRobot v3.0" in out.stdout
    assert (tmp_path / "old_style_old" / "meta" / "episodes.jsonl").exists()  # the original, kept
    a = LeRobotDataset("local/a", root=sim_dataset, video_backend="pyav")
    b = LeRobotDataset("local/b", root=v21, video_backend="pyav")
    assert (a.num_episodes, a.num_frames) == (b.num_episodes, b.num_frames)
    for i in (0, len(a) // 2, len(a) - 1):
        assert np.array_equal(a[i]["observation.state"].numpy(), b[i]["observation.state"].numpy())
        for key in a.meta.video_keys:
            assert np.abs(a[i][key].numpy() - b[i][key].numpy()).max() < 1e-6, key
    again = subprocess.run([sys.executable, "-m", "imitate.cli", "dataset", "convert", str(v21)],
                           capture_output=True, text=True, timeout=60)
    assert again.returncode != 0 and "already LeRobot v3.0" in again.stderr
