"""`imitate record`: a recording session from the command line, with keys or on timers alone."""
import logging
import os
import signal
import sys
import threading

from .profile import STRING, load_profile
from .recorder import RecordConfig, Recorder
from .runtime.session import resolve_transport
from .sampler import ObservationSampler
from .sim import SimRobot
from .sim.operator import OperatorRelay, SimOperator
from .transport import RosEnvironment, make_transport

log = logging.getLogger(__name__)
KEYS = {" ": "toggle", "\x1b[C": "next", "\x1b[D": "retry", "s": "skip", "q": "finish", "\x1b": "finish"}
HELP = "keys: space start/save, -> next, <- retry, s skip, q finish"


def register(sub, add_transport_args):
    """Add `imitate record` to the parser."""
    p = sub.add_parser("record", help="record teleoperation episodes into a LeRobot v3.0 dataset")
    add_transport_args(p)
    p.add_argument("--dataset", required=True, help="dataset folder (created, or appended to with --resume)")
    p.add_argument(
        "--task", action="append", default=[], help="task description (repeat for several: multi-task)"
    )
    p.add_argument("--tasks-file", help="a text file with one task per line")
    p.add_argument("--episodes", type=int, default=10, help="episodes to save (default 10)")
    p.add_argument(
        "--episode-time", type=float, default=30.0, help="seconds per episode at most (default 30)"
    )
    p.add_argument("--reset-time", type=float, default=5.0, help="seconds between episodes (default 5)")
    p.add_argument("--warmup-time", type=float, default=0.0, help="seconds before each episode, not recorded")
    p.add_argument("--fps", type=int, help="frames per second (default: the profile's dataset fps)")
    p.add_argument(
        "--codec", default="av1", choices=["av1", "h264"], help="video codec (default av1, as lerobot)"
    )
    p.add_argument("--resume", action="store_true", help="add episodes to an existing dataset")
    p.add_argument(
        "--raw-bag",
        action="store_true",
        help="also write each episode's original messages to DATASET/raw/episode_N (MCAP rosbag2)",
    )
    p.add_argument(
        "--on-stop",
        default="save",
        choices=["save", "discard"],
        help="what SIGTERM or Ctrl-C does with the episode being recorded (default save)",
    )
    p.set_defaults(handler=record_command)


def read_tasks(args):
    """The tasks from --task and --tasks-file; ValueError when there is none."""
    tasks = list(args.task)
    if args.tasks_file:
        with open(args.tasks_file, encoding="utf-8") as f:
            tasks += [line.strip() for line in f if line.strip()]
    if not tasks:
        raise ValueError("give a task: --task 'pick up the ball' (or --tasks-file FILE, one per line)")
    return tuple(tasks)


def record_command(args):
    """Run a recording session from the command line; returns 0, raises on a recording error."""
    from .bag.raw_writer import RawBagTap  # lazy: pyarrow and PyAV load only when recording
    from .dataset import DatasetWriter  # lazy, with RawBagTap above

    profile = load_profile(args.profile)
    interactive = sys.stdin.isatty()
    config = RecordConfig(
        tasks=read_tasks(args),
        episodes=args.episodes,
        episode_time_s=args.episode_time,
        reset_time_s=args.reset_time,
        warmup_time_s=args.warmup_time,
        start_now=not interactive,
    )
    writer = DatasetWriter(args.dataset, profile, codec=args.codec, fps=args.fps, resume=args.resume)
    for line in writer.recovered:
        print(f"note: {line}")

    args.transport = resolve_transport(args.transport, profile, os.environ)
    transport = make_transport(
        args.transport, ros=RosEnvironment.from_environ(os.environ), distro=profile.ros_distro
    )
    robot = operator = None
    if args.transport == "sim":  # one command makes a dataset: the simulated robot and operator join

        robot = SimRobot(profile, make_transport("sim", bus=transport.bus, distro=profile.ros_distro)).start()
        operator = SimOperator(robot)
    else:  # a simulated robot in another process (imitate sim) is operated over the wire, once heard
        operator = OperatorRelay(transport, distro=profile.ros_distro)
    sampler = ObservationSampler(profile, transport, fps=args.fps)
    recorder = Recorder(sampler, writer, config)
    if profile.trigger_topic:
        transport.subscribe(profile.trigger_topic, STRING, recorder.on_button)
    if operator:
        recorder.listen(operator)
    recorder.listen(ProgressLine(config.episodes).show)
    tap = None
    if args.raw_bag:

        tap = RawBagTap(profile, transport, sampler, args.dataset)
        recorder.listen(tap.on_event)
        recorder.listen_frames(tap.on_frame)
    stop = lambda *_: _stop(recorder, args.on_stop)  # noqa: E731
    signal.signal(signal.SIGTERM, stop)
    if interactive:
        print(HELP)
        threading.Thread(target=_keyboard, args=(recorder,), daemon=True).start()
    try:
        status = recorder.run()
    except KeyboardInterrupt:
        stop()
        status = recorder.run()
    finally:
        if tap:
            tap.close()
        if operator:
            operator.stop()
        if robot:
            robot.stop()
        writer.close()
        transport.close()
    print(f"\n{status.saved} episodes saved to {args.dataset} ({writer.total_episodes} in the dataset)")
    if recorder.error:
        raise RuntimeError(recorder.error)
    return 0


def _stop(recorder, on_stop):
    if on_stop == "discard":
        recorder.command("retry")
    recorder.command("finish")


class ProgressLine:
    """Phase, episode, time, frames and drops: one live line on a terminal, a line per phase in a log."""

    def __init__(self, episodes, live=None):
        self.episodes = episodes
        self.live = sys.stdout.isatty() if live is None else live
        self._phase = None

    def show(self, event):
        """Print one recorder event as the progress line."""
        drops = sum(event["stale"].values()) + sum(event["repeated"].values())
        line = (
            f"[{event['phase']:>9}] episode {min(event['saved'] + 1, self.episodes)}/{self.episodes} "
            f"{event['elapsed_s']:5.1f} s {event['frames']:5d} frames, {drops} camera drops | "
            f"{event['task'][:40]} {event['message'][:70]}"
        )
        if self.live:
            end = "\n" if event["phase"] in ("reset", "finished", "error") else ""
            print("\r" + line.ljust(120), end=end, flush=True)
        elif event["phase"] != self._phase or event["phase"] == "waiting" and event["message"]:
            print(line, flush=True)
        self._phase = event["phase"]


def _keyboard(recorder):
    """Read single keys from the terminal (raw mode) and turn them into recorder verbs."""
    import os
    import termios
    import tty

    fd = sys.stdin.fileno()
    saved = termios.tcgetattr(fd)
    try:
        tty.setcbreak(fd)
        while True:
            key = os.read(fd, 8).decode(errors="ignore")
            verb = KEYS.get(key) or KEYS.get(key[:1] if key[:1] != "\x1b" else key)
            if verb == "toggle":
                verb = "save" if recorder.status.phase == "recording" else "start"
            if verb:
                recorder.command(verb)
            if verb == "finish":
                return
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)
