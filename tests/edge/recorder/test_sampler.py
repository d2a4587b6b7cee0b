"""The sampler: frames on a grid, by joint name, with every source's age; silence is never zero."""
import time

import numpy as np
import pytest

from imitate.edge.recorder import phase_shift
from imitate.edge.sampler import NotReady, ObservationSampler
from imitate.edge.transport import make_transport
from imitate.edge.transport.sim_transport import SimBus

from .conftest import PROFILE
from .fake_robot import FakeRobot


def wait_ready(sampler, timeout_s=3.0):
    deadline = time.monotonic() + timeout_s
    while sampler.missing() and time.monotonic() < deadline:
        time.sleep(0.02)


def test_a_silent_leader_group_blocks_with_a_clear_message():
    bus = SimBus()
    robot = FakeRobot(PROFILE, make_transport("sim", bus=bus), leader=False).start()
    sampler = ObservationSampler(PROFILE, make_transport("sim", bus=bus))
    time.sleep(0.5)
    with pytest.raises(
        NotReady, match="leader commands of arm_left on /leader/joint_trajectory_command_broadcaster_left"
    ):
        sampler.sample()
    assert all(
        "leader" in m for m in sampler.missing()
    )  # state and cameras arrived; only the leader is silent
    robot.stop()


def test_frames_map_joints_by_name_and_carry_ages():
    bus = SimBus()
    robot = FakeRobot(PROFILE, make_transport("sim", bus=bus)).start()
    sampler = ObservationSampler(PROFILE, make_transport("sim", bus=bus))
    wait_ready(sampler)
    frame = sampler.sample()
    robot.stop()
    joints = np.arange(len(PROFILE.joint_names))
    assert frame.state.dtype == np.float32 and np.allclose(
        frame.state - joints, (frame.state - joints)[0], atol=1e-4
    )
    assert np.allclose(frame.action + joints, (frame.action + joints)[0], atol=1e-4)
    assert set(frame.images) == set(PROFILE.camera_names) and frame.images["cam_head"][:2] == b"\xff\xd8"
    assert {"state/arm_left", "action/lift", "camera/cam_wrist_2"} <= set(frame.ages)
    assert all(0 <= age < 0.5 for age in frame.ages.values())


def test_a_stalled_camera_is_counted_stale_and_a_slow_one_repeated():
    bus = SimBus()
    robot = FakeRobot(
        PROFILE, make_transport("sim", bus=bus), camera_fps=10.0
    ).start()  # a third of the grid rate
    sampler = ObservationSampler(PROFILE, make_transport("sim", bus=bus))
    wait_ready(sampler)
    for _ in range(30):
        sampler.sample()
        time.sleep(1 / 30)
    assert sampler.repeat_counts["cam_head"] + sampler.stale_counts["cam_head"] >= 15  # ~2 of every 3 frames
    sampler.reset_counts()
    robot.silent_cameras.add("cam_wrist_1")
    time.sleep(0.2)
    frame = sampler.sample()
    assert "cam_wrist_1" in frame.stale and frame.ages["camera/cam_wrist_1"] > 0.1
    assert sampler.stale_counts["cam_wrist_1"] == 1
    robot.stop()


def test_a_tap_sees_what_each_frame_took_by_arrival_time():
    """The raw bag's contract: replaying the tapped messages in arrival order and taking the newest before
    each frame's read_s gives that frame's images and state, whatever the threads' timing (a separate
    subscription once stamped an image after the frame that had already taken it)."""
    bus = SimBus()
    robot = FakeRobot(PROFILE, make_transport("sim", bus=bus)).start()
    sampler = ObservationSampler(PROFILE, make_transport("sim", bus=bus))
    tapped = []  # (arrival_s, topic, msg)
    sampler.tap(lambda topic, msg, arrival_s: tapped.append((arrival_s, topic, msg)))
    wait_ready(sampler)
    frames = []
    for _ in range(40):
        frames.append(sampler.sample())
        time.sleep(0.01)
    robot.stop()
    assert {topic for _, topic, _ in tapped} == sampler.topics
    for frame in frames:
        newest = {}
        for arrival_s, topic, msg in tapped:
            if arrival_s <= frame.read_s:
                newest[topic] = msg
        for cam in PROFILE.camera_names:
            assert newest[PROFILE.camera(cam).topic].data.tobytes() == frame.images[cam]
        for group in PROFILE.groups[:1]:
            state = newest[group.state.topic]
            by_name = dict(zip(state.name, state.position, strict=False))
            expected = [by_name[j] for j in group.joints]
            got = [frame.state[PROFILE.joint_names.index(j)] for j in group.joints]
            assert np.allclose(got, expected, atol=1e-6)


PERIOD = 1 / 30


@pytest.mark.parametrize(
    "ages, direction",
    [
        ([0.002, 0.003, 0.004], +1),  # frames arrive just before the tick: tick later
        ([0.030, 0.031, 0.029], -1),  # just after the previous tick: tick earlier
    ],
)
def test_the_grid_moves_towards_midway_between_the_cameras_arrivals(ages, direction):
    assert direction * phase_shift(ages, PERIOD) > 0.002


def test_cameras_straddling_a_tick_are_at_the_tick_not_midway():
    # arriving 1 ms before and 1 ms after a tick: their arithmetic mean age is half a period
    assert abs(phase_shift([0.001, PERIOD - 0.001], PERIOD)) > 0.003


def test_a_grid_midway_between_arrivals_or_without_news_stays():
    assert abs(phase_shift([PERIOD / 2 - 0.001, PERIOD / 2 + 0.001], PERIOD)) < 1e-9
    assert phase_shift([0.05, 0.2], PERIOD) == 0.0  # every camera skipped a frame: no phase to read
