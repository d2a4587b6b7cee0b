"""A ROS 2 peer on rmw_zenoh's wire written with ROBOTIS' zenoh-ros2-sdk (PyPI), no imitate code:
the independent implementation the zenoh transport's tests are set against.

    python sdk_peer.py talk SECONDS PORT MSGDIR    publish JointState 200 Hz, a JPEG 30 Hz, JointTrajectory
    100 Hz
    python sdk_peer.py listen SECONDS PORT MSGDIR  once imitate's publishers are in the graph, count until
    quiet

PORT is the router's on 127.0.0.1; MSGDIR holds the .msg files (the SDK would clone them from the
internet otherwise). Prints one JSON line, with what the SDK's graph says of imitate's endpoints.
"""

import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "ros2peer"))
from wire_spec import JPEG, NAMES, RATES_HZ, TOPICS, missing  # noqa: E402

TYPES = {
    "joint_states": "sensor_msgs/msg/JointState",
    "images": "sensor_msgs/msg/CompressedImage",
    "commands": "trajectory_msgs/msg/JointTrajectory",
}
QOS = {"joint_states": "::,10:,:,:,,", "images": "2::,5:,:,:,,", "commands": "::,10:,:,:,,"}


def imitate_endpoints(sdk, port, kind):
    """{kind: (node name, type hash)} of imitate's publishers or subscriptions in the SDK's graph."""
    found = {}
    for k, topic in TOPICS.items():
        info = sdk.get_topic_info(topic, router_port=port, verbose=True)
        for ep in (getattr(info, kind) if info else None) or []:
            if ep.node_name.startswith("imitate"):
                found[k] = (ep.node_name, ep.type_hash)
    return found


def message(sdk, kind, index):
    cls = sdk.get_message_class
    now = time.time_ns()
    header = cls("std_msgs/msg/Header")(
        stamp=cls("builtin_interfaces/msg/Time")(sec=now // 10**9, nanosec=now % 10**9), frame_id=""
    )
    if kind == "joint_states":
        return dict(
            header=header,
            name=NAMES,
            position=np.array([float(index)] + [0.5] * 6),
            velocity=np.zeros(0),
            effort=np.zeros(0),
        )
    if kind == "images":
        header.frame_id = str(index)
        return dict(header=header, format="jpeg", data=np.frombuffer(JPEG, dtype=np.uint8))
    point = cls("trajectory_msgs/msg/JointTrajectoryPoint")(
        positions=np.full(7, float(index)),
        velocities=np.zeros(0),
        accelerations=np.zeros(0),
        effort=np.zeros(0),
        time_from_start=cls("builtin_interfaces/msg/Duration")(sec=0, nanosec=0),
    )
    return dict(header=header, joint_names=NAMES, points=[point])


def talk(sdk, seconds, port):
    pubs = {
        k: sdk.ROS2Publisher(TOPICS[k], TYPES[k], node_name=f"sdk_talker_{k}", router_port=port, qos=QOS[k])
        for k in TOPICS
    }
    deadline = time.monotonic() + 15
    while len(imitate_endpoints(sdk, port, "subscribers")) < len(TOPICS) and time.monotonic() < deadline:
        time.sleep(0.2)
    seen = imitate_endpoints(sdk, port, "subscribers")
    time.sleep(0.5)
    sent, start = dict.fromkeys(TOPICS, 0), time.monotonic()
    while any(sent[k] < seconds * RATES_HZ[k] for k in TOPICS):
        now = time.monotonic() - start
        for k in TOPICS:
            if sent[k] < seconds * RATES_HZ[k] and now >= sent[k] / RATES_HZ[k]:
                pubs[k].publish(**message(sdk, k, sent[k]))
                sent[k] += 1
        time.sleep(0.0005)
    time.sleep(1.0)
    for p in pubs.values():
        p.close()
    return {"sent": sent, "imitate_subscriptions": seen}


def listen(sdk, seconds, port):
    seen, bad = {k: set() for k in TOPICS}, []

    def on_js(msg):
        bad.extend([] if list(msg.name) == NAMES and len(msg.position) == 7 else ["joint_states"])
        seen["joint_states"].add(int(msg.position[0]))

    def on_image(msg):
        bad.extend([] if bytes(msg.data) == JPEG and msg.format == "jpeg" else ["images"])
        seen["images"].add(int(msg.header.frame_id))

    def on_command(msg):
        bad.extend([] if list(msg.joint_names) == NAMES and len(msg.points) == 1 else ["commands"])
        seen["commands"].add(int(msg.points[0].positions[0]))

    callbacks = {"joint_states": on_js, "images": on_image, "commands": on_command}
    subs = [
        sdk.ROS2Subscriber(
            TOPICS[k], TYPES[k], callbacks[k], node_name=f"sdk_listener_{k}", router_port=port, qos=QOS[k]
        )
        for k in TOPICS
    ]
    # the graph as it fills: on a loaded machine the router's answers take seconds, so it is read again
    # while messages arrive until every publisher is in it (what it holds at the end is reported)
    graph, deadline = {}, time.monotonic() + 30
    while len(graph) < len(TOPICS) and time.monotonic() < deadline:
        graph.update(imitate_endpoints(sdk, port, "publishers"))
        time.sleep(0.2)
    print(json.dumps({"ready": True}), flush=True)
    end, last, quiet_since = time.monotonic() + seconds, -1, time.monotonic()
    while time.monotonic() < end:
        time.sleep(0.1)
        if len(graph) < len(TOPICS):
            graph.update(imitate_endpoints(sdk, port, "publishers"))
        total = sum(len(s) for s in seen.values())
        if total != last:
            last, quiet_since = total, time.monotonic()
        elif total and time.monotonic() - quiet_since > 2.0:
            break
    for s in subs:
        s.close()
    return {
        "received": {k: len(s) for k, s in seen.items()},
        "missing": {k: missing(s) for k, s in seen.items()},
        "bad": bad[:5],
        "imitate_publishers": graph,
    }


if __name__ == "__main__":
    role, seconds, port, msgdir = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    import zenoh_ros2_sdk as sdk

    sdk.get_registry(msgdir)  # the SDK's registry reads .msg files here first (else it clones from git)
    result = (talk if role == "talk" else listen)(sdk, seconds, port)
    print(json.dumps(result), flush=True)
