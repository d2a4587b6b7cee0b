"""The simulated robot over DDS in a process of its own, `imitate run` driving it from another, and the
test listening to the arm's commands on the wire as the robot's controller does."""

import json
import subprocess

import numpy as np

from imitate.edge.profile import load_profile
from imitate.edge.transport import make_transport

from .conftest import CLI, cli

PROFILE = load_profile("sim")
ARM = PROFILE.groups[0]  # arm_left: JointTrajectory commands


def drive_over_dds(package, *run_args, seconds=6):
    """(the run's CompletedProcess, its stats or None, [(sent s, arm positions)] heard on the wire)."""
    sim = subprocess.Popen(
        [*CLI, "sim", "--transport", "dds", "--leader", "off", "--duration", "300"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    heard = []
    listener = make_transport("dds")
    listener.subscribe(ARM.command.topic, ARM.command.type, heard.append)
    try:
        ran = cli("run", "--transport", "dds", "--policy", package, "--duration", seconds, *run_args)
    finally:
        sim.terminate()
        sim.wait(timeout=20)
        listener.close()
    stats = json.loads(ran.stdout[ran.stdout.index("{") :]) if ran.returncode == 0 else None
    return ran, stats, [(sent_s(msg), arm_positions(msg)) for msg in heard]


def sent_s(msg):
    """When the control process sent it (its header stamp): a loaded listener's own arrival times bunch."""
    return msg.header.stamp.sec + msg.header.stamp.nanosec * 1e-9


def arm_positions(msg):
    by_name = dict(zip(msg.joint_names, msg.points[0].positions, strict=True))
    return np.array([by_name[j] for j in ARM.joints])


def check_driven(stats, heard):
    """The commands came at the control rate, each a step the safety filter allows, and moved the arm."""
    assert stats["inference_errors"] == 0 and np.isfinite(stats["infer_p50_ms"]), stats
    times = np.array([t for t, _ in heard])
    q = np.stack([p for _, p in heard])
    rate = (len(times) - 1) / (times[-1] - times[0])  # messages heard over the time they were sent in
    assert 85 <= rate <= 105, f"{rate:.1f} commands/s heard, expected the profile's 100 Hz ({stats})"
    lo = np.array([PROFILE.limits[j].min for j in ARM.joints])
    hi = np.array([PROFILE.limits[j].max for j in ARM.joints])
    vmax = np.array([PROFILE.limits[j].velocity for j in ARM.joints])
    assert ((q >= lo - 1e-9) & (q <= hi + 1e-9)).all(), "a command outside the joint limits reached the robot"
    steps = np.abs(np.diff(q, axis=0))
    within = (steps <= vmax / PROFILE.control_rate_hz + 1e-9).all(axis=1)
    # a message lost on the wire makes one step of two ticks: allowed rarely, never more than that
    assert within.mean() >= 0.99 and (steps <= 2 * vmax / PROFILE.control_rate_hz + 1e-9).all()
    assert np.ptp(q, axis=0).max() > 1e-4, f"the arm held still: no chunk of the policy drove it ({stats})"
