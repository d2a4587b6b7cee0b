"""The command loop: the policy drives the robot at the control rate, through the safety filter.

Two threads. Inference asks for the next chunk before the running one is used up (measured latency
plus a margin), from the newest observation, and inserts it aligned to that observation's time.
Control ticks at the profile's rate on the monotonic clock, samples the interpolated plan, passes
it through the safety filter and publishes one JointTrajectory per group, as the leader does.
Listeners are called every tick (recording, the systemd watchdog); timing is measured, not assumed.
"""
import gc
import logging
import os
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass

import numpy as np

from .. import messages as m
from ..clock import LatenessWindow, Pacer, try_realtime
from ..images import decode_images
from ..profile import TRAJECTORY
from ..sampler import NotReady
from .schedule import ActionSchedule

log = logging.getLogger(__name__)
LATE_MS = 1.0  # a tick this late is kept in late_ticks (the target: p99 period error <= 1 ms)


@dataclass(frozen=True)
class LoopConfig:
    """How the loop runs a policy; times in seconds."""

    blend_s: float = 0.2  # a new chunk is blended in over this long
    ensemble_coeff: float = None  # ACT temporal ensembling (0.01 in the paper); None: blend chunks
    margin_s: float = 0.05  # ask for the next chunk this long before the plan runs out, after latency
    inference_timeout_s: float = 1.0  # no new chunk for this long past the plan's end: hold and report
    rt_priority: int = int(os.environ.get("IMITATE_RT_PRIORITY", "0"))  # SCHED_FIFO for the control thread
    # With rt_priority: the longest the control thread waits for Python's interpreter lock (GIL) while
    # another thread runs Python (Python's default, 5 ms, would delay a tick by up to that).
    gil_switch_ms: float = float(os.environ.get("IMITATE_GIL_SWITCH_MS", "0.2"))
    # Python's cyclic garbage collector stops every thread while it runs, for as long as it takes: in
    # `imitate serve` a full pass took 20-50 ms (a missed tick). While the loop runs, what was alive at
    # its start is frozen (gc.freeze: not scanned), so passes only look at what was created since.
    freeze_gc: bool = True


