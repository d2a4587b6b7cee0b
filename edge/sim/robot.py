"""The simulated AI Worker on a transport: it publishes what the real robot publishes, at the same
rates, and follows commands on the profile's command topics (JointTrajectory or Float64MultiArray).

Published: /joint_states (100 Hz, every joint, sorted by name rather than in the profile's order,
as a joint_state_broadcaster does), each camera as JPEG CompressedImage at its fps, the leader's
per-group commands while the scripted leader demonstrates, the leader's buttons, and /sim/status
(JSON: episode, seed, task, success, failed). Listens: every group's command topic, /sim/reset
(String: "", a seed, a task name, or both: "place 17"). The scripted leader publishes on the
leader topics and the follower follows them, exactly as on the real robot, so recording and
inference see the true pipeline.
"""

import json
import logging
import threading
import time

import cv2
import numpy as np

from .. import messages as m
from ..clock import paced
from ..profile import COMPRESSED_IMAGE, FLOAT64_ARRAY, JOINT_STATE, STRING, TRAJECTORY
from .leader import ScriptedLeader
from .tasks import CHOICES
from .world import SimWorld

log = logging.getLogger(__name__)
STATUS_TOPIC, RESET_TOPIC = "/sim/status", "/sim/reset"
IDLE_CAMERA_PERIOD_S = 1.0  # cameras nobody needs publish this seldom (see SimRobot.cameras_wanted)


