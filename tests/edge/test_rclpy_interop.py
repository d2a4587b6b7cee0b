"""imitate's transports against a real ROS 2 node: rclpy on rmw_fastrtps_cpp (Fast DDS 3.2), from
the ROS 2 Kilted wheels on PyPI (the `ros2` extra, x86_64).

The peer (tests/ros2peer/rclpy_peer.py) is plain rclpy code with its own message classes, run in a
process of its own with ROS_AUTOMATIC_DISCOVERY_RANGE=LOCALHOST; imitate runs in the test process.
Each direction carries JointState at 200 Hz and JointTrajectory at 100 Hz (reliable: none may be
lost) and a 51 kB JPEG CompressedImage at 30 Hz (best effort, as cameras publish: nearly all must
arrive over loopback), for 5 s, with every message's content checked.
"""
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from imitate.edge import messages as m
from imitate.edge.transport import make_transport

from ..ros2peer.wire_spec import JPEG, NAMES, RATES_HZ, TOPICS, missing

pytestmark = [pytest.mark.ros2, pytest.mark.slow]
pytest.importorskip("rclpy", reason="the ROS 2 wheels: pip install 'imitate[ros2]' (x86_64)")

PEER = Path(__file__).resolve().parents[1] / "ros2peer" / "rclpy_peer.py"
SECONDS = 5
TYPES = {"joint_states": "sensor_msgs/msg/JointState", "images": "sensor_msgs/msg/CompressedImage",
         "commands": "trajectory_msgs/msg/JointTrajectory"}
QOS = {"joint_states": "default", "images": "sensor_data", "commands": "default"}


def peer(role):
    """The rclpy peer: `talk` for SECONDS, or `listen` until quiet (at most SECONDS + 20)."""
    env = dict(os.environ, ROS_AUTOMATIC_DISCOVERY_RANGE="LOCALHOST")
    seconds = SECONDS if role == "talk" else SECONDS + 20
    return subprocess.Popen([sys.executable, str(PEER), role, str(seconds)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)


def message(kind, index):
    if kind == "joint_states":
        return m.joint_state(NAMES, [float(index)] + [0.5] * 6)
    if kind == "images":
        return m.compressed_image(JPEG, frame_id=str(index))
    return m.joint_trajectory(NAMES, [float(index)] * 7)


def imitate_talk(transport):
    """Publish every kind at its rate for SECONDS (the writers are advertised and matched already)."""
    sent, start = dict.fromkeys(TOPICS, 0), time.monotonic()
    while any(sent[k] < SECONDS * RATES_HZ[k] for k in TOPICS):
        now = time.monotonic() - start
        for k in TOPICS:
            if sent[k] < SECONDS * RATES_HZ[k] and now >= sent[k] / RATES_HZ[k]:
                transport.publish(TOPICS[k], TYPES[k], message(k, sent[k]), qos=QOS[k])
                sent[k] += 1
        time.sleep(0.0005)
    return sent


def imitate_listen(transport, qos=None):
    """Subscribe to every kind (with `qos` {kind: Qos} where given, else the kind's own); returns (seen
    indices per kind, bad contents)."""
    qos = {**QOS, **(qos or {})}
    seen, bad, lock = {k: set() for k in TOPICS}, [], threading.Lock()

    def on(kind):
        def callback(msg):
            if kind == "joint_states":
                ok, index = list(msg.name) == NAMES and len(msg.position) == 7, msg.position[0]
            elif kind == "images":
                ok, index = bytes(msg.data) == JPEG and msg.format == "jpeg", msg.header.frame_id
            else:
                ok = list(msg.joint_names) == NAMES and len(msg.points) == 1
                index = msg.points[0].positions[0]
            with lock:
                seen[kind].add(int(float(index)))
                if not ok:
                    bad.append(kind)

        return callback

    for kind in TOPICS:
        transport.subscribe(TOPICS[kind], TYPES[kind], on(kind), qos=qos[kind])
    return seen, bad


def check_counts(received, sent):
    assert received["joint_states"] == sent["joint_states"], "JointState lost (reliable)"
    assert received["commands"] == sent["commands"], "JointTrajectory lost (reliable)"
    assert received["images"] >= 0.95 * sent["images"], "more than 5% of images lost over loopback"


@pytest.mark.parametrize("name", ["dds", "ros2"])
def test_imitate_to_rclpy(name):
    with make_transport(name) as transport:
        for kind in TOPICS:
            transport.advertise(TOPICS[kind], TYPES[kind], qos=QOS[kind])
        listener = peer("listen")  # says it is ready once our writers are in its graph
        assert json.loads(listener.stdout.readline() or "{}").get("ready"), listener.stderr.read()
        time.sleep(0.5)  # and our writers have matched its readers
        sent = imitate_talk(transport)
        out, err = listener.communicate(timeout=SECONDS + 40)
    got = json.loads(out.strip().splitlines()[-1])
    print(f"\n{name} -> rclpy: sent {sent}, received {got['received']}")
    assert not got["bad"], got["bad"]
    assert not got["missing"]["joint_states"] and not got["missing"]["commands"], got["missing"]
    check_counts(got["received"], sent)


@pytest.mark.parametrize("name", ["dds", "ros2"])
def test_rclpy_to_imitate(name):
    with make_transport(name) as transport:
        seen, bad = imitate_listen(transport)
        talker = peer("talk")
        out, err = talker.communicate(timeout=SECONDS + 40)
        assert talker.returncode == 0, err
        time.sleep(0.5)
    result = json.loads(out.strip().splitlines()[-1])
    print(f"\nrclpy -> {name}: sent {result['sent']}, received { ({k: len(s) for k, s in seen.items()}) }")
    assert all(result["matched"].values()), f"the rclpy publishers never matched imitate: {result}"
    assert not bad, bad
    assert not missing(seen["joint_states"]) and not missing(seen["commands"])
    check_counts({k: len(s) for k, s in seen.items()}, result["sent"])
