"""Leader and command types beyond the AI Worker's: a JointState leader (by joint name), a follower
commanded with Float64MultiArray (values in the group's order), JointTrajectory leader and command on
separate topics. The simulated robot takes each, so recording, import-bag and the runtime's commands
run for real (tests/data/leader_types.yaml)."""
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from imitate.edge import messages as m
from imitate.edge.profile import FLOAT64_ARRAY, JOINT_STATE, TRAJECTORY, load_profile
from imitate.edge.sampler import ObservationSampler
from imitate.edge.sim.robot import SimRobot
from imitate.edge.transport import make_transport
from imitate.edge.transport.sim_transport import SimBus

PROFILE_PATH = Path(__file__).parents[2] / "data" / "leader_types.yaml"
PROFILE = load_profile(PROFILE_PATH)


def test_the_profile_reads_leader_and_command_types():
    groups = {g.name: g for g in PROFILE.groups}
    assert (groups["arm_left"].leader.type, groups["arm_left"].command.type) == (JOINT_STATE, FLOAT64_ARRAY)
    assert (groups["arm_right"].leader.type, groups["arm_right"].command.type) == (TRAJECTORY, TRAJECTORY)
    assert groups["arm_right"].leader.topic != groups["arm_right"].command.topic
    assert groups["head"].leader == groups["head"].command  # the AI Worker's: one topic for both


def test_the_runtime_commands_each_group_in_its_type_and_the_robot_follows():
    from imitate.edge.runtime.control import Controller
    from imitate.edge.runtime.safety import SafetyFilter
    from imitate.edge.runtime.schedule import ActionSchedule
    bus = SimBus()
    robot = SimRobot(PROFILE, make_transport("sim", bus=bus), leader=False)
    transport = make_transport("sim", bus=bus)
    seen = {}
    for g in PROFILE.groups:
        transport.subscribe(g.command.topic, g.command.type, lambda msg, n=g.name: seen.setdefault(n, msg))
    controller = Controller(PROFILE, transport, ObservationSampler(PROFILE, transport), SafetyFilter(PROFILE),
                            ActionSchedule(1 / 30))
    target = robot.world.home.copy()
    target[robot.world.index["arm_l_joint2"]] += 0.3
    controller.publish(target)
    deadline = time.monotonic() + 2  # the bus delivers on its own thread
    while time.monotonic() < deadline and len(seen) < len(PROFILE.groups):
        time.sleep(0.01)
    assert list(seen["arm_left"].data) == pytest.approx(target[:8])  # Float64MultiArray, the group's order
    assert seen["arm_right"].joint_names == list(PROFILE.groups[1].joints)
    assert robot.world.target[robot.world.index["arm_l_joint2"]] == pytest.approx(
        target[robot.world.index["arm_l_joint2"]]
    )
    for t in (transport, robot.transport):
        t.close()


@pytest.mark.slow
def test_recording_reads_each_leader_type_and_import_bag_gives_the_same_dataset(tmp_path):
    live = tmp_path / "live"
    subprocess.run(
        [
            sys.executable, "-m", "imitate.cli", "record", "--transport", "sim", "--profile",
            str(PROFILE_PATH), "--dataset", str(live), "--task", "pick", "--episodes", "1", "--episode-time",
            "2.5", "--codec", "h264", "--raw-bag",
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    data = pq.read_table(sorted((live / "data").glob("*/*.parquet"))).to_pandas()
    action = np.stack(data["action"].to_numpy())
    state = np.stack(data["observation.state"].to_numpy())
    assert np.isfinite(action).all()
    left, right = action[:, :8], action[:, 8:16]  # JointState leader, JointTrajectory leader on its own topic
    # both leaders were read (finite from the first frame); the scripted leader reaches with the arm nearer
    # the ball, so one of them moves in a short episode
    assert max(np.ptp(left, axis=0).max(), np.ptp(right, axis=0).max()) > 0.05
    assert np.abs(action[-1] - state[-1]).max() < 0.2  # and the follower followed (the teleop bridge)
    bags = sorted(p for p in live.rglob("*") if p.suffix in (".mcap", ".db3"))
    assert bags, "no raw bag was written"
    imported = tmp_path / "imported"
    out = subprocess.run(
        [
            sys.executable, "-m", "imitate.cli", "import-bag", str(bags[0].parent), "--profile",
            str(PROFILE_PATH), "--dataset", str(imported), "--codec", "h264",
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    again = pq.read_table(sorted((imported / "data").glob("*/*.parquet"))).to_pandas()
    n = min(len(data), len(again))
    assert n > 40
    assert np.abs(np.stack(again["action"].to_numpy())[:n] - action[:n]).max() < 1e-6


def test_a_joint_state_leader_is_read_by_name_whatever_its_order():
    bus = SimBus()
    transport = make_transport("sim", bus=bus)
    sampler = ObservationSampler(PROFILE, transport, with_action=True)
    joints = list(PROFILE.groups[0].joints)
    values = np.arange(len(joints), dtype=float) / 10
    publisher = make_transport("sim", bus=bus)
    publisher.publish(
        "/leader_arm_left/joint_states",
        JOINT_STATE,  # reversed order, and a joint of another arm
        m.joint_state(joints[::-1] + ["other_joint"], list(values[::-1]) + [9.0]),
    )
    deadline = time.monotonic() + 2
    while time.monotonic() < deadline and not np.isfinite(sampler._action[:8]).all():
        time.sleep(0.01)
    assert list(sampler._action[:8]) == pytest.approx(list(values))
    for t in (transport, publisher):
        t.close()
