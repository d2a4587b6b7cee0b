"""The observation sampler: asynchronous robot topics turned into frames on a fixed time grid.

Each frame takes the newest message of every source and keeps every source's age, so a camera
that stalls or repeats itself is counted, never silent. `observation.state` is the follower's
joint states mapped by name into the profile's order; `action` is the leader's per-group commands
in the same order. A source not heard from yet makes the frame unavailable, never zero or NaN.
"""

import threading
import time
from dataclasses import dataclass
from functools import partial

import numpy as np

from .profile import COMPRESSED_IMAGE, FLOAT64_ARRAY, JOINT_STATE, TRAJECTORY, TWIST


class NotReady(RuntimeError):
    """A source has not been heard from yet; the message names them."""


@dataclass
class Frame:
    """One grid tick's observation and action."""

    time_s: float  # monotonic time of the tick
    state: np.ndarray  # (J,) float32, follower positions in profile order
    action: np.ndarray  # (J,) float32, leader commands in profile order
    images: dict  # camera -> JPEG bytes
    ages: dict  # source -> seconds since its newest message arrived
    stale: list  # cameras whose newest image is older than 1.5 periods (a frame went missing)
    repeated: list  # cameras whose image is the one the previous frame had
    read_s: float = 0.0  # clock time the newest messages were read (a little after time_s)


def _twist_values(twist):
    return (twist.linear.x, twist.linear.y, twist.angular.z)


