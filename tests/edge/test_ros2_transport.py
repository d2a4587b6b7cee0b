"""The rclpy transport, against a live ROS 2 graph: runs only where rclpy is installed (marker ros2).

Its conversion is the CDR path every transport shares (tests/edge/test_messages.py and the DDS wire
tests check those bytes); what is left to check needs rclpy itself.
"""
import threading
import time

import pytest

from imitate.edge import messages as m

pytestmark = pytest.mark.ros2
rclpy = pytest.importorskip("rclpy", reason="rclpy comes with a ROS 2 install, not from PyPI")


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
