"""The simulated AI Worker behaves like the real one on the wire and poses a visual task."""
import json
import re
import subprocess
import sys
import threading
import time

import cv2
import numpy as np
import pytest

from imitate.edge import messages as m
from imitate.edge.profile import load_profile
from imitate.edge.sim import SimRobot, SimWorld
from imitate.edge.sim.baselines import (
    BlindCommander,
    LeaderCommander,
    evaluate,
    format_results,
    mean_demonstration,
)
from imitate.edge.transport import make_transport
from imitate.edge.transport.sim_transport import SimBus

PROFILE = load_profile("sim")


@pytest.fixture
def robot():
    bus = SimBus()
    robot = SimRobot(PROFILE, make_transport("sim", bus=bus), seed=5, leader=False).start()
    client = make_transport("sim", bus=bus)
    yield robot, client
    robot.stop()
    client.close()
    robot.transport.close()


def latest(client, topic, msgtype):
    box = {}
    client.subscribe(topic, msgtype, lambda msg: box.__setitem__("msg", msg))
    return box


@pytest.mark.slow
def test_rates_within_5_percent_over_10_s(robot):
    robot, client = robot
    counts = {t: 0 for t in PROFILE.topics() if "leader" not in t}
    lock = threading.Lock()

    def counter(topic):
        def on_msg(_msg):
            with lock:
                counts[topic] += 1
        return on_msg
    client.subscribe(PROFILE.joint_states, "sensor_msgs/msg/JointState", counter(PROFILE.joint_states))
    for cam in PROFILE.cameras:
        client.subscribe(cam.topic, "sensor_msgs/msg/CompressedImage", counter(cam.topic), qos="sensor_data")
    time.sleep(10.0)
    with lock:
        got = dict(counts)
    assert abs(got[PROFILE.joint_states] - 1000) <= 50, got
    for cam in PROFILE.cameras:
        assert abs(got[cam.topic] - 300) <= 15, (cam.name, got)


def test_joint_states_are_by_name_not_in_profile_order(robot):
    robot, client = robot
    box = latest(client, PROFILE.joint_states, "sensor_msgs/msg/JointState")
    deadline = time.monotonic() + 3
    while "msg" not in box and time.monotonic() < deadline:
        time.sleep(0.02)
    msg = box["msg"]
    assert list(msg.name) != list(PROFILE.joint_names) and sorted(msg.name) == sorted(PROFILE.joint_names)
    by_name = dict(zip(msg.name, msg.position, strict=False))
    np.testing.assert_allclose([by_name[j] for j in PROFILE.joint_names], robot.world.home, atol=1e-9)


def test_follows_trajectory_commands_over_the_transport(robot):
    robot, client = robot
    group = PROFILE.groups[0]  # left arm + gripper
    target = robot.world.home[:8] + np.array([0.3, -0.2, 0.1, 0.2, 0, 0, 0, 0.5])
    box = latest(client, PROFILE.joint_states, "sensor_msgs/msg/JointState")
    client.publish(
        group.command.topic, "trajectory_msgs/msg/JointTrajectory", m.joint_trajectory(group.joints, target)
    )
    time.sleep(1.0)
    by_name = dict(zip(box["msg"].name, box["msg"].position, strict=False))
    np.testing.assert_allclose([by_name[j] for j in group.joints], target, atol=1e-3)


def test_step_respects_velocity_and_position_limits():
    world = SimWorld(PROFILE, image_sizes={c.name: (8, 8) for c in PROFILE.cameras})
    world.reset(0)
    j = world.index["arm_l_joint1"]
    lim = PROFILE.limits["arm_l_joint1"]
    world.command(["arm_l_joint1", "head_joint1"], [10.0, -5.0])  # far past both joints' limits
    positions = []
    for _ in range(500):
        world.step(0.01)
        positions.append(world.q.copy())
    positions = np.array(positions)
    speed = np.abs(np.diff(positions, axis=0)) / 0.01
    assert (speed <= world.vmax + 1e-9).all()
    assert positions[:, j].max() <= lim.max and positions[-1, j] == pytest.approx(lim.max)
    assert positions[:, world.index["head_joint1"]].min() >= PROFILE.limits["head_joint1"].min
    assert (positions >= world.lo - 1e-12).all() and (positions <= world.hi + 1e-12).all()


