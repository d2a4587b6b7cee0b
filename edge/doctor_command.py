"""`imitate doctor [--profile P] [--transport T]`: the first command to run on a robot (doctor.py)."""
import os

from .doctor import CANDIDATES, check, choose
from .profile import COMPRESSED_IMAGE, load_profile


def register(sub):
    p = sub.add_parser("doctor", help="which transport reaches the robot, and what is missing (run it first)")
    p.add_argument(
        "--profile", default=os.environ.get("IMITATE_PROFILE", "sim"), help="robot profile (default sim)"
    )
    p.add_argument(
        "--transport",
        default="auto",
        choices=("auto",) + CANDIDATES,
        help="check one transport, or every one that can run here (auto, the default)",
    )
    p.add_argument(
        "--seconds", type=float, default=3.0, help="how long to listen on each transport (default 3)"
    )
    p.set_defaults(handler=doctor_command)


def doctor_command(args):
    """Print each transport's report and the setting to change; 0 only when one sees everything."""
    profile = load_profile(args.profile)
    names = CANDIDATES if args.transport == "auto" else (args.transport,)
    reports = [check(name, profile, args.seconds, os.environ) for name in names]
    for report in reports:
        print(format_report(report))
    best = choose(reports)
    for line in advice(reports, best, profile):
        print(line)
    return 0 if best is not None and best.complete else 1


def format_report(report):
    lines = [f"\n== {report.name}: {report.why}"]
    for t in report.topics:
        mark = "ok " if t.count and not t.problems else ("-- " if not t.required and not t.count else "!! ")
        age = f"{t.age_s:6.2f} s" if t.count else "     -  "
        lines.append(f"  {mark}{t.role:<22} {t.topic:<68} {t.rate_hz:7.1f} Hz  age {age}")
        lines += [f"       {p}" for p in t.problems if t.count or t.required]
    if report.clock_offset_ms is not None:
        lines.append(
            f"  clock: the robot's header stamps are {report.clock_offset_ms:+.1f} ms behind this machine "
            "(latency included)"
        )
    return "\n".join(lines)


def advice(reports, best, profile):
    """What to change, in a person's words."""
    if best is None:
        return [
            "\nno transport saw any of the profile's topics. Is the robot up? A 2026 AI Worker (rmw_zenoh): "
            "start its router, or set ZENOH_CONFIG_OVERRIDE='connect/endpoints=[\"tcp/<robot>:7447\"]'. "
            "A DDS robot: set ROS_DOMAIN_ID to the robot's (the AI Worker's containers use 30), and "
            "IMITATE_DDS_SCOPE=subnet when it is another machine."
        ]
    out = []
    if best.complete:
        out.append(
            f"\n{best.name} sees everything {profile.name} needs: set IMITATE_TRANSPORT={best.name} "
            f"(or --transport {best.name})"
        )
    else:
        out.append(
            f"\n{best.name} sees {best.seen} of the profile's topics, not all: fix what is marked !! above"
        )
        cameras = [t for t, ty in best.others.items() if ty == COMPRESSED_IMAGE]
        if any(r.role.startswith("camera") and not r.count for r in best.topics) and cameras:
            out.append(
                f"camera topics published here that {profile.name} does not name: "
                f"{', '.join(sorted(cameras))}: "
                "use a profile with these camera topics (imitate profiles), or edit its cameras"
            )
    if best.clock_offset_ms is not None and abs(best.clock_offset_ms) > 500:
        out.append(
            f"the robot's clock is {best.clock_offset_ms / 1000:+.1f} s off this machine's: sync both with "
            "NTP (chrony); recorded timestamps come from this machine"
        )
    return out
