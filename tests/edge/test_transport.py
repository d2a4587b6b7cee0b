"""Every transport carries every message type unchanged, and survives bad input."""
import importlib.util
import threading
import time

import pytest

from imitate.edge import messages as m
from imitate.edge.transport import make_transport
from imitate.edge.transport.sim_transport import SimBus

from .samples import all_samples, same

NO_DDS = pytest.mark.skipif(
    importlib.util.find_spec("cyclonedds") is None, reason="cyclonedds not installed (extra 'dds')"
)
NO_RCLPY = pytest.mark.skipif(
    importlib.util.find_spec("rclpy") is None, reason="rclpy not installed (extra 'ros2')"
)
NO_ZENOH = pytest.mark.skipif(
    importlib.util.find_spec("zenoh") is None, reason="zenoh not installed (extra 'zenoh')"
)
TRANSPORTS = [
    "sim",
    pytest.param("dds", marks=NO_DDS),  # publisher>subscriber: Cyclone to and from a real rclpy
    pytest.param("dds>ros2", marks=[NO_DDS, NO_RCLPY, pytest.mark.ros2]),
    pytest.param("ros2>dds", marks=[NO_DDS, NO_RCLPY, pytest.mark.ros2]),
    pytest.param("zenoh", marks=NO_ZENOH),
]  # through the tests' Zenoh router


@pytest.fixture(params=TRANSPORTS)
def pair(request):
    """(publisher, subscriber) transports that see each other."""
    if request.param == "sim":
        bus = SimBus()
        a, b = make_transport("sim", bus=bus), make_transport("sim", bus=bus)
    else:
        if request.param == "zenoh":
            request.getfixturevalue("router")
        names = request.param.split(">") * (2 if ">" not in request.param else 1)
        a, b = make_transport(names[0]), make_transport(names[1])
    yield a, b
    a.close()
    b.close()


def collect(transport, topic, msgtype, qos="default"):
    got, event = [], threading.Event()

    def on_msg(msg):
        got.append(msg)
        event.set()

    sub = transport.subscribe(topic, msgtype, on_msg, qos)
    return got, event, sub


def publish_until(pub, topic, msgtype, msg, event, qos="default", timeout_s=5.0):
    """Publish until the subscriber has one (DDS discovery takes a moment), then stop."""
    end = time.monotonic() + timeout_s
    while not event.is_set() and time.monotonic() < end:
        pub.publish(topic, msgtype, msg, qos)
        event.wait(0.05)
    return event.is_set()


@pytest.mark.parametrize("msgtype,msg", all_samples(), ids=lambda v: v if isinstance(v, str) else "")
def test_every_type_round_trips(pair, msgtype, msg):
    pub, sub = pair
    topic = "/test/" + msgtype.split("/")[-1].lower()
    got, event, _ = collect(sub, topic, msgtype)
    assert publish_until(pub, topic, msgtype, msg, event), f"no {msgtype} arrived over {pub.name}"
    assert same(got[0], msg)
    assert topic in pub.topic_types() or pub.name != "sim"  # DDS discovery is checked below


def test_publishing_the_wrong_type_raises(pair):
    pub, _ = pair
    pub.publish("/js", "sensor_msgs/msg/JointState", m.joint_state(["a"], [0.0]))
    with pytest.raises(
        TypeError, match="expected a sensor_msgs/msg/JointState message, got std_msgs/msg/String"
    ):
        pub.publish("/js", "sensor_msgs/msg/JointState", m.string("oops"))
    with pytest.raises(TypeError, match="published as sensor_msgs/msg/JointState"):
        pub.publish("/js", "std_msgs/msg/String", m.string("oops"))


def test_malformed_bytes_are_counted_and_subscriber_survives():
    bus = SimBus()
    pub, subt = make_transport("sim", bus=bus), make_transport("sim", bus=bus)
    got, event, sub = collect(subt, "/js", "sensor_msgs/msg/JointState")
    pub.publish_raw("/js", "sensor_msgs/msg/JointState", b"\x00\x01\x00\x00\xff\xff\xff")
    pub.publish("/js", "sensor_msgs/msg/JointState", m.joint_state(["a"], [1.0]))
    assert event.wait(2.0)
    assert sub.malformed == 1 and sub.received == 1 and got[0].position.tolist() == [1.0]
    pub.close()
    subt.close()


