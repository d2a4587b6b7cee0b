"""Scripted demonstrations written straight into a dataset keep the dataset's clock: frame k is the
scene k/fps into the episode, whatever the ratio of the control rate to the frame rate."""
import numpy as np
import pyarrow.parquet as pq
import pytest

from imitate.edge.profile import load_profile
from imitate.edge.sim.baselines import LeaderCommander, tiny_world
from imitate.edge.sim.synthetic import ticks_before, write_demonstrations


def test_frames_take_whole_ticks_that_add_up_to_the_frame_rate():
    assert [ticks_before(k, 100, 30) for k in range(7)] == [0, 3, 7, 10, 13, 17, 20]
    assert ticks_before(30, 100, 30) == 100  # one second of frames is one second of ticks
    assert ticks_before(15, 100, 15) == 100 and ticks_before(5, 50, 25) == 10


def test_each_recorded_action_is_the_leader_command_at_the_frame_time(tmp_path):
    profile = load_profile("sim")
    write_demonstrations(tmp_path / "d", profile, episodes=1, seconds=2.0, seed=5)
    table = pq.read_table(next((tmp_path / "d" / "data").glob("*/*.parquet"))).to_pandas()
    actions = np.stack(table["action"].to_numpy())
    fps, rate = profile.dataset_fps, profile.control_rate_hz
    assert len(actions) == 2 * fps
    world = tiny_world(profile)
    world.reset(5)
    leader = LeaderCommander()
    leader.start(world, 5)
    # the action of frame k is the last command sent before frame k + 1 starts
    ends = [ticks_before(k + 1, rate, fps) - 1 for k in range(len(actions))]
    expected = np.stack([leader.targets(tick / rate) for tick in ends])
    assert actions == pytest.approx(expected, abs=1e-6)
