"""Command-loop benchmark on the simulated robot: imitate's 100 Hz loop vs a synchronous
select-action-per-frame loop (what physical_ai_tools does), same policy package, one run each.

    .venv/bin/python bench/loop.py --policy PKG [--seconds 600] [--record] [--sync-seconds S] [--sim-process]

--sim-process runs the simulated robot as its own process (`imitate sim --transport dds`) and the
loop talks to it over Cyclone DDS on loopback, as the loop talks to a robot's drivers; without it,
the simulated robot renders its cameras inside the benchmark's process. IMITATE_RT_PRIORITY=N gives
the control thread SCHED_FIFO where permitted.

imitate: inference in its own thread, chunks aligned, blended, interpolated, safety filter, at the
profile's control rate, optionally recording the rollout. Synchronous: at the dataset fps, the
loop waits for inference whenever its action queue is empty, then publishes one action per frame,
no interpolation. Printed: period error p50/p99, missed ticks, stalls (a gap over twice the period
between commands), largest command step of any joint, inference and observation-to-command
latency, CPU. Targets (DESIGN.md): p99 period error <= 1 ms and no missed tick at 100 Hz.
"""
import argparse
import collections
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import psutil

from imitate.edge import messages as m
from imitate.edge.clock import Pacer
from imitate.edge.dataset import DatasetWriter
from imitate.edge.images import decode_images
from imitate.edge.policy import make_policy
from imitate.edge.profile import load_profile
from imitate.edge.runtime.config import LoopConfig
from imitate.edge.runtime.loop import CommandLoop
from imitate.edge.runtime.rollout import RolloutRecorder
from imitate.edge.runtime.safety import SafetyFilter
from imitate.edge.sampler import ObservationSampler
from imitate.edge.sim import SimRobot
from imitate.edge.transport import make_transport
from imitate.edge.transport.sim_transport import SimBus

SIM_PROCESS = False  # --sim-process


class SimProcess:
    """`imitate sim --transport dds --leader off` in a process of its own; stop() ends it."""

    def __init__(self):
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "imitate.cli", "sim", "--transport", "dds", "--leader", "off"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=30)


def rig(profile, package, all_cameras=False):
    if SIM_PROCESS:
        robot, transport = SimProcess(), make_transport("dds", distro=profile.ros_distro)
    else:
        bus = SimBus()
        robot = SimRobot(profile, make_transport("sim", bus=bus), leader=False).start()
        transport = make_transport("sim", bus=bus)
    cameras = None if all_cameras else list(package.cameras)
    sampler = ObservationSampler(profile, transport, fps=package.fps, cameras=cameras, with_action=False)
    sent = collections.deque()
    group = profile.groups[0]
    transport.subscribe(
        group.command.topic,
        "trajectory_msgs/msg/JointTrajectory",
        lambda msg: sent.append((time.monotonic(), np.array(msg.points[0].positions))),
    )
    deadline = time.monotonic() + 60
    while sampler.missing():
        if time.monotonic() > deadline:
            raise RuntimeError("the simulated robot is silent: " + "; ".join(sampler.missing()))
        time.sleep(0.05)
    return robot, transport, sampler, sent


def summarize(sent, period_s, late_p50_p99_ms, missed, infer_ms, cpu_s, seconds):
    times = np.array([t for t, _ in sent])
    values = np.array([v for _, v in sent])
    gaps = np.diff(times)
    return {
        "p50": late_p50_p99_ms[0],
        "p99": late_p50_p99_ms[1],
        "missed": missed,
        "stalls": int((gaps > 2 * period_s).sum()),
        "jump": float(np.abs(np.diff(values, axis=0)).max()),
        "infer_p50": np.percentile(infer_ms, 50),
        "infer_p99": np.percentile(infer_ms, 99),
        "cpu": cpu_s / seconds,
    }


def run_imitate(profile, package_path, seconds, record):
    policy = make_policy(package_path, "ort-cpu")
    robot, transport, sampler, sent = rig(profile, policy.package, all_cameras=record)
    loop = CommandLoop(
        profile, transport, sampler, policy, SafetyFilter(profile), LoopConfig.from_environ(os.environ)
    )
    writer = None
    if record:

        writer = DatasetWriter(Path(tempfile.mkdtemp()) / "rollouts", profile, codec="h264")
        rollouts = RolloutRecorder(writer, sampler)
        loop.listeners.append(rollouts)
        rollouts.begin("benchmark")
    pids = [loop.tick.pid] if loop.tick.mode == "process" else []
    cpu0 = _cpu(pids)
    loop.start()
    time.sleep(seconds)
    loop.stop()
    cpu = _cpu(pids) - cpu0
    loop.close()
    if writer:
        rollouts.end(save=True)
    robot.stop()
    transport.close()
    stats = loop.stats()
    late = (stats["period_error_p50_ms"], stats["period_error_p99_ms"])
    out = summarize(
        list(sent)[100:],
        1 / profile.control_rate_hz,
        late,
        stats["missed_ticks"],
        list(loop.infer_ms),
        cpu,
        seconds,
    )  # the soft start's first second excluded from the jump
    out["obs_to_cmd"] = stats["obs_to_command_p50_ms"]
    return out


