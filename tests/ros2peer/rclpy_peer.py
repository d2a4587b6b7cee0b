"""A plain rclpy node, written against rclpy's own API with no imitate code: the ROS 2 peer that
the interop tests set imitate's transports against.

    python rclpy_peer.py talk SECONDS    publish JointState 200 Hz, a JPEG 30 Hz, JointTrajectory 100 Hz
    python rclpy_peer.py listen SECONDS  once the talker's writers show, count and check what arrives
                                         until it goes quiet

Each message carries its index (JointState position[0], the image's frame_id, the trajectory's first
point), so the listener names what went missing. Prints one JSON line. Run it with
ROS_AUTOMATIC_DISCOVERY_RANGE=LOCALHOST so discovery stays on loopback.
"""
import json
import sys
import time

import rclpy
from rclpy.qos import qos_profile_sensor_data
from sensor_msgs.msg import CompressedImage, JointState
from trajectory_msgs.msg import JointTrajectory, JointTrajectoryPoint
from wire_spec import JPEG, NAMES, RATES_HZ, TOPICS, missing  # beside this script


def message(kind, index, node):
    stamp = node.get_clock().now().to_msg()
    if kind == "joint_states":
        msg = JointState(name=NAMES, position=[float(index)] + [0.5] * 6)
    elif kind == "images":
        msg = CompressedImage(format="jpeg", data=JPEG)
        msg.header.frame_id = str(index)
    else:
        msg = JointTrajectory(joint_names=NAMES, points=[JointTrajectoryPoint(positions=[float(index)] * 7)])
    msg.header.stamp = stamp
    return msg


def talk(node, seconds):
    types = {"joint_states": JointState, "images": CompressedImage, "commands": JointTrajectory}
    pubs = {k: node.create_publisher(types[k], TOPICS[k], qos_profile_sensor_data if k == "images" else 10)
            for k in TOPICS}
    deadline = time.monotonic() + 10  # wait for the listener to match every writer
    while time.monotonic() < deadline and not all(p.get_subscription_count() for p in pubs.values()):
        time.sleep(0.05)
    time.sleep(0.5)
    sent = dict.fromkeys(TOPICS, 0)
    start = time.monotonic()
    while True:
        now = time.monotonic() - start
        due = [k for k in TOPICS if sent[k] < seconds * RATES_HZ[k] and now >= sent[k] / RATES_HZ[k]]
        if not due and all(sent[k] >= seconds * RATES_HZ[k] for k in TOPICS):
            break
        for k in due:
            pubs[k].publish(message(k, sent[k], node))
            sent[k] += 1
        time.sleep(0.0005)
    time.sleep(1.0)  # reliable writers resend what was lost before the node goes
    return {"sent": sent, "matched": {k: p.get_subscription_count() for k, p in pubs.items()}}


def listen(node, seconds):
    seen = {k: set() for k in TOPICS}
    bad = []

    def on_js(msg):
        if list(msg.name) != NAMES or len(msg.position) != 7:
            bad.append(f"joint_states {list(msg.name)}")
        seen["joint_states"].add(int(msg.position[0]))

    def on_image(msg):
        if bytes(msg.data) != JPEG or msg.format != "jpeg":
            bad.append(f"image of {len(msg.data)} bytes, format {msg.format!r}")
        seen["images"].add(int(msg.header.frame_id))

    def on_command(msg):
        if list(msg.joint_names) != NAMES or len(msg.points) != 1:
            bad.append(f"trajectory for {list(msg.joint_names)}")
        seen["commands"].add(int(msg.points[0].positions[0]))
    node.create_subscription(JointState, TOPICS["joint_states"], on_js, 100)
    node.create_subscription(CompressedImage, TOPICS["images"], on_image, qos_profile_sensor_data)
    node.create_subscription(JointTrajectory, TOPICS["commands"], on_command, 100)
    deadline = time.monotonic() + 15  # ready once every talker's writer is in the graph (matched)
    while time.monotonic() < deadline and not all(node.count_publishers(t) for t in TOPICS.values()):
        rclpy.spin_once(node, timeout_sec=0.05)
    for _ in range(10):
        rclpy.spin_once(node, timeout_sec=0.05)
    print(json.dumps({"ready": True}), flush=True)
    end, last_total, quiet_since = time.monotonic() + seconds, -1, time.monotonic()
    while time.monotonic() < end:
        rclpy.spin_once(node, timeout_sec=0.05)
        total = sum(len(s) for s in seen.values())
        if total != last_total:
            last_total, quiet_since = total, time.monotonic()
        elif total and time.monotonic() - quiet_since > 2.0:
            break  # the talker has finished
    return {"received": {k: len(s) for k, s in seen.items()},
            "missing": {k: missing(s) for k, s in seen.items()},
            "bad": bad[:5]}


if __name__ == "__main__":
    role, seconds = sys.argv[1], float(sys.argv[2])
    rclpy.init()
    peer = rclpy.create_node(f"rclpy_peer_{role}")
    result = (talk if role == "talk" else listen)(peer, seconds)
    peer.destroy_node()
    rclpy.shutdown()
    print(json.dumps(result), flush=True)
