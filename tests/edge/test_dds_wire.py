"""The DDS transport speaks ROS 2's wire format, between separate processes, without loss."""
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("cyclonedds")

from imitate.edge import messages as m  # noqa: E402
from imitate.edge.transport import make_transport  # noqa: E402

from .samples import all_samples  # noqa: E402

WIRE_PEER = Path(__file__).resolve().parents[2] / "bench" / "wire_peer.py"


@pytest.mark.parametrize("msgtype,msg", all_samples(), ids=lambda v: v if isinstance(v, str) else "")
def test_bytes_on_the_wire_equal_rosbags_cdr(msgtype, msg):
    """What a DDS reader takes is rosbags' CDR plus Cyclone's zero padding to 4 bytes."""
    from cyclonedds._clayer import ddspy_take
    from cyclonedds.sub import DataReader

    from imitate.edge.transport.base import QOS
    from imitate.edge.transport.dds_transport import ANY_SAMPLE, ros_qos
    pub, peer = make_transport("dds"), make_transport("dds")
    topic = "/wire/" + msgtype.split("/")[-1].lower()
    reader = DataReader(
        peer._participant, peer._topic(topic, msgtype), qos=ros_qos(QOS["default"], msgtype, "jazzy")
    )
    expected = m.serialize(msg, msgtype)
    raw = None
    deadline = time.monotonic() + 5
    while raw is None and time.monotonic() < deadline:
        pub.publish(topic, msgtype, msg)
        time.sleep(0.05)
        samples = ddspy_take(reader._ref, ANY_SAMPLE, 8)
        raw = samples[0][0] if samples else None
    pub.close()
    peer.close()
    assert raw is not None, "nothing arrived"
    assert raw[: len(expected)] == expected and not any(raw[len(expected) :]) and len(raw) % 4 == 0


def test_topics_are_discovered_with_ros_names_and_types():
    pub, other = make_transport("dds"), make_transport("dds")
    pub.publish("/joint_states", "sensor_msgs/msg/JointState", m.joint_state(["a"], [0.0]))
    deadline = time.monotonic() + 5
    while "/joint_states" not in other.topic_types() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert other.topic_types().get("/joint_states") == "sensor_msgs/msg/JointState"
    pub.close()
    other.close()


def test_invalid_bytes_are_refused_at_write_not_crashing():
    pub = make_transport("dds")
    with pytest.raises(OSError, match="DDS write failed"):
        pub.publish_raw("/js", "sensor_msgs/msg/JointState", b"\x00\x01\x00\x00\xff")
    pub.publish("/js", "sensor_msgs/msg/JointState", m.joint_state(["a"], [0.0]))  # still works
    pub.close()


@pytest.mark.slow
def test_two_processes_joint_states_200hz_and_jpeg_30hz_no_loss():
    """10 s of JointState at 200 Hz (reliable) and a 640x480 JPEG at 30 Hz (best effort)."""
    peer = subprocess.Popen(
        [sys.executable, str(WIRE_PEER), "listen", "30"], stdout=subprocess.PIPE, text=True
    )
    time.sleep(2.0)  # the listener is up and discovered before the first sample
    sent = subprocess.run(
        [sys.executable, str(WIRE_PEER), "talk", "10"], capture_output=True, text=True, timeout=60
    )
    assert sent.returncode == 0, sent.stderr
    out, _ = peer.communicate(timeout=60)
    sent, got = json.loads(sent.stdout), json.loads(out)
    print(f"\nsent {sent}, received {got}")
    assert sent["joint_states"] == 2000 and sent["images"] == 300
    assert got["joint_states"] == sent["joint_states"], "JointState lost over loopback"
    assert got["images"] == sent["images"], "images lost over loopback"
    assert got["bad_images"] == 0
    assert np.isfinite(got["js_p99_ms"])
