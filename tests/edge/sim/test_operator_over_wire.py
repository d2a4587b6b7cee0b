"""The simulated robot in a process of its own, operated by a recorder over the wire (/sim/operator),
as `imitate demo` and a user's `imitate sim` + `imitate serve` run it."""

import glob
import json
import subprocess
import sys
import time

import numpy as np
import pyarrow.parquet as pq
import pytest

from imitate.edge import messages as m
from imitate.edge.profile import STRING, load_profile
from imitate.edge.sim import SimRobot
from imitate.edge.sim.operator import OPERATOR_TOPIC, OperatorDesk, OperatorRelay
from imitate.edge.sim.robot import STATUS_TOPIC
from imitate.edge.transport import make_transport
from imitate.edge.transport.sim_transport import SimBus

CLI = [sys.executable, "-m", "imitate.cli"]
PROFILE = load_profile("sim")


def until(predicate, timeout_s=5.0):
    """Whether `predicate()` came true within `timeout_s` (the bus delivers on its own thread)."""
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def test_the_relay_says_nothing_until_a_simulated_robot_is_heard():
    bus = SimBus()
    heard = []
    listener = make_transport("sim", bus=bus)
    listener.subscribe(OPERATOR_TOPIC, STRING, lambda msg: heard.append(json.loads(msg.data)))
    relay = OperatorRelay(make_transport("sim", bus=bus), auto_next=False)
    relay({"phase": "warmup", "task": "put the ball in the bin"})
    time.sleep(0.2)
    assert heard == []  # a real robot never gets /sim/ topics
    make_transport("sim", bus=bus).publish(STATUS_TOPIC, STRING, m.string("{}"))
    assert until(relay.heard.is_set)
    relay({"phase": "warmup", "task": "put the ball in the bin"})
    assert until(lambda: heard)
    assert heard == [{"phase": "warmup", "task": "put the ball in the bin", "auto_next": False}]


def test_relays_of_many_sessions_share_one_status_subscription():
    bus = SimBus()
    transport = make_transport("sim", bus=bus)
    relays = [OperatorRelay(transport) for _ in range(5)]  # a service's recording sessions, one by one
    assert [s.topic for s in transport.subscriptions].count(STATUS_TOPIC) == 1
    make_transport("sim", bus=bus).publish(STATUS_TOPIC, STRING, m.string("{}"))
    assert until(lambda: all(r.heard.is_set() for r in relays))
    assert OperatorRelay(transport).heard.is_set()  # a later session knows the robot is there
    assert not OperatorRelay(make_transport("sim", bus=bus)).heard.is_set()  # another transport: not yet


def test_the_desk_takes_over_once_sets_the_task_and_ignores_garbage():
    bus = SimBus()
    robot = SimRobot(PROFILE, make_transport("sim", bus=bus), leader=False)
    taken = []
    OperatorDesk(robot, make_transport("sim", bus=bus), take_over=lambda: taken.append(1))
    sender = make_transport("sim", bus=bus)
    for garbage in ("not json", "[1, 2]", '{"task": "pick"}'):
        sender.publish(OPERATOR_TOPIC, STRING, m.string(garbage))
    time.sleep(0.2)
    assert taken == []
    event = {"phase": "warmup", "task": "put the ball in the bin", "auto_next": True}
    for _ in range(2):
        sender.publish(OPERATOR_TOPIC, STRING, m.string(json.dumps(event)))
    assert until(lambda: robot.status()["task"] == "place")
    episode = robot.status()["episode"]
    sender.publish(OPERATOR_TOPIC, STRING, m.string(json.dumps(event)))
    time.sleep(0.2)
    assert taken == [1] and robot.status()["episode"] == episode  # the same phase again: no new scene


@pytest.mark.slow
def test_a_recorder_operates_the_simulated_robot_in_another_process(tmp_path):
    """`imitate sim --leader off` demonstrates only when the recorder says so, and presses 'next' when
    done: two episodes, each shorter than its time limit, with the arm moving in both."""
    sim = subprocess.Popen(
        [*CLI, "sim", "--transport", "dds", "--leader", "off", "--duration", "300"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        done = subprocess.run(
            [
                *CLI,
                "record",
                "--transport",
                "dds",
                "--dataset",
                str(tmp_path / "data"),
                "--task",
                "pick up the ball",
                "--episodes",
                "2",
                "--episode-time",
                "12",
                "--reset-time",
                "0.5",
                "--codec",
                "h264",
            ],
            capture_output=True,
            text=True,
            timeout=300,
            stdin=subprocess.DEVNULL,
        )
    finally:
        sim.terminate()
        log = sim.communicate(timeout=30)[0]
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "2 episodes saved" in done.stdout
    assert "a recorder operates the simulated leader" in log
    episodes = [
        r
        for f in sorted(glob.glob(f"{tmp_path}/data/meta/episodes/*/*.parquet"))
        for r in pq.read_table(f).to_pylist()
    ]
    assert len(episodes) == 2
    assert all(e["length"] < 12 * 30 for e in episodes)  # ended by the leader's 'next', not the limit
    actions = np.concatenate(
        [
            np.array(pq.read_table(f, columns=["action"])["action"].to_pylist())
            for f in sorted(glob.glob(f"{tmp_path}/data/data/*/*.parquet"))
        ]
    )
    arms = [i for i, name in enumerate(PROFILE.joint_names) if name.startswith("arm_")]
    assert np.ptp(actions[:, arms], axis=0).max() > 0.1  # the leader demonstrated
