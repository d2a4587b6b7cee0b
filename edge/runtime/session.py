"""The robot side every runtime command shares: `Base` (transport, the simulated robot when asked for,
the sampler) and `Session` (a Base plus a policy driving it through the safety filter, rollouts
recorded when asked), both built from a RuntimeConfig; and `runtime_config`, which the commands call
to build that config from their arguments. Its own module so the commands (commands.py) and the
service (service.py) both use it without importing each other."""

import time

from ..doctor import pick_transport
from ..policy import make_policy
from ..policy.types import get_type
from ..policy_package import check_profile
from ..profile import load_profile
from ..sampler import ObservationSampler
from ..sim import SimRobot
from ..transport import make_transport
from .config import RuntimeConfig
from .loop import CommandLoop
from .safety import SafetyFilter


def runtime_config(args, environ):
    """The RuntimeConfig for a runtime command's arguments, its transport resolved (resolve_transport)."""
    config = RuntimeConfig.from_args(args, environ)
    return config.with_transport(resolve_transport(config.transport, load_profile(config.profile), environ))


def resolve_transport(requested, profile, environ):
    """The transport to make for --transport `requested`: as given, or for `auto` (and serve's default,
    None, on a real robot's profile) the one imitate doctor would pick, printed with why."""
    if requested is None:
        requested = "sim" if profile.name == "sim" else "auto"
    if requested != "auto":
        return requested
    name, why = pick_transport(profile, environ)
    print(f"transport auto: {name}, because {why}", flush=True)
    return name


class Base:
    """What stays up whether or not a policy runs: transport, simulated robot (for sim), sampler."""

    def __init__(self, config, cameras=None, fps=None):
        if config.transport in (None, "auto"):
            raise ValueError(
                "the runtime needs its transport resolved: build the config with runtime_config()"
            )
        self.profile = load_profile(config.profile)
        self.transport = make_transport(config.transport, ros=config.ros, distro=self.profile.ros_distro)
        self.robot = None
        if config.transport == "sim":
            self.robot = SimRobot(
                self.profile, make_transport("sim", bus=self.transport.bus), leader=False
            ).start()
        self.sampler = ObservationSampler(
            self.profile, self.transport, fps=fps, cameras=cameras, with_action=False
        )

    def close(self):
        """Stop the loop, the robot and the transport."""
        if self.robot:
            self.robot.stop()
        self.transport.close()


class Session:
    """A policy driving the robot: policy, safety filter and command loop over a Base."""

    def __init__(self, config, base=None):
        self.policy = make_policy(
            config.policy, backend=config.backend, device=config.device, rtc=config.loop.rtc
        )
        package = self.policy.package
        check_profile(package, load_profile(config.profile))  # refuse before anything moves
        if package.needs_task and not config.task:
            raise ValueError(
                f"a {package.policy_type} policy is prompted with a task and none was given: pass --task "
                "'pick up the ball' (the page: its Task field; the API: \"task\")"
            )
        self.task = config.task
        if config.loop.rtc and not get_type(package.policy_type).rtc:
            raise ValueError(
                f"--rtc guides the denoising of a flow-matching policy (smolvla) with the chunk still being "
                f"executed; {package.policy_type} predicts its chunk in one pass and has nothing to guide: "
                "leave --rtc out (chunks are blended), or --ensemble for ACT"
            )
        recording = bool(config.record)  # a rollout dataset has every camera
        cameras = None if recording else list(self.policy.package.cameras)
        self.owns_base = base is None
        self.env = base or Base(config, cameras=cameras, fps=self.policy.package.fps)
        self.profile, self.transport, self.sampler = self.env.profile, self.env.transport, self.env.sampler
        self.loop = CommandLoop(
            self.profile,
            self.transport,
            self.sampler,
            self.policy,
            SafetyFilter(self.profile),
            config.loop,
            task=config.task,
        )
        self.rollouts = None
        if recording:
            from ..dataset import DatasetWriter  # lazy: pyarrow and PyAV load only when rollouts are recorded
            from .rollout import RolloutRecorder  # lazy, with DatasetWriter above

            writer = DatasetWriter(config.record, self.profile, codec="h264", resume=True)
            self.rollouts = RolloutRecorder(writer, self.sampler)
            self.loop.listeners.append(self.rollouts)

    def wait_ready(self, timeout_s=10.0):
        """Wait until every source the policy needs is heard from; NotReady naming them otherwise."""
        deadline = time.monotonic() + timeout_s
        while self.sampler.missing() and time.monotonic() < deadline:
            time.sleep(0.05)
        if self.sampler.missing():
            raise RuntimeError(
                "waiting for " + "; ".join(self.sampler.missing()) + ": is the robot publishing?"
            )

    def close(self):
        """Stop the loop (and its control process), the robot and the transport."""
        self.loop.close()
        if self.rollouts and self.rollouts.active:
            self.rollouts.end(save=True)
        if self.owns_base:
            self.env.close()
