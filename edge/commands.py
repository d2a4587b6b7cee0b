"""Command-line subcommands of the edge part: profiles, topics, sim."""

import logging
import os
import re
import time
from pathlib import Path

from .bag.command import register as register_import_bag
from .dataset_command import register as register_dataset
from .doctor_command import register as register_doctor
from .profile import available_profiles, load_profile, user_dir
from .profile_from_graph import draft_profile, watch_graph
from .record_command import register as register_record
from .runtime.commands import register as register_runtime
from .runtime.session import resolve_transport
from .sim import SimRobot
from .sim.baselines import baselines, format_results
from .sim.operator import OPERATOR_TOPIC, OperatorDesk
from .sim.tasks import CHOICES
from .topic_monitor import TopicMonitor, format_table
from .transport import RosEnvironment, make_transport
from .zenoh_router_command import register as register_zenoh_router

log = logging.getLogger(__name__)


def register(sub):
    """Add the edge subcommands to the `imitate` parser."""
    p = sub.add_parser(
        "profiles",
        help="list robot profiles, show one, or draft one from a live robot",
        description="imitate profiles [list] | show NAME | new NAME --from-graph [--transport T]",
    )
    p.add_argument("action", nargs="?", choices=["list", "show", "new"], default="list")
    p.add_argument("name", nargs="?", help="profile name or YAML path (show), the new profile's name (new)")
    p.add_argument(
        "--from-graph", action="store_true", help="new: draft it from the topics a live robot publishes"
    )
    p.add_argument(
        "--transport",
        default="dds",
        choices=("dds", "ros2", "zenoh", "sim"),
        help="new: how to reach the robot (sim: the simulated AI Worker, started in this process)",
    )
    p.add_argument("--seconds", type=float, default=4.0, help="new: how long to watch the graph")
    p.add_argument("--out", help="new: where to write it (default: the user profile folder, NAME.yaml)")
    p.add_argument("--force", action="store_true", help="new: replace an existing file")
    p.set_defaults(handler=profiles_command)

    p = sub.add_parser("topics", help="live topics with type, rate and age (ros2 topic list + hz)")
    add_transport_args(p, default="dds")
    p.add_argument("--duration", type=float, help="print once after this many seconds and exit")
    p.set_defaults(handler=topics_command)

    register_record(sub, add_transport_args)
    register_runtime(sub, add_transport_args)
    register_dataset(sub)
    register_import_bag(sub)
    register_zenoh_router(sub)
    register_doctor(sub)

    p = sub.add_parser("sim", help="run the simulated AI Worker (the default robot of every command)")
    add_transport_args(
        p,
        default="dds",
        choices=("dds", "ros2", "zenoh", "sim"),
        help="dds: other processes see it as a ROS 2 robot (default); ros2: the same through "
        "rclpy; zenoh: as an rmw_zenoh robot (needs a router); sim: this process only",
    )
    p.add_argument("--seed", type=int, default=0, help="seed of the first episode's scene")
    p.add_argument(
        "--task",
        default="pick",
        choices=CHOICES,
        help="the task the scene poses: pick up the ball, put it in the bin, touch a target past an "
        "obstacle, or mixed (the three by turns, episode after episode)",
    )
    p.add_argument("--camera-fps", type=float, help="frames per second of every camera (default: profile's)")
    p.add_argument(
        "--image-size",
        action="append",
        default=[],
        metavar="CAMERA=HxW",
        help="image size of one camera, e.g. cam_head=240x424 (repeatable; default: profile's)",
    )
    p.add_argument(
        "--leader",
        default="auto",
        choices=["auto", "off"],
        help="auto: the scripted leader demonstrates episode after episode; off: follow commands only. "
        "Either way a recorder (imitate serve, record) that operates it over /sim/operator takes over",
    )
    p.add_argument("--duration", type=float, help="stop after this many seconds")
    p.add_argument(
        "--baselines",
        type=int,
        metavar="N",
        help="print the success of the scripted leader and the blind baseline over N episodes, then exit",
    )
    p.set_defaults(handler=sim_command)


