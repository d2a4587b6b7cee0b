"""The command loop: the policy drives the robot at the control rate, through the safety filter.

Inference runs in a thread: it asks for the next chunk before the running one is used up
(measured latency plus a margin), from the newest observation, and inserts it aligned to that
observation's time. The control tick (control.py) runs at the profile's rate on the monotonic
clock, samples the interpolated plan, passes it through the safety filter and publishes one
JointTrajectory per group, as the leader does. Where it runs is a ControlTick (tick.py): over DDS
or ROS 2 a process of its own (control_process.py), where no other Python thread can delay it; on
the in-process simulated bus, a thread beside inference. Listeners are called every tick
(recording, the systemd watchdog); timing is measured, not assumed.
"""
import gc
import logging
import threading
import time
from collections import deque

import numpy as np

from ..images import decode_images
from ..sampler import NotReady
from .config import LoopConfig
from .control import Controller
from .control_process import ControlSpec, ProcessTick
from .schedule import ActionSchedule
from .tick import ThreadTick, control_mode

log = logging.getLogger(__name__)


def make_tick(mode, profile, transport, sampler, safety, schedule, config, on_tick):
    """The ControlTick for `mode`: a thread shares the loop's plan (`schedule`), a process keeps a copy."""
    if mode == "thread":
        controller = Controller(profile, transport, sampler, safety, schedule, config.inference_timeout_s)
        return ThreadTick(controller, on_tick, config.rt_priority, config.gil_switch_ms)
    spec = ControlSpec(profile, transport.name, tuple(sampler.cameras), safety.config, schedule.step_s,
                       config.blend_s, config.ensemble_coeff, config.inference_timeout_s,
                       config.rt_priority, config.gil_switch_ms, ros=transport.ros)
    return ProcessTick(spec, on_tick)