def run_synchronous(profile, package_path, seconds):
    """select_action per frame: infer when the queue is empty (the loop waits), publish one action."""
    policy = make_policy(package_path, "ort-cpu")
    robot, transport, sampler, sent = rig(profile, policy.package)
    groups = [(g, [profile.joint_names.index(j) for j in g.joints]) for g in profile.groups]
    queue, lateness, infer_ms = collections.deque(), [], []
    pacer, end, cpu0 = Pacer(policy.package.fps), time.monotonic() + seconds, _cpu()
    obs_to_cmd = []
    while time.monotonic() < end:
        pacer.wait()
        lateness.append((time.monotonic() - pacer.due_t) * 1e3)
        if not queue:
            frame = sampler.sample()
            chunk = policy.infer(
                {"state": frame.state, "images": decode_images(frame.images, policy.package.cameras)}
            )
            infer_ms.append(chunk.infer_ms)
            queue.extend(chunk.actions[: policy.package.n_action_steps])
            obs_to_cmd.append((time.monotonic() - frame.time_s) * 1e3)
        action = queue.popleft()
        for group, idx in groups:
            transport.publish(
                group.command.topic,
                "trajectory_msgs/msg/JointTrajectory",
                m.joint_trajectory(group.joints, action[idx]),
            )
    cpu = _cpu() - cpu0
    robot.stop()
    transport.close()
    out = summarize(
        list(sent)[30:],
        1 / policy.package.fps,
        np.percentile(lateness, [50, 99]),
        pacer.missed,
        infer_ms,
        cpu,
        seconds,
    )
    out["obs_to_cmd"] = float(np.percentile(obs_to_cmd, 50))
    return out


def _cpu(pids=()):
    """CPU seconds of this process and of the processes `pids` (the control process)."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime + sum(sum(psutil.Process(pid).cpu_times()[:2]) for pid in pids)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--policy", required=True)
    parser.add_argument("--seconds", type=float, default=600.0)
    parser.add_argument("--record", action="store_true", help="imitate also records the rollout")
    parser.add_argument(
        "--sync-seconds", type=float, help="length of the synchronous run (default: --seconds)"
    )
    parser.add_argument(
        "--sim-process", action="store_true", help="the simulated robot in its own process, over DDS"
    )
    args = parser.parse_args()
    global SIM_PROCESS
    SIM_PROCESS = args.sim_process
    profile = load_profile("sim")
    rows = [
        (
            f"imitate {profile.control_rate_hz:g} Hz loop" + (" + recording" if args.record else ""),
            run_imitate(profile, args.policy, args.seconds, args.record),
        ),
        (
            "synchronous select-action per frame",
            run_synchronous(profile, args.policy, args.sync_seconds or args.seconds),
        ),
    ]
    where = "its own process, DDS" if args.sim_process else "in-process"
    print(
        f"{args.seconds:g} s (synchronous: {args.sync_seconds or args.seconds:g} s) on the simulated robot "
        f"({where}), "
        f"SCHED_FIFO {os.environ.get('IMITATE_RT_PRIORITY') or 'off'}, policy {args.policy}, ONNX Runtime CPU"
    )
    print(
        f"{'loop':<38} {'period err p50/p99 ms':>22} {'missed':>7} {'stalls':>7} {'max step rad':>13} "
        f"{'infer p50/p99 ms':>17} {'obs->cmd ms':>12} {'CPU':>5}"
    )
    for name, r in rows:
        print(
            f"{name:<38} {r['p50']:10.3f} /{r['p99']:9.3f} {r['missed']:7d} {r['stalls']:7d} "
            f"{r['jump']:13.4f} "
            f"{r['infer_p50']:7.1f} /{r['infer_p99']:7.1f} {r['obs_to_cmd']:12.1f} {r['cpu']:4.0%}",
            flush=True,
        )


if __name__ == "__main__":
    sys.exit(main())