def test_callback_errors_are_counted_not_fatal():
    bus = SimBus()
    t = make_transport("sim", bus=bus)
    seen = []

    def flaky(msg):
        seen.append(msg)
        if len(seen) == 1:
            raise RuntimeError("subscriber bug")

    sub = t.subscribe("/s", "std_msgs/msg/String", flaky)
    for text in ("a", "b"):
        t.publish("/s", "std_msgs/msg/String", m.string(text))
    deadline = time.monotonic() + 2
    while len(seen) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert [s.data for s in seen] == ["a", "b"] and sub.callback_errors == 1
    t.close()


def test_sim_keep_last_queue_drops_oldest_and_counts():
    bus = SimBus()
    t = make_transport("sim", bus=bus)
    gate, got = threading.Event(), []

    def slow(msg):
        gate.wait(2.0)
        got.append(int(msg.data))

    sub = t.subscribe("/burst", "std_msgs/msg/String", slow, qos="sensor_data")  # keep last 5
    for i in range(20):
        t.publish("/burst", "std_msgs/msg/String", m.string(str(i)))
    gate.set()
    deadline = time.monotonic() + 2
    while sub.received + sub.dropped < 20 and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.1)
    assert sub.dropped > 0 and sub.received + sub.dropped == 20
    assert got[-5:] == list(range(15, 20))  # the newest always survive
    t.close()


def test_unknown_transport_suggests():
    with pytest.raises(ValueError, match="did you mean 'dds'"):
        make_transport("ddss")


def test_cyclone_configuration_keeps_the_users_and_ignores_fast_dds_type_information():
    """Cyclone must match Fast DDS 3 endpoints by name (tests/edge/test_rclpy_interop.py has why)."""
    from imitate.edge.transport.dds_config import COMPATIBILITY, LOCALHOST_URI, cyclone_uri

    assert "<IgnoreTypeInformation>1.15</IgnoreTypeInformation>" in COMPATIBILITY  # eProsima's vendor id
    assert cyclone_uri("", "localhost") == f"{LOCALHOST_URI},{COMPATIBILITY}"
    assert cyclone_uri("", "subnet") == COMPATIBILITY
    assert cyclone_uri("file:///etc/dds.xml", "localhost") == f"file:///etc/dds.xml,{COMPATIBILITY}"
    once = cyclone_uri("", "localhost")
    assert cyclone_uri(once, "localhost") == once  # a child process inherits it unchanged


def test_ros_settings_are_read_once_and_checked():
    from imitate.edge.transport import RosEnvironment

    environ = {"ROS_DOMAIN_ID": "30", "ROS_AUTOMATIC_DISCOVERY_RANGE": "SUBNET", "CYCLONEDDS_URI": " f.xml "}
    ros = RosEnvironment.from_environ(environ)
    assert (ros.domain_id, ros.dds_scope, ros.cyclonedds_uri) == (30, "subnet", "f.xml")
    assert RosEnvironment.from_environ({}) == RosEnvironment()  # domain 0, loopback discovery
    environ = {"IMITATE_DDS_SCOPE": "subnet", "ROS_AUTOMATIC_DISCOVERY_RANGE": "OFF"}
    assert RosEnvironment.from_environ(environ).dds_scope == "subnet"  # imitate's own setting wins
    with pytest.raises(ValueError, match=r"ROS_DOMAIN_ID='robot': expected an integer 0..232"):
        RosEnvironment.from_environ({"ROS_DOMAIN_ID": "robot"})
    with pytest.raises(ValueError, match="ZENOH_CONFIG_OVERRIDE part 'mode': expected key=value"):
        RosEnvironment.from_environ({"ZENOH_CONFIG_OVERRIDE": "mode"})


def test_a_transport_keeps_the_settings_it_was_made_with():
    from imitate.edge.transport import RosEnvironment

    pytest.importorskip("cyclonedds")
    ros = RosEnvironment(domain_id=42)
    with make_transport("dds", ros=ros) as t:
        assert t.ros is ros and t.domain_id == 42  # what a control process builds its own from
