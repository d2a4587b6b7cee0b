"""Dataset tools on a simulated recording: every edit is followed by a lerobot 0.4.4 load."""
import shutil
import subprocess
import sys

import pytest

from imitate.edge.dataset import DatasetError, tools
from imitate.edge.dataset.reader import DatasetReader


@pytest.fixture
def pick(sim_dataset, tmp_path):
    root = tmp_path / "pick"
    shutil.copytree(sim_dataset, root)
    return root


def lerobot_load(root):
    lerobot = pytest.importorskip("lerobot.datasets.lerobot_dataset")
    ds = lerobot.LeRobotDataset("local/" + root.name, root=root, video_backend="pyav")
    last = ds[len(ds) - 1]  # decodes a frame of the last episode
    return ds, last


def test_info_and_validate(pick):
    summary = tools.info(pick)
    assert summary["episodes"] == 4 and summary["cameras"] == ["cam_head", "cam_wrist_1", "cam_wrist_2"]
    problems, _ = tools.validate(pick)
    assert problems == []


def test_validate_finds_what_lerobot_would_trip_over(pick):
    (pick / "meta" / "stats.json").unlink()
    video = next((pick / "videos").glob("*/*/file-001.mp4"))
    video.unlink()
    problems, _ = tools.validate(pick)
    assert any("stats.json is missing" in p for p in problems)
    assert any("episode 1: video" in p and "missing" in p for p in problems)
    result = subprocess.run([sys.executable, "-m", "imitate.cli", "dataset", "validate", str(pick)],
                            capture_output=True, text=True)
    assert result.returncode == 1 and "PROBLEM" in result.stdout


def test_delete_merge_split_each_load_in_lerobot(pick, tmp_path):
    before = DatasetReader(pick).episode_columns(3)["observation.state"]
    assert tools.delete_episodes(pick, [0, 2]) == {"deleted": [0, 2], "episodes": 2}
    ds, last = lerobot_load(pick)
    assert ds.num_episodes == 2 and int(last["episode_index"]) == 1
    after = DatasetReader(pick).episode_columns(1)["observation.state"]
    assert (after == before).all()  # old episode 3 is new episode 1, unchanged

    merged = tmp_path / "merged"
    tools.merge([pick, pick], merged)
    ds, last = lerobot_load(merged)
    assert ds.num_episodes == 4 and int(last["index"]) == len(ds) - 1
    assert tools.validate(merged)[0] == []

    tools.split(merged, tmp_path / "train", tmp_path / "val", 3)
    assert lerobot_load(tmp_path / "train")[0].num_episodes == 3
    assert lerobot_load(tmp_path / "val")[0].num_episodes == 1


def test_bad_edits_are_refused_and_change_nothing(pick, tmp_path):
    with pytest.raises(DatasetError, match="no episode"):
        tools.delete_episodes(pick, [9])
    with pytest.raises(DatasetError, match="every episode"):
        tools.delete_episodes(pick, [0, 1, 2, 3])
    with pytest.raises(DatasetError, match="split point"):
        tools.split(pick, tmp_path / "a", tmp_path / "b", 0)
    with pytest.raises(DatasetError, match="exists"):
        tools.merge([pick], pick)
    assert DatasetReader(pick).info["total_episodes"] == 4


def test_an_interrupted_edit_leaves_a_loadable_dataset(pick):
    # killed while building the new dataset: the original is untouched, the next edit cleans up
    edit = pick.with_name(pick.name + tools.EDIT)
    shutil.copytree(pick / "meta", edit / "meta")
    assert lerobot_load(pick)[0].num_episodes == 4
    tools.delete_episodes(pick, [3])
    assert not edit.exists() and lerobot_load(pick)[0].num_episodes == 3

    # killed between the two renames (original moved aside, new one not in place): undone
    old = pick.with_name(pick.name + tools.OLD)
    pick.rename(old)
    edit.mkdir()
    assert "undone" in tools.recover(pick)
    assert not old.exists() and not edit.exists() and lerobot_load(pick)[0].num_episodes == 3
