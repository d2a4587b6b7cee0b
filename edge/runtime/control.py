"""One control tick: sample the plan, pass the safety filter, publish; and how late each tick was.

The command loop runs a Controller in a thread of its own process, or in a control process of its
own (control_process.py); either way the tick is this code.
"""
import time
from collections import deque

import numpy as np

from .. import messages as m
from ..clock import LatenessWindow, Pacer
from ..profile import FLOAT64_ARRAY, TRAJECTORY
from .safety import by_joint

LATE_MS = 1.0  # a tick this late is kept in late_ticks (the target: p99 period error <= 1 ms)


class Controller:
    """Ticks at the profile's control rate: begin(), tick() after wait(), hold_here(), stats()."""

    def __init__(self, profile, transport, sampler, safety, schedule, inference_timeout_s=1.0,
                 clock=time.monotonic, sleep=time.sleep):
        self.profile, self.transport, self.sampler, self.safety = profile, transport, sampler, safety
        self.clock, self.sleep = clock, sleep  # the monotonic clock's (a test passes a fake clock's)
        self.schedule = schedule
        self.inference_timeout_s = inference_timeout_s
        self.rate_hz = profile.control_rate_hz
        self.dt = 1.0 / self.rate_hz
        self.groups = [
            (g, [profile.joint_names.index(j) for j in g.joints])
            for g in profile.groups
            if g.command.type in (TRAJECTORY, FLOAT64_ARRAY)
        ]  # a Twist base is not driven by policies
        for group, _ in self.groups:
            transport.advertise(group.command.topic, group.command.type)
        self.lateness = LatenessWindow(60_000)  # how late each of the last 10 minutes' ticks started
        # (monotonic s, ms late) of the newest ticks later than LATE_MS: when they happened, to set
        # beside what else ran then (another process's loop late at the same moment: the host)
        self.late_ticks = deque(maxlen=100)
        self.late_tick_count = 0
        self.ticks = 0
        self.commands_sent = 0  # ticks that published a command (not holds)
        self.pacer = None
        self._plan_empty_since = None

    def begin(self, now=None):
        """Soft-start from the robot's current pose on a fresh plan and a fresh tick grid."""
        now = self.clock() if now is None else now
        state, _, _ = self.sampler.state_now(now)
        self.schedule.clear()
        self._plan_empty_since = None
        self.safety.start(state, now)
        self.pacer = Pacer(self.rate_hz, self.clock, self.sleep)

    def wait(self):
        """Sleep until the next tick is due."""
        self.pacer.wait()

    def tick(self):
        """One tick, now: returns (now, the command published or None)."""
        now = self.clock()
        lateness = now - self.pacer.due_t  # a missed tick counts in full, not from where the grid resumed
        self.lateness.add(lateness)
        if lateness > LATE_MS / 1e3:
            self.late_ticks.append((round(now, 4), round(lateness * 1e3, 2)))
            self.late_tick_count += 1
        wanted = self.schedule.sample(now)
        state, state_age, camera_age = self.sampler.state_now(now)
        late = self.schedule.remaining_s(now) == 0 and self._waited_too_long(now)
        command = self.safety.filter(wanted, now, self.dt, state_age, camera_age, inference_ok=not late)
        if command is not None:
            self.publish(command)
            self.commands_sent += 1
        self.ticks += 1
        return now, command

    def chunk_arrived(self):
        """A new chunk is in the plan: the inference timeout starts again."""
        self._plan_empty_since = None

    def _waited_too_long(self, now):
        if self._plan_empty_since is None:
            self._plan_empty_since = now
            return False
        return now - self._plan_empty_since > self.inference_timeout_s

    def hold_here(self):
        """E-stop: command the robot to where it stands (if known), then the filter sends nothing."""
        state, _, _ = self.sampler.state_now()
        if np.all(np.isfinite(state)):
            self.publish(state)
        self.safety.estop()

    def clear_estop(self):
        """Release the e-stop: a fresh plan, soft-started from the current pose."""
        now = self.clock()
        state, _, _ = self.sampler.state_now(now)
        self.schedule.clear()
        self._plan_empty_since = None
        self.safety.clear_estop(state, now)

    def publish(self, command):
        """One message per group, of the type its controller takes (the profile's command type)."""
        distro = self.profile.ros_distro
        for group, idx in self.groups:
            if group.command.type == TRAJECTORY:
                msg = m.joint_trajectory(group.joints, command[idx], distro)
            else:  # Float64MultiArray: the values in the group's joint order
                msg = m.float64_multi_array(command[idx], distro)
            self.transport.publish(group.command.topic, group.command.type, msg)

    def stats(self):
        """The tick's timing and safety numbers (ms). Called from other threads while the tick runs:
        the late ticks are copied in one C call (tuple(deque) holds the interpreter lock throughout),
        never iterated in Python, where the tick could append between two steps."""
        late_ticks = tuple(self.late_ticks)
        return {
            "ticks": self.ticks,
            "commands_sent": self.commands_sent,
            "missed_ticks": self.pacer.missed if self.pacer else 0,
            "period_error_p50_ms": self.lateness.percentile(50) * 1e3,
            "period_error_p99_ms": self.lateness.percentile(99) * 1e3,
            "ticks_late_over_1ms": self.late_tick_count,
            "late_ticks": [list(t) for t in late_ticks],
            "safety": dict(self.safety.counts),
            "safety_by_joint": by_joint(self.safety.joint_counts, self.profile.joint_names),
            "estop": self.safety.estopped,
        }