def test_scripted_leader_succeeds_95_percent_and_blind_baseline_clearly_lower():
    leader = evaluate(PROFILE, LeaderCommander(), episodes=40, seed=1000)
    blind = evaluate(
        PROFILE, BlindCommander(mean_demonstration(PROFILE, episodes=20), 100.0), episodes=40, seed=1000
    )
    print("\n" + format_results([leader, blind]))
    assert leader.success_rate >= 0.95
    assert blind.success_rate <= leader.success_rate - 0.5


def test_leader_motions_vary_like_a_person():
    world = SimWorld(PROFILE, image_sizes={c.name: (8, 8) for c in PROFILE.cameras})
    durations = []
    for seed in range(10):
        world.reset(7)  # the same scene every time
        c = LeaderCommander()
        c.start(world, seed)
        durations.append(c._leader.duration_s)
    assert np.std(durations) > 0.1


def test_the_task_is_visual():
    """Moving the object changes the images but not the joint state."""
    world = SimWorld(PROFILE)
    world.reset(1)
    q1, images1 = world.q.copy(), {c: world.render(c) for c in world.cameras}
    world.reset(2)
    q2, images2 = world.q.copy(), {c: world.render(c) for c in world.cameras}
    assert np.array_equal(q1, q2)
    changed = [
        c for c in images1 if (np.abs(images1[c].astype(int) - images2[c]).max(axis=2) > 40).sum() > 200
    ]
    assert "cam_head" in changed, "the head camera must see where the object is"


def test_a_demonstration_over_the_transport_succeeds(robot):
    robot, client = robot
    box = latest(client, "/sim/status", "std_msgs/msg/String")
    duration = robot.demonstrate()
    time.sleep(duration + 0.5)
    assert robot.success, robot.status()
    status = json.loads(box["msg"].data)  # what another process sees on /sim/status
    assert status["success"] is True and status["held_by"] in ("left", "right")
    client.publish("/sim/reset", "std_msgs/msg/String", m.string("42"))
    time.sleep(0.3)
    assert robot.status()["seed"] == 42 and not robot.success


def test_save_one_frame_per_camera(artifacts):
    world = SimWorld(PROFILE)
    world.reset(3)
    for name in world.cameras:
        img = world.render(name)
        cam = PROFILE.camera(name)
        assert img.shape == (cam.height, cam.width, 3)
        assert cv2.imwrite(str(artifacts / f"sim_{name}.png"), img)


TRANSPORT_PAIRS = [
    ("dds", "dds"),  # (the robot's, topics'): Cyclone to and from a real rclpy node (Fast DDS)
    pytest.param("dds", "ros2", marks=pytest.mark.ros2),
    pytest.param("ros2", "dds", marks=pytest.mark.ros2),
    ("zenoh", "zenoh"),
]  # through the tests' Zenoh router


@pytest.mark.slow
@pytest.mark.parametrize("robot,topics", TRANSPORT_PAIRS)
@pytest.mark.realtime
def test_topics_command_sees_sim_from_another_process(robot, topics, request):
    for name in (robot, topics):
        pytest.importorskip({"dds": "cyclonedds", "ros2": "rclpy", "zenoh": "zenoh"}[name])
    if "zenoh" in (robot, topics):
        request.getfixturevalue("router")  # the processes below find it through ZENOH_CONFIG_OVERRIDE
    sim = subprocess.Popen(
        [sys.executable, "-m", "imitate.cli", "sim", "--transport", robot, "--duration", "20"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        time.sleep(3.0)
        out = subprocess.run(
            [sys.executable, "-m", "imitate.cli", "topics", "--transport", topics, "--duration", "5"],
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        sim.terminate()
        sim.wait(timeout=10)
    print(out.stdout)
    assert out.returncode == 0, out.stderr
    rates = {}
    for line in out.stdout.splitlines()[1:]:
        parts = line.split()
        if len(parts) >= 5 and re.match(r"^[\d.]+$", parts[2]):
            rates[parts[0]] = float(parts[2])
    # What this proves is that every topic crosses between processes at about its rate; the rates are
    # bounded for a loaded machine (the suite passes under `stress --cpu 2`). /joint_states: 100 Hz
    # from a paced thread, never above, at least 80. Cameras: 30 fps rendered and JPEG-encoded in one
    # Python process (about 0.9 of a core over rclpy); with two other processes busy on 2 cores it fell
    # below 15 fps, so at least a quarter of the rate, never above it.
    assert 80 <= rates.get("/joint_states", 0) <= 110, rates
    for cam in PROFILE.cameras:
        assert 7.5 <= rates.get(cam.topic, 0) <= 33, rates
