"""A first profile from a live robot (`imitate profiles new NAME --from-graph`): watch the ROS 2 graph
for a few seconds and write what it shows as YAML a person then edits.

- joints: the names in the follower's JointState (`/joint_states`, else the first JointState that is
  not a leader's);
- cameras: every CompressedImage topic, with the size of its first JPEG and its measured rate;
- groups: one per leader topic (a topic under `leader`, or any JointTrajectory / Float64MultiArray /
  JointState topic that carries some of the joints), with the joints its messages name; joints no
  topic names go to a group `unassigned` whose command topic says to fill it in;
- limits: wide placeholders, every one marked `# assumed`.

It is a draft, never trusted as is: the text says what was guessed, and `imitate doctor --profile
FILE` confirms it against the robot.
"""
import re
import threading
import time

import cv2
import numpy as np

from .profile import COMPRESSED_IMAGE, FLOAT64_ARRAY, JOINT_STATE, TRAJECTORY

LEADER_TYPES = (TRAJECTORY, FLOAT64_ARRAY, JOINT_STATE)


class GraphWatch:
    """Subscribes to the topics that matter and keeps the first message and the count of each."""

    def __init__(self, transport):
        self.transport, self.first, self.counts = transport, {}, {}
        self._lock = threading.Lock()
        self._watched = set()

    def watch(self, topic, msgtype):
        if topic in self._watched:
            return
        self._watched.add(topic)
        self.transport.subscribe(
            topic, msgtype, lambda msg, t=topic: self._arrived(t, msg), qos="sensor_data"
        )

    def _arrived(self, topic, msg):
        with self._lock:
            self.first.setdefault(topic, msg)
            self.counts[topic] = self.counts.get(topic, 0) + 1


def watch_graph(transport, seconds=3.0, sleep=time.sleep):
    """({topic: type}, GraphWatch) after `seconds` of discovery and listening (half each)."""
    sleep(seconds / 2)
    types = transport.topic_types()
    watch = GraphWatch(transport)
    for topic, msgtype in types.items():
        if msgtype in (JOINT_STATE, COMPRESSED_IMAGE, TRAJECTORY, FLOAT64_ARRAY):
            watch.watch(topic, msgtype)
    sleep(seconds / 2)
    return {**types, **transport.topic_types()}, watch


def draft_profile(name, types, watch, seconds):
    """The YAML text of a draft profile from what `watch_graph` saw; ValueError when there is no robot."""
    states = [t for t, k in types.items() if k == JOINT_STATE and t in watch.first and "leader" not in t]
    if not states:
        raise ValueError(
            "no sensor_msgs/JointState with messages on this transport: is the robot running, and "
            "is this the right transport? (`imitate doctor` says which one reaches it)"
        )
    state_topic = "/joint_states" if "/joint_states" in states else sorted(states)[0]
    joints = [str(n) for n in watch.first[state_topic].name]
    groups, covered = {}, set()
    for topic in sorted(
        t for t, k in types.items() if k in LEADER_TYPES and t != state_topic and t in watch.first
    ):
        kind, msg = types[topic], watch.first[topic]
        names = (
            list(msg.joint_names) if kind == TRAJECTORY else list(msg.name) if kind == JOINT_STATE else None
        )
        if names is None:  # Float64MultiArray carries no names: a candidate the person assigns
            continue
        mine = [n for n in names if n in joints and n not in covered]
        if mine and ("leader" in topic or kind != JOINT_STATE):
            groups[_group_name(topic, groups)] = (mine, topic, kind)
            covered.update(mine)
    rest = [j for j in joints if j not in covered]
    arrays = sorted(t for t, k in types.items() if k == FLOAT64_ARRAY)
    lines = [
        f"# Draft profile written by `imitate profiles new {name} --from-graph` from {seconds:g} s of the "
        "live",
        "# graph. Check every line: group commands, camera names, and the limits (all placeholders, # "
        "assumed).",
        "# Then confirm it with `imitate doctor --profile <this file>`.",
        f"name: {name}",
        f"description: {name} (drafted from the live graph; edit me)",
        f"robot_type: {name}",
        "ros_distro: jazzy",
        "dataset_fps: 30",
        "control_rate_hz: 100",
        "",
        f"joint_states: {state_topic}",
        "",
        "groups:",
    ]
    for group, (names, topic, kind) in groups.items():
        lines += [f"  {group}:", f"    joints: [{', '.join(names)}]"]
        lines += (
            [f"    command: {topic}"]
            if kind == TRAJECTORY
            else [
                f"    leader: {{topic: {topic}, type: {kind}}}",
                "    command: /CHANGE_ME/commands   # the follower controller's topic; type JointTrajectory "
                "unless given",
            ]
        )
    if rest:
        lines += [
            "  unassigned:   # no leader topic named these joints: move them to a group, or give a command "
            "topic",
            f"    joints: [{', '.join(rest)}]",
            "    command: /CHANGE_ME/joint_trajectory",
        ]
    if arrays:
        lines.append(f"# Float64MultiArray topics seen (no joint names: assign by hand): {', '.join(arrays)}")
    cams = sorted(t for t, k in types.items() if k == COMPRESSED_IMAGE and t in watch.first)
    lines += ["", "cameras:" if cams else "cameras: {}   # no CompressedImage topic had messages"]
    used = set()
    for topic in cams:
        height, width = _jpeg_size(watch.first[topic])
        fps = max(1, round(watch.counts.get(topic, 1) / (seconds / 2)))
        cam = _camera_name(topic, used)
        lines.append(f"  {cam}: {{topic: {topic}, height: {height}, width: {width}, fps: {fps}}}")
    lines += ["", "limits:   # placeholders: set each joint's range and speeds from the robot's URDF"]
    lines += [
        f"  {j}: {{min: -3.14, max: 3.14, velocity: 1.0, acceleration: 5.0}}   # assumed" for j in joints
    ]
    return "\n".join(lines) + "\n"


def _group_name(topic, taken):
    """A readable group name from a topic: its most telling path segment."""
    parts = [
        p
        for p in topic.strip("/").split("/")
        if p not in ("leader", "joint_trajectory", "joint_states", "commands")
    ]
    base = re.sub(r"[^A-Za-z0-9_]", "_", parts[-1] if parts else "group")
    base = re.sub(r"^joint_trajectory_command_broadcaster_?", "arm_", base)  # ROBOTIS' leader topic names
    base = re.sub(r"^joystick_controller_?", "joystick_", base).rstrip("_") or "group"
    name, k = base, 2
    while name in taken:
        name, k = f"{base}_{k}", k + 1
    return name


def _camera_name(topic, used):
    parts = [
        p
        for p in topic.strip("/").split("/")
        if p not in ("compressed", "image_raw", "image_rect_raw", "image_rect_color", "color")
    ]
    name = re.sub(r"[^A-Za-z0-9_]", "_", "_".join(dict.fromkeys(parts[-2:])) or "camera")
    out, k = name, 2
    while out in used:
        out, k = f"{name}_{k}", k + 1
    used.add(out)
    return out


def _jpeg_size(msg):
    """(height, width) of a CompressedImage's JPEG; (480, 640) when it does not decode (then edit it)."""
    image = cv2.imdecode(np.frombuffer(bytes(msg.data), np.uint8), cv2.IMREAD_GRAYSCALE)
    return image.shape[:2] if image is not None else (480, 640)
