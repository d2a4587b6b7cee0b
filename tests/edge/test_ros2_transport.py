"""The rclpy transport against a live ROS 2 graph (the ROS 2 Kilted wheels, extra `ros2`, x86_64).

Its conversion is the CDR path every transport shares (tests/edge/test_messages.py and the DDS wire
tests check those bytes); what is left to check needs rclpy itself. The simulated robot runs on
Cyclone DDS in another process, so every sample here crosses between two DDS implementations.
More rclpy tests: test_rclpy_interop.py (a plain rclpy node), test_transport.py (every message
type), sim/test_sim.py (`imitate topics`), runtime/test_control_process.py (the control process).
"""
import json
import subprocess
import sys
import threading
import time

import pytest

from imitate.edge import messages as m

pytestmark = pytest.mark.ros2
rclpy = pytest.importorskip("rclpy", reason="the ROS 2 wheels: pip install 'imitate[ros2]' (x86_64)")


def test_ros2_round_trip_and_qos():
    from imitate.edge.transport import make_transport
    from imitate.edge.transport.base import QOS
    from imitate.edge.transport.ros2_transport import rclpy_qos
    assert rclpy_qos(QOS["sensor_data"]).depth == 5
    a, b = make_transport("ros2", node_name="imitate_a"), make_transport("ros2", node_name="imitate_b")
    got = threading.Event()
    b.subscribe("/imitate_test", "sensor_msgs/msg/JointState", lambda msg: got.set())
    deadline = time.monotonic() + 5
    while not got.is_set() and time.monotonic() < deadline:
        a.publish("/imitate_test", "sensor_msgs/msg/JointState", m.joint_state(["a"], [1.0]))
        got.wait(0.1)
    a.close()
    b.close()
    assert got.is_set()


@pytest.mark.slow
def test_record_over_ros2_from_the_simulated_robot_on_dds(tmp_path):
    pytest.importorskip("cyclonedds")
    root = tmp_path / "ros2_pick"
    sim = subprocess.Popen(
        [sys.executable, "-m", "imitate.cli", "sim", "--transport", "dds", "--duration", "60"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        out = subprocess.run(
            [
                sys.executable, "-m", "imitate.cli", "record", "--transport", "ros2", "--dataset", str(root),
                "--task", "pick", "--episodes", "2", "--episode-time", "2", "--reset-time", "0", "--codec",
                "h264",
            ],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        sim.terminate()
        sim.wait(timeout=10)
    print(out.stdout[-2000:])
    assert out.returncode == 0, out.stderr[-2000:]
    info = json.loads((root / "meta" / "info.json").read_text())
    assert info["total_episodes"] == 2
    # the scripted leader may end an episode early with its button, as over DDS; at least one second came
    assert info["total_frames"] >= info["fps"]
    from lerobot.datasets.lerobot_dataset import LeRobotDataset  # lerobot reads what came through rclpy

    ds = LeRobotDataset(repo_id="local/ros2_pick", root=root, video_backend="pyav")
    item = ds[len(ds) - 1]
    assert item["observation.state"].shape == (19,) and item["observation.images.cam_head"].shape[0] == 3
