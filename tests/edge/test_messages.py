import numpy as np
import pytest

from imitate.edge import messages as m

from .samples import all_samples, same


@pytest.mark.parametrize("msgtype,msg", all_samples(), ids=lambda v: v if isinstance(v, str) else "")
@pytest.mark.parametrize("distro", ["jazzy", "humble"])
def test_cdr_round_trip(msgtype, msg, distro):
    raw = m.serialize(msg, msgtype)
    assert raw[:4] == b"\x00\x01\x00\x00"  # plain CDR, little endian: what the RMWs send
    back = m.deserialize(raw, msgtype, distro)  # these types are the same in Humble and Jazzy
    assert m.serialize(back, msgtype, distro) == raw
    assert same(m.deserialize(raw, msgtype), msg)


def test_jazzy_type_hashes_match_ros2_topic_info():
    # prefixes as printed by `ros2 topic info -v` on Jazzy (shared reference ros2-wire-dds.md)
    assert m.type_hash("sensor_msgs/msg/JointState").startswith("RIHS01_a13ee3a3")
    assert m.type_hash("sensor_msgs/msg/CompressedImage").startswith("RIHS01_15640771")
    assert m.type_hash("trajectory_msgs/msg/JointTrajectory").startswith("RIHS01_179b33eb")
    assert m.type_hash("sensor_msgs/msg/JointState", "humble") == ""


def test_dds_names_mangle_both_ways():
    assert m.dds_type_name("sensor_msgs/msg/JointState") == "sensor_msgs::msg::dds_::JointState_"
    assert m.ros_type_name("sensor_msgs::msg::dds_::JointState_") == "sensor_msgs/msg/JointState"
    assert m.ros_type_name("DCPSParticipant") is None


def test_wrong_type_and_bad_bytes_are_clear_errors():
    with pytest.raises(
        TypeError, match="expected a sensor_msgs/msg/JointState message, got std_msgs/msg/String"
    ):
        m.serialize(m.string("x"), "sensor_msgs/msg/JointState")
    with pytest.raises(m.MessageError, match="not a valid sensor_msgs/msg/JointState"):
        m.deserialize(b"\x00\x01\x00\x00\xff\xff", "sensor_msgs/msg/JointState")
    with pytest.raises(m.MessageError, match="did you mean 'sensor_msgs/msg/JointState'"):
        m.msg_class("sensor_msgs/msg/JointStat")


def test_stamp_survives_in_nanoseconds():
    msg = m.joint_state(["a"], [1.0], ns=1_700_000_000_123_456_789)
    assert m.stamp_ns(msg) == 1_700_000_000_123_456_789
    assert m.stamp_ns(m.string("x")) is None
    assert m.joint_trajectory(["a", "b"], np.array([1.0, 2.0])).points[0].positions.tolist() == [1.0, 2.0]


def test_prepare_generates_the_type_and_every_nested_type(monkeypatch):
    """Subscribing or advertising generates the CDR code, so the first message is not 10 ms late."""
    from rosbags.typesys import Stores, get_typestore

    fresh = get_typestore(Stores.ROS2_JAZZY)
    monkeypatch.setattr(m, "typestore", lambda distro="jazzy": fresh)
    assert "geometry_msgs/msg/Quaternion" not in fresh.cache
    m.prepare("tf2_msgs/msg/TFMessage")
    assert {
        "tf2_msgs/msg/TFMessage",
        "geometry_msgs/msg/TransformStamped",
        "geometry_msgs/msg/Transform",
        "geometry_msgs/msg/Vector3",
        "geometry_msgs/msg/Quaternion",
        "std_msgs/msg/Header",
        "builtin_interfaces/msg/Time",
    } <= set(fresh.cache)
    with pytest.raises(m.MessageError, match="unknown message type"):
        m.prepare("sensor_msgs/msg/JointStat")