class CommandLoop:
    """Runs a policy on a robot: start(), stop(), estop(), clear_estop(), stats(), close()."""

    def __init__(self, profile, transport, sampler, policy, safety, config=None, task=None):
        self.profile, self.transport, self.sampler = profile, transport, sampler
        self.task = task  # the instruction a VLA gets with every observation (others ignore it)
        self.policy, self.safety = policy, safety
        self.config = config = config or LoopConfig()
        self.schedule = ActionSchedule(1.0 / policy.package.fps, config.blend_s, config.ensemble_coeff)
        self.last_chunk = None  # (actions (H, A), observation time): the newest chunk, for the page
        self.views = {c.name: c.view for c in profile.cameras}  # (rotate, crop), as the recorder did
        for cam in policy.package.spec["inputs"]["cameras"]:  # trained on images turned otherwise: refuse
            rotate, crop = self.views.get(cam["name"], (cam.get("rotate_deg", 0), None))
            if cam.get("rotate_deg", 0) != rotate:
                raise ValueError(
                    f"camera {cam['name']}: the policy was trained on images turned "
                    f"{cam.get('rotate_deg', 0)} "
                    f"degrees, profile {profile.name} turns them {rotate}: run it "
                    "with the profile its data was recorded with"
                )
            if "crop" in cam and (cam["crop"] and tuple(cam["crop"])) != crop:
                raise ValueError(
                    f"camera {cam['name']}: the policy was trained on images cropped to {cam['crop']}, "
                    f"profile {profile.name} crops them to {list(crop) if crop else 'nothing'}: run it "
                    "with the profile its data was recorded with"
                )
        self.listeners = []  # callables(now_s, command or None), every tick
        self._running = False
        self._estopped = False
        self._inference_thread = None
        self.infer_ms = deque(maxlen=1000)
        self.obs_to_command_ms = deque(maxlen=1000)  # observation time -> first command from its chunk
        self.inference_errors = 0
        self.listener_errors = 0
        self.tick = make_tick(
            self.mode, profile, transport, sampler, safety, self.schedule, config, self._call_listeners
        )

    @property
    def mode(self):
        """Where the control tick runs: "process" or "thread"."""
        return control_mode(self.config.control, self.transport.name)

    @property
    def ticks(self):
        """Control ticks run so far."""
        return self.tick.ticks

    # control -------------------------------------------------------------------------------------
    def start(self):
        """Soft-start from the robot's current pose; inference and the tick begin."""
        state, age, _ = self.sampler.state_now()
        if not np.all(np.isfinite(state)) or age > 1.0:
            raise NotReady(
                "no current joint state: is the robot publishing " + self.profile.joint_states + "?"
            )
        if (
            self.config.freeze_gc
        ):  # the service, the policy and the modules live on: out of the collector's way
            gc.collect()
            gc.freeze()
        self.policy.reset()
        self.schedule.clear()
        self._running = True
        self.tick.start()
        self._inference_thread = threading.Thread(target=self._inference, name="inference", daemon=True)
        self._inference_thread.start()

    def stop(self):
        """Stop the tick at once (the robot keeps the last command), then wait for a chunk being
        inferred to finish (a VLA's takes seconds on a CPU): it is dropped, never sent."""
        self._running = False
        self.tick.stop()
        if self._inference_thread is not None:
            slowest_s = max(tuple(self.infer_ms), default=0.0) / 1e3
            self._inference_thread.join(timeout=max(2.0, 2 * slowest_s))
        if self.config.freeze_gc:
            gc.unfreeze()  # what was frozen may be collected again (a stopped policy's objects)

    def close(self):
        """Stop, and end the control process if there is one."""
        self.stop()
        self.tick.close()

    def estop(self):
        """Stop all motion now: the robot is commanded to where it stands, then nothing is sent."""
        self._estopped = True
        self.tick.estop()

    def clear_estop(self):
        """Release the e-stop and soft-start from the current pose."""
        self.schedule.clear()
        self.tick.clear_estop()
        self._estopped = False

    def _call_listeners(self, now, command):
        for listener in self.listeners:
            try:
                listener(now, command)
            except Exception:  # a recorder's failure must never stop the control loop
                self.listener_errors += 1
                if self.listener_errors == 1 or self.listener_errors % 100 == 0:
                    log.exception("loop listener failed (%d times)", self.listener_errors)

    # inference -----------------------------------------------------------------------------------
    def _inference(self):
        latency = 0.2  # s, until measured: the 90th percentile of inference times, updated per chunk
        while self._running:
            now = time.monotonic()
            if self.schedule.remaining_s(now) > latency + self._unexecuted_s() or self._estopped:
                time.sleep(0.002)
                continue
            try:
                frame = self.sampler.sample()
                images = decode_images(
                    frame.images, self.policy.package.cameras, self.views
                )  # only what the policy sees, turned as recorded
                observation = {"state": frame.state, "images": images, "task": self.task}
                if self.config.rtc and self.last_chunk is not None:
                    observation["rtc"] = self._rtc_prefix(frame.time_s, latency)
                chunk = self.policy.infer(observation)
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
            latency = (
                np.percentile(self.infer_ms, 90) / 1e3
            )  # once per chunk, not per 2 ms poll: the GIL is shared
            done = time.monotonic()
            self.schedule.insert(
                chunk.actions, frame.time_s, done
            )  # here the plan's length; the tick's too in thread mode
            self.last_chunk = (
                np.array(chunk.actions, np.float32),
                frame.time_s,
            )  # what the page draws ahead of now
            try:
                self.tick.insert(chunk.actions, frame.time_s)
            except (RuntimeError, OSError) as err:  # the control process is gone: nothing moves; said once
                log.error("%s", err)
                self._running = False
                return
            self.obs_to_command_ms.append((done - frame.time_s) * 1e3)

    def _unexecuted_s(self):
        """Seconds of the newest chunk left unexecuted when the next takes over, plus the margin: the
        next is asked for this long (and the latency) before the plan's end."""
        if self.last_chunk is None:
            return self.config.margin_s
        length = len(self.last_chunk[0])
        executed = min(self.config.replan_steps or self.policy.package.n_action_steps, length)
        return (length - executed) * self.schedule.step_s + self.config.margin_s

    def _rtc_prefix(self, obs_time_s, latency_s):
        """What real-time chunking tells the policy: how many steps of its previous chunk are done at
        this observation's time, and how many more will be by the time the new chunk lands."""
        step = self.schedule.step_s
        return {
            "elapsed_steps": max(0, int(round((obs_time_s - self.last_chunk[1]) / step))),
            "inference_delay": int(np.ceil(latency_s / step)),
        }

    # reporting -----------------------------------------------------------------------------------
    def plan(self, now=None):
        """What the policy intends, for the page: the newest chunk's targets with each step's time
        relative to `now` (negative: already due), and the plan's raw target now (before the safety
        filter); None before the first chunk."""
        if self.last_chunk is None:
            return None
        now = time.monotonic() if now is None else now
        actions, start = self.last_chunk
        raw = self.schedule.sample(now)
        return {
            "offsets_s": [round(start + k * self.schedule.step_s - now, 4) for k in range(len(actions))],
            "actions": actions.round(5).tolist(),
            "raw_now": None if raw is None else np.round(raw, 5).tolist(),
        }

    def stats(self):
        """Timing and safety numbers (ms), for the status page and the benchmark."""
        infer = np.array(
            tuple(self.infer_ms) or (np.nan,)
        )  # tuple(): one C copy, safe beside the appending thread
        o2c = np.array(tuple(self.obs_to_command_ms) or (np.nan,))
        return {
            **self.tick.stats(),
            "action_period_ms": self.schedule.step_s * 1e3,
            "infer_p50_ms": float(np.percentile(infer, 50)),
            "infer_p99_ms": float(np.percentile(infer, 99)),
            "obs_to_command_p50_ms": float(np.percentile(o2c, 50)),
            "inference_errors": self.inference_errors,
            "listener_errors": self.listener_errors,
        }
