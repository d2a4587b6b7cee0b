"""`imitate doctor`: which transport reaches the robot, and what is missing, before anything else.

For a few seconds per transport that can run here it listens to the topics the profile names and
reports, per topic, rate and age; for the joint states, the profile's joints present or missing; for
each camera, its image size against the profile; and the offset between the robot's header stamps
and this machine's clock. Then it says the one setting to change.
"""
import importlib.util
import json
import socket
import statistics
import threading
import time
from dataclasses import dataclass, field

import cv2
import numpy as np

from . import messages as m
from .profile import COMPRESSED_IMAGE, JOINT_STATE
from .transport import RosEnvironment, make_transport
from .transport.zenoh_config import overrides

CANDIDATES = ("zenoh", "dds", "ros2")  # the 2026 robot first; `sim` is this process only


@dataclass
class TopicReport:
    """What one of the profile's topics did while doctor listened."""

    topic: str
    role: str  # "joint states", "camera <name>", "leader <group>"
    required: bool  # the runtime cannot drive the robot without it (the leader is needed to record only)
    count: int = 0
    rate_hz: float = 0.0
    age_s: float = float("inf")
    problems: list = field(default_factory=list)  # what is wrong, each with what to do


@dataclass
class TransportReport:
    name: str
    usable: bool  # it could run here
    why: str = ""  # why not, or what it reached
    topics: list = field(default_factory=list)  # TopicReport
    others: dict = field(default_factory=dict)  # {topic: type} in its graph that the profile does not name
    clock_offset_ms: float = None  # median of (arrival - header stamp): the robot's clock vs this machine's

    @property
    def complete(self):
        return self.usable and all(t.count and not t.problems for t in self.topics if t.required)

    @property
    def seen(self):
        return sum(1 for t in self.topics if t.count)


def zenoh_router_reachable(environ):
    """(reachable, endpoint): the first connect endpoint of the session config, TCP-probed."""
    endpoint = "tcp/localhost:7447"
    for key, value in overrides(environ.get("ZENOH_CONFIG_OVERRIDE", "")):
        if key == "connect/endpoints":
            found = json.loads(value) if value.startswith("[") else []
            endpoint = found[0] if found else endpoint
    host, _, port = endpoint.split("/", 1)[-1].rpartition(":")
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=1.0).close()
        return True, endpoint
    except (OSError, ValueError):
        return False, endpoint


def availability(name, environ):
    """(usable, why) for a transport on this machine."""
    module = {"dds": "cyclonedds", "ros2": "rclpy", "zenoh": "zenoh"}[name]
    if importlib.util.find_spec(module) is None:
        return False, f"{module} is not installed"
    if name == "zenoh":
        reachable, endpoint = zenoh_router_reachable(environ)
        return (
            reachable,
            f"router {endpoint} {'reachable' if reachable else 'not reachable (rmw_zenohd down?)'}",
        )
    return True, f"{module} importable"