class CommandLoop:
    """Runs a policy on a robot: start(), stop(), estop(), clear_estop(), stats()."""

    def __init__(self, profile, transport, sampler, policy, safety, config=LoopConfig()):
        self.profile, self.transport, self.sampler, self.policy, self.safety = profile, transport, sampler, policy, safety
        self.config = config
        self.rate_hz = profile.control_rate_hz
        self.schedule = ActionSchedule(1.0 / policy.package.fps, config.blend_s, config.ensemble_coeff)
        self.groups = [(g, [profile.joint_names.index(j) for j in g.joints]) for g in profile.groups
                       if g.command.type == TRAJECTORY]
        for group, _ in self.groups:
            transport.advertise(group.command.topic, TRAJECTORY)
        self.listeners = []  # callables(now_s, command or None), every tick
        self._running = False
        self._threads = []
        self.lateness = LatenessWindow(60_000)  # how late each of the last 10 minutes' ticks started
        # (monotonic s, ms late) of the newest ticks later than LATE_MS: when they happened, to set
        # beside what else ran then (another process's loop late at the same moment: the host)
        self.late_ticks = deque(maxlen=100)
        self.late_tick_count = 0
        self.infer_ms = deque(maxlen=1000)
        self.obs_to_command_ms = deque(maxlen=1000)  # observation time -> first command from its chunk
        self.inference_errors = 0
        self.listener_errors = 0
        self.ticks = 0
        self.commands_sent = 0  # ticks that published a command (not holds)
        self.pacer = None
        self.last_command = None

    # control -------------------------------------------------------------------------------------
    def start(self):
        """Soft-start from the robot's current pose; the threads begin."""
        state, age, _ = self.sampler.state_now()
        if not np.all(np.isfinite(state)) or age > 1.0:
            raise NotReady("no current joint state: is the robot publishing " + self.profile.joint_states + "?")
        if self.config.freeze_gc:  # the service, the policy and the modules live on: out of the collector's way
            gc.collect()
            gc.freeze()
        self.policy.reset()
        self.schedule.clear()
        self.safety.start(state, time.monotonic())
        self._running = True
        self._threads = [threading.Thread(target=self._control, name="control", daemon=True),
                         threading.Thread(target=self._inference, name="inference", daemon=True)]
        for t in self._threads:
            t.start()

    def stop(self):
        """Stop both threads; the robot keeps the last command."""
        self._running = False
        for t in self._threads:
            t.join(timeout=2.0)
        if self.config.freeze_gc:
            gc.unfreeze()  # what was frozen may be collected again (a stopped policy's objects)

    def estop(self):
        """Stop all motion now: the robot is commanded to where it stands, then nothing is sent."""
        state, _, _ = self.sampler.state_now()
        if np.all(np.isfinite(state)):
            self._publish(state)
        self.safety.estop()

    def clear_estop(self):
        """Release the e-stop and soft-start from the current pose."""
        state, _, _ = self.sampler.state_now()
        self.schedule.clear()
        self.safety.clear_estop(state, time.monotonic())

    def _control(self):
        default_switch = sys.getswitchinterval()
        if try_realtime(self.config.rt_priority) and self.config.gil_switch_ms > 0:
            sys.setswitchinterval(self.config.gil_switch_ms / 1e3)
        try:
            self._tick_until_stopped()
        finally:
            sys.setswitchinterval(default_switch)

    def _tick_until_stopped(self):
        pacer = self.pacer = Pacer(self.rate_hz)
        dt = 1.0 / self.rate_hz
        while self._running:
            pacer.wait()
            now = time.monotonic()
            lateness = now - pacer.due_t  # a missed tick counts in full, not from where the grid resumed
            self.lateness.add(lateness)
            if lateness > LATE_MS / 1e3:
                self.late_ticks.append((round(now, 4), round(lateness * 1e3, 2)))
                self.late_tick_count += 1
            wanted = self.schedule.sample(now)
            state, state_age, camera_age = self.sampler.state_now(now)
            late = self.schedule.remaining_s(now) == 0 and self._waited_too_long(now)
            command = self.safety.filter(wanted, now, dt, state_age, camera_age, inference_ok=not late)
            if command is not None:
                self._publish(command)
                self.last_command = command
                self.commands_sent += 1
            self.ticks += 1
            for listener in self.listeners:
                try:
                    listener(now, command)
                except Exception:  # a recorder's failure must never stop the control loop
                    self.listener_errors += 1
                    if self.listener_errors == 1 or self.listener_errors % 100 == 0:
                        log.exception("loop listener failed (%d times)", self.listener_errors)

    def _waited_too_long(self, now):
        started = getattr(self, "_plan_empty_since", None)
        if started is None:
            self._plan_empty_since = now
            return False
        return now - started > self.config.inference_timeout_s

    def _publish(self, command):
        distro = self.profile.ros_distro
        for group, idx in self.groups:
            self.transport.publish(group.command.topic, TRAJECTORY, m.joint_trajectory(group.joints, command[idx], distro))

    # inference -----------------------------------------------------------------------------------
    def _inference(self):
        latency = 0.2  # s, until measured: the 90th percentile of inference times, updated per chunk
        while self._running:
            now = time.monotonic()
            if self.schedule.remaining_s(now) > latency + self.config.margin_s or self.safety.estopped:
                time.sleep(0.002)
                continue
            try:
                frame = self.sampler.sample()
                images = decode_images(frame.images, self.policy.package.cameras)  # only what the policy sees
                chunk = self.policy.infer({"state": frame.state, "images": images})
            except NotReady:
                time.sleep(0.01)
                continue
            except Exception:  # a failing policy holds the robot (safety filter) and is reported
                self.inference_errors += 1
                if self.inference_errors == 1 or self.inference_errors % 50 == 0:
                    log.exception("inference failed (%d times)", self.inference_errors)
                time.sleep(0.05)
                continue
            self.infer_ms.append(chunk.infer_ms)
            latency = np.percentile(self.infer_ms, 90) / 1e3  # once per chunk, not per 2 ms poll: the GIL is shared
            done = time.monotonic()
            self.schedule.insert(chunk.actions, frame.time_s, done)
            self._plan_empty_since = None
            self.obs_to_command_ms.append((done - frame.time_s) * 1e3)

    # reporting -----------------------------------------------------------------------------------
    def stats(self):
        """Timing and safety numbers (ms), for the status page and the benchmark."""
        infer = np.array(self.infer_ms) if self.infer_ms else np.full(1, np.nan)
        o2c = np.array(self.obs_to_command_ms) if self.obs_to_command_ms else np.full(1, np.nan)
        return {"ticks": self.ticks, "commands_sent": self.commands_sent, "missed_ticks": self.pacer.overruns if self.pacer else 0,
                "period_error_p50_ms": self.lateness.percentile(50) * 1e3,
                "period_error_p99_ms": self.lateness.percentile(99) * 1e3,
                "infer_p50_ms": float(np.percentile(infer, 50)), "infer_p99_ms": float(np.percentile(infer, 99)),
                "obs_to_command_p50_ms": float(np.percentile(o2c, 50)), "inference_errors": self.inference_errors,
                "listener_errors": self.listener_errors, "ticks_late_over_1ms": self.late_tick_count,
                "late_ticks": [list(t) for t in self.late_ticks],
                "safety": dict(self.safety.counts), "estop": self.safety.estopped}
