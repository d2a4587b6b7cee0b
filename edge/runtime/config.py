"""The runtime's configuration: built once where a command starts (from its arguments and the
environment, or from the API), checked here, then passed down. Nothing below reads `args` or
the environment.

`LoopConfig` is how the command loop runs a policy; `RuntimeConfig` is what `imitate serve`,
`run` and `eval` run: the robot, the transport, the data folder, the policy and its loop.
"""

import math
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..policy.factory import BACKENDS, DEVICES
from ..transport.ros_environment import RosEnvironment
from .tick import CONTROL_MODES

ON_STOP = ("save", "discard")


def _number(environ, key, default, kind):
    raw = environ.get(key, "").strip()
    if not raw:
        return default
    try:
        return kind(raw)
    except ValueError:
        raise ValueError(f"{key}={raw!r}: expected {'an integer' if kind is int else 'a number'}") from None


@dataclass(frozen=True)
class LoopConfig:
    """How the loop runs a policy; times in seconds."""

    blend_s: float = 0.2  # a new chunk is blended in over this long
    ensemble_coeff: float = None  # ACT temporal ensembling (0.01 in the paper); None: blend chunks
    # Real-time chunking (a flow-matching policy on the torch backend): the policy is given the part of
    # the running chunk still to execute and continues it, so chunks replace each other unblended.
    rtc: bool = False
    margin_s: float = 0.05  # ask for the next chunk this long before the plan runs out, after latency
    # Actions of a chunk executed before the next one takes over (its observation taken that much
    # earlier, latency plus margin); None: the package's n_action_steps (ACT as trained: the whole chunk).
    replan_steps: int = None
    inference_timeout_s: float = 1.0  # no new chunk for this long past the plan's end: hold and report
    rt_priority: int = 0  # SCHED_FIFO priority for the control tick (0: normal scheduling)
    # With rt_priority: the longest the control thread waits for Python's interpreter lock (GIL) while
    # another thread runs Python (Python's default, 5 ms, would delay a tick by up to that).
    gil_switch_ms: float = 0.2
    # Python's cyclic garbage collector stops every thread while it runs, for as long as it takes: in
    # `imitate serve` a full pass took 20-50 ms (a missed tick). While the loop runs, what was alive at
    # its start is frozen (gc.freeze: not scanned), so passes only look at what was created since.
    freeze_gc: bool = True
    # Where the tick runs: "process" (its own, fed chunks through a pipe), "thread" (beside inference,
    # sharing the interpreter lock), "auto": a process where the transport reaches other processes
    # (dds, ros2, zenoh), a thread on the in-process simulated bus, which no other process can reach.
    control: str = "auto"

    def __post_init__(self):
        if self.control not in CONTROL_MODES:
            raise ValueError(f"control {self.control!r}: expected one of {', '.join(CONTROL_MODES)}")
        if not 0 <= self.rt_priority <= 99:
            raise ValueError(f"real-time priority {self.rt_priority}: expected 0 (off) to 99")
        if not self.gil_switch_ms >= 0:
            raise ValueError(f"GIL switch interval {self.gil_switch_ms} ms: expected >= 0")
        if self.replan_steps is not None and not (
            isinstance(self.replan_steps, int) and self.replan_steps >= 1
        ):
            raise ValueError(
                f"replan steps {self.replan_steps!r}: expected a whole number of actions >= 1 (e.g. 10)"
            )
        if self.rtc and self.ensemble_coeff is not None:
            raise ValueError("--rtc and --ensemble both decide how chunks join: choose one")
        if self.ensemble_coeff is not None and not (
            math.isfinite(self.ensemble_coeff) and self.ensemble_coeff >= 0
        ):
            raise ValueError(
                f"ensemble coefficient {self.ensemble_coeff}: expected a number >= 0 (e.g. 0.01)"
            )

    @classmethod
    def from_environ(cls, environ, **fields):
        """IMITATE_RT_PRIORITY, IMITATE_GIL_SWITCH_MS and IMITATE_CONTROL (the systemd unit's
        EnvironmentFile), with `fields` set as given."""
        return cls(
            rt_priority=_number(environ, "IMITATE_RT_PRIORITY", 0, int),
            gil_switch_ms=_number(environ, "IMITATE_GIL_SWITCH_MS", 0.2, float),
            control=environ.get("IMITATE_CONTROL", "").strip() or "auto",
            **fields,
        )