class Listener:
    """Counts and checks the profile's topics on one transport."""

    def __init__(self, profile, transport):
        self.profile, self.transport = profile, transport
        self.lock = threading.Lock()
        self.arrivals, self.names, self.sizes, self.offsets = {}, set(), {}, []
        self.reports = [TopicReport(profile.joint_states, "joint states", True)]
        self.reports += [TopicReport(c.topic, f"camera {c.name}", True) for c in profile.cameras]
        self.reports += [TopicReport(g.leader.topic, f"leader {g.name}", False) for g in profile.groups]
        for r in self.reports:
            self.arrivals[r.topic] = []
        transport.subscribe(profile.joint_states, JOINT_STATE, self.on_joint_states, qos="sensor_data")
        for cam in profile.cameras:
            transport.subscribe(
                cam.topic, COMPRESSED_IMAGE, lambda msg, c=cam: self.on_image(c, msg), qos="sensor_data"
            )
        for g in profile.groups:
            transport.subscribe(
                g.leader.topic,
                g.leader.type,
                lambda msg, t=g.leader.topic: self.arrived(t),
                qos="sensor_data",
            )

    def arrived(self, topic, stamp_ns=None):
        now = time.monotonic()
        with self.lock:
            self.arrivals[topic].append(now)
            if stamp_ns:
                self.offsets.append((time.time_ns() - stamp_ns) / 1e6)

    def on_joint_states(self, msg):
        with self.lock:
            self.names.update(msg.name)
        self.arrived(self.profile.joint_states, m.stamp_ns(msg))

    def on_image(self, cam, msg):
        if cam.name not in self.sizes:
            image = cv2.imdecode(np.frombuffer(bytes(msg.data), np.uint8), cv2.IMREAD_COLOR)
            self.sizes[cam.name] = None if image is None else image.shape[:2]
        self.arrived(cam.topic, m.stamp_ns(msg))

    def finish(self):
        """The TopicReports, with what each one's problem is and what to do."""
        now = time.monotonic()
        for r in self.reports:
            times = self.arrivals[r.topic]
            r.count = len(times)
            r.rate_hz = (
                (len(times) - 1) / (times[-1] - times[0]) if len(times) > 1 and times[-1] > times[0] else 0.0
            )
            r.age_s = now - times[-1] if times else float("inf")
            if not times:
                r.problems.append(f"nothing on {r.topic}")
        missing = [j for j in self.profile.joint_names if j not in self.names]
        if self.names and missing:
            self.reports[0].problems.append(
                f"joints missing from {self.profile.joint_states}: {', '.join(missing)}: "
                "pick the profile that matches this robot (imitate profiles) or edit it"
            )
        camera_reports = self.reports[1 : 1 + len(self.profile.cameras)]  # after joint states, before leaders
        for cam, r in zip(self.profile.cameras, camera_reports, strict=True):
            size = self.sizes.get(cam.name, "none")
            if size is None:
                r.problems.append(f"{cam.topic} carries no JPEG that decodes")
            elif size != "none" and tuple(size) != (cam.height, cam.width):
                r.problems.append(
                    f"camera {cam.name} publishes {size[0]}x{size[1]}, the profile says "
                    f"{cam.height}x{cam.width}: set its size in the profile"
                )
        return self.reports


def check(name, profile, seconds, environ):
    """The TransportReport of transport `name` after listening `seconds`."""
    usable, why = availability(name, environ)
    report = TransportReport(name, usable, why)
    if not usable:
        return report
    try:
        transport = make_transport(name, ros=RosEnvironment.from_environ(environ), distro=profile.ros_distro)
    except (RuntimeError, OSError, ValueError) as err:
        report.usable, report.why = False, str(err)
        return report
    try:
        listener = Listener(profile, transport)
        time.sleep(seconds)
        report.topics = listener.finish()
        named = set(profile.topics())
        report.others = {t: ty for t, ty in transport.topic_types().items() if t not in named}
        if listener.offsets:
            report.clock_offset_ms = statistics.median(listener.offsets)
    finally:
        transport.close()
    return report


def choose(reports):
    """The transport doctor (and --transport auto) would use: complete first, then most topics seen."""
    usable = [r for r in reports if r.usable and r.seen]
    return max(usable, key=lambda r: (r.complete, r.seen), default=None)


def pick_transport(profile, environ, seconds=2.0):
    """--transport auto: (name, why). The simulated profile falls back to the in-process robot;
    a real one without a transport that sees it is a RuntimeError saying to run imitate doctor."""
    reports = [check(name, profile, seconds, environ) for name in CANDIDATES]
    best = choose(reports)
    tried = "; ".join(
        f"{r.name}: {r.seen}/{len(r.topics)} topics" if r.usable else f"{r.name}: {r.why}" for r in reports
    )
    if best is not None and best.complete:
        return best.name, f"it sees every topic {profile.name} needs ({tried})"
    if profile.name == "sim":
        return "sim", f"no other transport sees a simulated robot ({tried}): the one in this process"
    raise RuntimeError(
        f"--transport auto: no transport sees everything {profile.name} needs ({tried}); "
        "run `imitate doctor --profile " + profile.name + "` for what is missing"
    )