class ObservationSampler:
    """Subscribes to a profile's state, command and camera topics; `sample()` makes a Frame."""

    def __init__(
        self,
        profile,
        transport,
        fps=None,
        cameras=None,
        with_action=True,
        clock=time.monotonic,
        subscribe_commands=True,
    ):
        self.profile = profile
        self.clock = clock  # arrival times and ticks; a bag's replay clock when importing a bag
        self.period_s = 1.0 / (fps or profile.dataset_fps)
        # An image is stale when older than 1.5 periods: a camera at the grid's rate delivers ages
        # anywhere in [0, 1 period) plus its latency, so only beyond that has a frame gone missing.
        self.stale_after_s = 1.5 * self.period_s
        self.cameras = list(cameras or profile.camera_names)
        self.with_action = with_action  # False when a policy, not the leader, drives the robot
        self.index = {n: i for i, n in enumerate(profile.joint_names)}
        n = len(self.index)
        self._lock = threading.Lock()
        self._state = np.full(n, np.nan)  # (J,) newest follower positions
        self._action = np.full(n, np.nan)  # (J,) newest leader commands
        self._state_time = {}  # group -> monotonic arrival of its newest state
        self._action_time = {}  # group -> monotonic arrival of its newest command
        self._images = {}  # camera -> (jpeg bytes, arrival, sequence number)
        self._used_seq = {}  # camera -> sequence number of the image the last frame took
        self._orders = {}  # tuple of names in a JointState -> index array, computed once per order
        self.stale_counts = {c: 0 for c in self.cameras}  # since reset_counts()
        self.repeat_counts = {c: 0 for c in self.cameras}
        self._taps = []  # callback(topic, msg, arrival_s), called under the lock: see tap()
        self.topics = set()  # every topic subscribed to
        topics = {}
        for group in profile.groups:
            topics.setdefault((group.state.topic, group.state.type), []).append(group)
            # the control process publishes them: it need not read them back
            if subscribe_commands or with_action:
                self._subscribe(
                    transport, group.leader.topic, group.leader.type, partial(self._on_leader, group)
                )
        for (topic, msgtype), groups in topics.items():
            self._subscribe(transport, topic, msgtype, partial(self._on_state, groups))
        for cam in self.cameras:
            self._subscribe(
                transport,
                profile.camera(cam).topic,
                COMPRESSED_IMAGE,
                partial(self._on_image, cam),
                qos="sensor_data",
            )

    def _subscribe(self, transport, topic, msgtype, callback, qos="default"):
        def take(msg):
            with self._lock:
                now = self.clock()
                callback(msg, now)
                for tap in self._taps:
                    tap(topic, msg, now)

        self.topics.add(topic)
        transport.subscribe(topic, msgtype, take, qos=qos)

    def tap(self, callback):
        """Call `callback(topic, msg, arrival_s)` with every message the sampler takes, under the lock that
        `sample()` reads under: a message stamped before a frame's `read_s` is the one that frame has
        (the raw bag records what the dataset saw). It must be quick and must not call the sampler."""
        with self._lock:
            self._taps.append(callback)

    # callbacks (transport threads, under self._lock) -------------------------------------------
    def _on_state(self, groups, msg, now):
        if groups[0].state.type == JOINT_STATE:
            names = tuple(msg.name)
            order = self._orders.get(names)
            if order is None:
                order = self._orders[names] = np.array([self.index.get(n, -1) for n in names])
            known = order >= 0
            n = len(msg.position)
            values, idx = np.asarray(msg.position)[known[:n]], order[known][:n]
        else:  # nav_msgs/Odometry: the base's velocities are its "positions"
            idx = np.array([self.index[j] for j in groups[0].joints])
            values = np.array(_twist_values(msg.twist.twist))
        self._state[idx] = values
        for g in groups:
            if all(np.isfinite(self._state[self.index[j]]) for j in g.joints):
                self._state_time[g.name] = now

    def _on_leader(self, group, msg, now):
        kind = group.leader.type
        if kind == TRAJECTORY:
            if not msg.points:
                return
            pairs = [
                (self.index[n], v)
                for n, v in zip(msg.joint_names, msg.points[0].positions, strict=False)
                if n in self.index
            ]
        elif kind == JOINT_STATE:  # a second arm read back: by name, the group's joints only
            mine = set(group.joints)
            pairs = [(self.index[n], v) for n, v in zip(msg.name, msg.position, strict=False) if n in mine]
        elif kind == FLOAT64_ARRAY:  # values in the group's joint order
            pairs = list(zip((self.index[j] for j in group.joints), msg.data, strict=False))
        elif kind == TWIST:
            pairs = list(zip((self.index[j] for j in group.joints), _twist_values(msg), strict=False))
        else:
            return
        for i, v in pairs:
            self._action[i] = v
        if all(np.isfinite(self._action[self.index[j]]) for j in group.joints):
            self._action_time[group.name] = now

    def _on_image(self, cam, msg, now):
        seq = self._images[cam][2] + 1 if cam in self._images else 0
        self._images[cam] = (msg.data.tobytes(), now, seq)

    # sampling ---------------------------------------------------------------------------------
    def missing(self):
        """What has not been heard from yet, as words for a person; [] when ready."""
        with self._lock:
            out = [
                f"state of {g.name} on {g.state.topic}"
                for g in self.profile.groups
                if g.name not in self._state_time
            ]
            out += [
                f"leader commands of {g.name} on {g.leader.topic}"
                for g in self.profile.groups
                if self.with_action and g.name not in self._action_time
            ]
            out += [
                f"camera {c} on {self.profile.camera(c).topic}" for c in self.cameras if c not in self._images
            ]
        return out

    def sample(self, now=None):
        """The Frame for this tick; NotReady naming the silent sources if any."""
        now = self.clock() if now is None else now
        missing = self.missing()
        if missing:
            raise NotReady("waiting for " + "; ".join(missing))
        with self._lock:
            read_s = self.clock()
            state, action = self._state.astype(np.float32), self._action.astype(np.float32)
            ages = {f"state/{g}": now - t for g, t in self._state_time.items()}
            ages.update({f"action/{g}": now - t for g, t in self._action_time.items()})
            images, stale, repeated = {}, [], []
            for cam in self.cameras:
                jpeg, arrived, seq = self._images[cam]
                images[cam] = jpeg
                ages[f"camera/{cam}"] = now - arrived
                if now - arrived > self.stale_after_s:
                    stale.append(cam)
                    self.stale_counts[cam] += 1
                elif self._used_seq.get(cam) == seq:
                    repeated.append(cam)
                    self.repeat_counts[cam] += 1
                self._used_seq[cam] = seq
        return Frame(now, state, action, images, ages, stale, repeated, read_s)

    def state_now(self, now=None):
        """(state (J,) float64, age of the oldest group's state s, age of the oldest camera s): cheap,
        for a 100 Hz loop; ages are inf for a source never heard from."""
        now = self.clock() if now is None else now
        with self._lock:
            state = self._state.copy()
            state_age = max(
                (now - self._state_time.get(g.name, -np.inf) for g in self.profile.groups), default=0.0
            )
            camera_age = max(
                (now - self._images[c][1] if c in self._images else np.inf for c in self.cameras), default=0.0
            )
        return state, state_age, camera_age

    def latest_image(self, camera):
        """(JPEG bytes as the robot sent them, sequence number), or (None, -1) before the first."""
        with self._lock:
            jpeg, _, seq = self._images.get(camera, (None, 0.0, -1))
        return jpeg, seq

    def camera_arrivals(self):
        """{camera: clock time its newest image arrived} for the cameras heard from."""
        with self._lock:
            return {c: image[1] for c, image in self._images.items()}

    def latest_joints(self):
        """(follower state, newest command) as float64 copies in profile order; NaN where unheard."""
        with self._lock:
            return self._state.copy(), self._action.copy()

    def reset_counts(self):
        """Zero the drop counters (at the start of an episode)."""
        with self._lock:
            self.stale_counts = {c: 0 for c in self.cameras}
            self.repeat_counts = {c: 0 for c in self.cameras}