class SimRobot:
    """Runs a SimWorld on the clock over a transport; thread-safe episode control."""

    def __init__(
        self,
        profile,
        transport,
        seed=0,
        camera_fps=None,
        image_sizes=None,
        jpeg_quality=90,
        leader=True,
        task="pick",
    ):
        self.profile = profile
        self.transport = transport
        self.world = SimWorld(profile, image_sizes=image_sizes, task=task)  # "mixed": tasks by turns
        self.seed = seed  # episode k uses seed + k unless reset_episode gets one
        self.episode = -1
        self.camera_fps = camera_fps  # Hz for every camera; None: each camera's profile fps
        self.jpeg_quality = jpeg_quality
        self.leader_enabled = leader  # the operator wears the leader: it publishes, even at rest
        self.overruns = 0  # physics ticks missed because the loop fell a period or more behind
        # None: cameras always at full rate. A callable: full rate while it returns True, else one
        # frame per second (`imitate serve` idles them while nothing records, drives or watches, so
        # the page's simulated robot does not take a core from a training run beside it)
        self.cameras_wanted = None
        self._lock = threading.Lock()
        self._leader = None
        self._leader_start = 0.0
        self._running = False
        self._threads = []
        self._state_order = sorted(profile.joint_names)  # not the profile's order, as on a real robot
        self._state_index = [self.world.index[n] for n in self._state_order]
        self._leader_groups = [
            (g, [self.world.index[j] for j in g.joints])  # what the leader publishes
            for g in profile.groups
            if g.leader.type in (TRAJECTORY, JOINT_STATE, FLOAT64_ARRAY)
        ]
        for group in profile.groups:  # the follower's controllers: each takes its profile's command type
            if group.command.type == TRAJECTORY:
                transport.subscribe(group.command.topic, TRAJECTORY, self._on_command)
            elif group.command.type == FLOAT64_ARRAY:
                transport.subscribe(
                    group.command.topic, FLOAT64_ARRAY, lambda msg, g=group: self._on_array(g, msg)
                )
        transport.subscribe(RESET_TOPIC, STRING, self._on_reset)
        self._advertise()
        self.reset_episode()

    def _advertise(self):
        """Create every publisher up front, so subscribers have matched before the first message."""
        t, p = self.transport, self.profile
        t.advertise(p.joint_states, JOINT_STATE)
        for cam in p.cameras:
            t.advertise(cam.topic, COMPRESSED_IMAGE, qos="sensor_data")
        for group, _ in self._leader_groups:
            t.advertise(group.leader.topic, group.leader.type)
        if p.trigger_topic:
            t.advertise(p.trigger_topic, STRING)
        t.advertise(STATUS_TOPIC, STRING)

    # episode control -------------------------------------------------------------------------
    def reset_episode(self, seed=None, task=None):
        """A new episode of `task` (default: the robot's): objects re-placed, arms sent home, any
        demonstration stopped; returns the seed."""
        with self._lock:
            self.episode += 1
            seed = self.seed + self.episode if seed is None else int(seed)
            self.world.reset(seed, task)
            self._leader = None
        return seed

    def demonstrate(self):
        """Start the scripted leader on the current scene; returns the demonstration's length in s."""
        with self._lock:
            self._leader = ScriptedLeader(self.world, np.random.default_rng(self.world.scene.seed + 7919))
            duration = self._leader.plan()
            self._leader_start = time.monotonic()
        return duration

    def play(self, stop, pause_s=1.0):
        """Demonstrate episode after episode until `stop` (a threading.Event) is set.

        Each episode: re-place the object, press 'right' (start), demonstrate, press 'right' (next),
        pause. This is what an operator does with the leader's buttons while recording.
        """
        while not stop.is_set():
            self.reset_episode()
            self.press("right")
            if stop.wait(self.demonstrate() + 0.2):
                return
            self.press("right")
            stop.wait(pause_s)

    def stop_leader(self):
        """Stop the scripted leader's demonstration."""
        with self._lock:
            self._leader = None

    @property
    def leader_active(self):
        """Whether the scripted leader is demonstrating now."""
        with self._lock:
            return (
                self._leader is not None and time.monotonic() - self._leader_start < self._leader.duration_s
            )

    @property
    def success(self):
        """Whether the current episode's task is achieved now."""
        with self._lock:
            return self.world.scene.success

    def status(self):
        """The scene: episode, seed, task, success, failed, the task's own facts (the gripper holding the
        ball, its highest lift so far, ...)."""
        with self._lock:
            scene = self.world.scene
            return {
                "episode": self.episode,
                "seed": scene.seed,
                "task": scene.name,
                "success": bool(scene.success),
                "failed": bool(scene.failed),
                **scene.status(),
                "time_s": round(self.world.time_s, 3),
                "leader": self._leader is not None,
            }

    def press(self, button):
        """Press a leader button: 'left' (retry), 'right' (next), or their '_long_time' variants."""
        if self.profile.trigger_topic:
            self.transport.publish(
                self.profile.trigger_topic, STRING, m.string(button, self.profile.ros_distro)
            )

    # transport callbacks ---------------------------------------------------------------------
    def _on_command(self, msg):
        if msg.points:
            with self._lock:
                self.world.command(msg.joint_names, msg.points[0].positions)

    def _on_array(self, group, msg):
        if len(msg.data) == len(
            group.joints
        ):  # forward_position_controller ignores a wrong-sized command too
            with self._lock:
                self.world.command(group.joints, msg.data)

    @staticmethod
    def _leader_message(group, values, distro):
        """The leader's targets for `group` as its profile's leader type."""
        if group.leader.type == JOINT_STATE:
            return m.joint_state(group.joints, values, distro=distro)
        if group.leader.type == FLOAT64_ARRAY:
            return m.float64_multi_array(values, distro)
        return m.joint_trajectory(group.joints, values, distro)

    def _on_reset(self, msg):
        try:
            seed, task = parse_reset(msg.data)
        except ValueError as err:
            log.warning("%s: %s", RESET_TOPIC, err)
            return
        self.reset_episode(seed, task)

    # real-time loops -------------------------------------------------------------------------
    def start(self):
        """Start publishing: physics at the control rate, cameras at their fps."""
        self._running = True
        self._threads = [
            threading.Thread(target=self._physics_loop, name="sim-physics", daemon=True),
            threading.Thread(target=self._status_loop, name="sim-status", daemon=True),
        ]
        by_rate = {}  # cameras at one rate are rendered together, like cameras on one trigger
        for cam in self.profile.cameras:
            by_rate.setdefault(self.camera_fps or cam.fps, []).append(cam)
        for fps, cams in by_rate.items():
            name = f"sim-cameras-{fps}"
            self._threads.append(
                threading.Thread(target=self._camera_loop, args=(cams, fps), daemon=True, name=name)
            )
        for t in self._threads:
            t.start()
        return self

    def stop(self):
        """Stop publishing and the simulation thread."""
        self._running = False
        for t in self._threads:
            t.join(timeout=2.0)

    def _physics_loop(self):
        dt = 1.0 / self.profile.control_rate_hz
        distro = self.profile.ros_distro
        for pacer in paced(self.profile.control_rate_hz, lambda: self._running):
            self.overruns = pacer.missed
            with self._lock:
                leader = self._leader
                if leader:
                    targets = leader.targets(time.monotonic() - self._leader_start)
                else:  # at rest the leader holds the pose of the robot's home
                    targets = self.world.home if self.leader_enabled else None
                self.world.step(dt)
                q, v = self.world.q[self._state_index], self.world.velocity[self._state_index]
            if targets is not None:  # the leader publishes; our own subscription makes us follow
                for group, idx in self._leader_groups:
                    self.transport.publish(
                        group.leader.topic,
                        group.leader.type,
                        self._leader_message(group, targets[idx], distro),
                    )
                    if (
                        group.leader.topic != group.command.topic
                    ):  # a teleop bridge: the follower follows its leader
                        with self._lock:
                            self.world.command(group.joints, targets[idx])
            self.transport.publish(
                self.profile.joint_states, JOINT_STATE, m.joint_state(self._state_order, q, v, distro)
            )

    def _camera_loop(self, cams, fps):
        """Render `cams` from one snapshot at `fps`, then publish them back to back: their frames
        arrive together, so a recorder's grid can sit midway between arrivals for all of them."""
        params = [cv2.IMWRITE_JPEG_QUALITY, self.jpeg_quality]
        last = -np.inf
        for _ in paced(fps, lambda: self._running):
            idle = self.cameras_wanted is not None and not self.cameras_wanted()
            if idle and time.monotonic() - last < IDLE_CAMERA_PERIOD_S:
                continue
            last = time.monotonic()
            with self._lock:
                snap = self.world.snapshot()
            frames = [(cam, cv2.imencode(".jpg", self.world.render(cam.name, snap), params)) for cam in cams]
            for cam, (ok, jpeg) in frames:
                if ok:
                    self.transport.publish(
                        cam.topic,
                        COMPRESSED_IMAGE,
                        m.compressed_image(jpeg.ravel(), cam.name, self.profile.ros_distro),
                        qos="sensor_data",
                    )

    def _status_loop(self):
        for _ in paced(10.0, lambda: self._running):
            self.transport.publish(
                STATUS_TOPIC, STRING, m.string(json.dumps(self.status()), self.profile.ros_distro)
            )


def parse_reset(text):
    """A /sim/reset request -> (seed or None, task or None): "", "17", "place", "place 17", "17 avoid".

    ValueError for anything else, naming what is accepted.
    """
    seed = task = None
    for word in text.split():
        if word.lstrip("-").isdigit() and seed is None:
            seed = int(word)
        elif word in CHOICES and task is None:
            task = word
        else:
            raise ValueError(
                f"{text!r}: expected a seed, a task ({', '.join(CHOICES)}) or both, e.g. 'place 17'"
            )
    return seed, task