@dataclass(frozen=True)
class RuntimeConfig:
    """What a runtime command runs: the robot and its transport, the data folder, a policy."""

    profile: str = "sim"
    transport: str = None  # sim | dds | ros2 | zenoh | auto; None: sim for the sim profile, else auto
    data: Path = Path("data")  # datasets, runs and policies (serve)
    policy: str = None  # a policy package folder
    backend: str = "auto"
    device: str = "auto"  # where the torch backend runs: auto | cuda | cpu
    task: str = None  # the language instruction a VLA is prompted with (recorded with rollouts)
    record: str = None  # store rollouts as a dataset in this folder
    on_stop: str = "save"  # what stopping the service does with an episode being recorded
    page_watchdog_s: float = None  # stop a page's policy when its page is silent this long; None: off
    loop: LoopConfig = field(default_factory=LoopConfig)
    ros: RosEnvironment = field(default_factory=RosEnvironment)  # domain, discovery, middleware settings

    def __post_init__(self):
        object.__setattr__(self, "data", Path(self.data))
        if self.backend not in ("auto", *BACKENDS):
            raise ValueError(f"backend {self.backend!r}: expected auto or one of {', '.join(BACKENDS)}")
        if self.device not in DEVICES:
            raise ValueError(f"device {self.device!r}: expected one of {', '.join(DEVICES)}")
        if self.task is not None and not (isinstance(self.task, str) and self.task.strip()):
            raise ValueError("task: expected the instruction as words, e.g. 'pick up the ball' (or none)")
        if self.on_stop not in ON_STOP:
            raise ValueError(f"on-stop {self.on_stop!r}: expected save or discard")
        if self.page_watchdog_s is not None and not (
            math.isfinite(self.page_watchdog_s) and self.page_watchdog_s > 0
        ):
            raise ValueError(
                f"page watchdog {self.page_watchdog_s} s: expected a number of seconds > 0 (or leave "
                "it out for off)"
            )

    @classmethod
    def from_args(cls, args, environ):
        """From a runtime command's arguments (serve, run, eval) and the environment (the loop's and
        ROS 2's)."""
        ensemble = getattr(args, "ensemble", None)
        rtc = bool(getattr(args, "rtc", False))
        replan = getattr(args, "replan_steps", None)
        return cls(
            profile=args.profile,
            transport=args.transport,
            data=getattr(args, "data", None) or "data",
            policy=args.policy,
            backend=args.backend or "auto",
            device=getattr(args, "device", None) or "auto",
            task=getattr(args, "task", None) or None,
            record=getattr(args, "record", None),
            on_stop=getattr(args, "on_stop", None) or "save",
            page_watchdog_s=getattr(args, "page_watchdog", None) or None,
            loop=LoopConfig.from_environ(
                environ, ensemble_coeff=ensemble, rtc=rtc, blend_s=0.0 if rtc else 0.2, replan_steps=replan
            ),
            ros=RosEnvironment.from_environ(environ),
        )

    def with_policy(self, path, record=None, task=None):
        """The same runtime running the package at `path` (rollouts recorded into `record`, prompted with
        `task`, else the configured one), as the service starts one; blending, not ensembling (the page
        has no such option)."""
        return replace(
            self,
            policy=str(path),
            record=str(record) if record else None,
            task=task or self.task,
            loop=replace(self.loop, ensemble_coeff=None),
        )

    def with_transport(self, name):
        """The same, on the transport `name` (what auto resolved to)."""
        return replace(self, transport=name)