def add_transport_args(parser, default="sim", choices=("sim", "dds", "ros2", "zenoh", "auto"), help=None):
    """--profile and --transport, the same on every subcommand that talks to a robot."""
    parser.add_argument("--profile", default="sim", help="robot profile name or YAML file (default: sim)")
    parser.add_argument(
        "--transport",
        default=default,
        choices=choices,
        help=help
        or "sim: simulated robot in this process; dds: ROS 2 over Cyclone DDS; "
        "ros2: rclpy; zenoh: rmw_zenoh's wire; auto: the one imitate doctor would "
        f"pick (default: {default})",
    )


def profiles_command(args):
    """List the robot profiles, or describe one; returns 0."""
    if args.action == "list":
        for name in available_profiles():
            profile = load_profile(name)
            print(
                f"{name:<16} {len(profile.joint_names):>2} joints  {len(profile.cameras)} cameras  "
                f"{profile.description}"
            )
        return 0
    if args.action == "new":
        return new_profile_command(args)
    if not args.name:
        raise ValueError("profiles show needs a NAME: one of " + ", ".join(available_profiles()))
    print(describe_profile(load_profile(args.name)))
    return 0


def new_profile_command(args):
    """`imitate profiles new NAME --from-graph`: a draft profile from the live graph, loaded once to check
    it."""

    if not args.name or not re.match(r"^[A-Za-z][A-Za-z0-9_]{0,63}$", args.name):
        raise ValueError(
            "profiles new needs a NAME of letters, digits and '_' (it names the file and the robot)"
        )
    if not args.from_graph:
        raise ValueError(
            "profiles new drafts from a live robot: add --from-graph (or copy a built-in profile's YAML)"
        )
    out = Path(args.out or user_dir() / f"{args.name}.yaml").expanduser()
    if out.exists() and not args.force:
        raise ValueError(f"{out} exists: pass --force to replace it, or --out another path")
    transport = make_transport(args.transport, ros=RosEnvironment.from_environ(os.environ))
    robot = None
    try:
        if args.transport == "sim":  # the simulated AI Worker in this process: something to draft from
            robot = SimRobot(load_profile("sim"), transport).start()
            robot.leader_enabled = True
        types, watch = watch_graph(transport, args.seconds)
        text = draft_profile(args.name, types, watch, args.seconds)
    finally:
        if robot:
            robot.stop()
        transport.close()
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text)
    profile = load_profile(out)  # a draft that does not load is a bug here, not the person's
    print(describe_profile(profile))
    print(
        f"wrote {out}: a draft. Edit what it guessed (groups, camera names, limits), then check it with "
        f"`imitate doctor --profile {out}`"
    )
    return 0


def describe_profile(profile):
    """A readable multi-line summary of a profile."""
    lines = [
        f"{profile.name}: {profile.description}",
        f"  source: {profile.source}",
        f"  ROS 2 {profile.ros_distro}, dataset {profile.dataset_fps} fps, control "
        f"{profile.control_rate_hz:g} Hz",
        f"  state: {profile.joint_states}",
        "  groups (dataset order):",
    ]
    for g in profile.groups:
        lines.append(f"    {g.name:<10} command {g.command.topic} [{g.command.type}]")
        if g.leader != g.command:
            lines.append(f"    {'':<10} leader  {g.leader.topic} [{g.leader.type}]")
        for j in g.joints:
            lim = profile.limits[j]
            lines.append(
                f"      {j:<18} [{lim.min:+.3f}, {lim.max:+.3f}]  v<={lim.velocity:g}  "
                f"a<={lim.acceleration:g}"
            )
    lines.append("  cameras:")
    for c in profile.cameras:
        lines.append(f"    {c.name:<12} {c.width}x{c.height} @ {c.fps:g} fps  {c.topic}")
    if profile.trigger_topic:
        lines.append(f"  leader buttons: {profile.trigger_topic}")
    return "\n".join(lines)


def topics_command(args):
    """Print live topics with type, rate and age until Ctrl-C (or --duration)."""

    profile = load_profile(args.profile)

    args.transport = resolve_transport(args.transport, profile, os.environ)
    transport = make_transport(
        args.transport, ros=RosEnvironment.from_environ(os.environ), distro=profile.ros_distro
    )
    robot = None
    if args.transport == "sim":  # nothing else lives in this process: bring the simulated robot
        robot = SimRobot(profile, make_transport("sim", bus=transport.bus, distro=profile.ros_distro))
        robot.start()
    monitor = TopicMonitor(transport)
    try:
        if args.duration is not None:
            _watch_for(monitor, args.duration)
            print(format_table(monitor.snapshot()))
            return 0
        while True:  # refresh once a second until Ctrl-C
            _watch_for(monitor, 1.0)
            print("\033[2J\033[H" + format_table(monitor.snapshot()), flush=True)
    finally:
        if robot:
            robot.stop()
        transport.close()


def _watch_for(monitor, seconds):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        monitor.discover()
        time.sleep(min(0.25, max(0.0, end - time.monotonic())))


def sim_command(args):
    """Run the simulated AI Worker until Ctrl-C or --duration (or its baselines with --baselines)."""
    import threading

    profile = load_profile(args.profile)
    if args.baselines:
        print(format_results(baselines(profile, args.task, args.baselines, args.seed)))
        return 0
    sizes = parse_image_sizes(args.image_size, profile)
    transport = make_transport(
        args.transport, ros=RosEnvironment.from_environ(os.environ), distro=profile.ros_distro
    )
    robot = SimRobot(
        profile,
        transport,
        seed=args.seed,
        camera_fps=args.camera_fps,
        image_sizes=sizes,
        leader=args.leader == "auto",
        task=args.task,
    ).start()
    self_play = threading.Event()
    player = None
    if args.leader == "auto":
        player = threading.Thread(target=robot.play, args=(self_play,), daemon=True, name="sim-leader")
        player.start()

    def take_over():  # a recorder operates the leader from now on (imitate serve, record)
        self_play.set()
        if player:
            player.join(timeout=5.0)
        robot.stop_leader()
        robot.leader_enabled = True
        log.info("a recorder operates the simulated leader from now on (%s)", OPERATOR_TOPIC)

    OperatorDesk(robot, transport, take_over)
    monitor = TopicMonitor(transport)
    for topic, msgtype in profile.topics().items():
        monitor.watch(topic, msgtype)
    print(f"simulated {profile.name} running on transport {args.transport}; Ctrl-C stops it", flush=True)
    start = time.monotonic()
    try:
        while args.duration is None or time.monotonic() - start < args.duration:
            time.sleep(
                1.0
                if args.duration is None
                else min(1.0, max(0.0, args.duration - (time.monotonic() - start)))
            )
            status = robot.status()
            print(
                f"\n[{time.monotonic() - start:6.1f} s] episode {status['episode']} seed {status['seed']} "
                f"task {status['task']} success {status['success']}\n" + format_table(monitor.snapshot()),
                flush=True,
            )
    finally:
        self_play.set()
        robot.stop()
        transport.close()
    return 0


def parse_image_sizes(specs, profile):
    """['cam_head=240x424', ...] -> {'cam_head': (240, 424)}; ValueError saying the expected form."""
    sizes = {}
    for spec in specs:
        name, _, size = spec.partition("=")
        try:
            height, width = (int(v) for v in size.lower().split("x"))
        except ValueError:
            raise ValueError(
                f"--image-size {spec!r}: expected CAMERA=HEIGHTxWIDTH, e.g. cam_head=240x424"
            ) from None
        profile.camera(name)  # raises with the known camera names
        sizes[name] = (height, width)
    return sizes
