"""What the command loop's timing could be on this machine, and what Python's interpreter lock costs it.

Per run: `imitate serve --transport sim --policy PKG` with the control thread on SCHED_FIFO (as the
Jetson unit runs it) and, beside it in its own process, a bare 100 Hz loop with the same pacer and
priority that does nothing else: the floor the machine and the kernel allow. One run per GIL switch
interval given (IMITATE_GIL_SWITCH_MS: how long the control thread may wait for the interpreter lock
held by another thread; Python's default is 5 ms), in turn for --rounds rounds. On a virtual machine
the host may take the CPUs away (steal time, printed per run): the bare loop shows what that costs.

    .venv/bin/python bench/loop_floor.py --policy PKG [--seconds 600] [--gil-switch-ms 5 0.2] [--rounds 1]
        [--robot-process [--robot-transport dds|zenoh]] [--record] [--streams] [--browser] [--nice -5]
        [--control thread process]

The issue's whole load: --robot-process --record --streams (the simulated robot in its own process
over DDS, as a robot's drivers are; the rollouts recorded; three camera streams read). The service's
ticks over 1 ms late are set beside the bare loop's: a late tick both had at the same moment was
the host's or the kernel's, not the service's.

Needs root or an RLIMIT_RTPRIO for SCHED_FIFO (else both loops run with normal scheduling and the
table says so).
"""
import argparse
import json
import os
import sys
import threading
import time

import numpy as np
import psutil
from page_streams import Served, start_browser, start_reader, status  # bench/ is the script's folder

from imitate.edge.clock import Pacer, try_realtime


def bare_loop(seconds, priority):
    """Tick at 100 Hz for `seconds` doing nothing; (lateness ms array, missed ticks, got real-time,
    late ticks).

    Late ticks: (monotonic s, ms) of each tick over 1 ms late, to set beside the service's."""
    rt = try_realtime(priority)
    pacer, late, end, late_ticks = Pacer(100), [], time.monotonic() + seconds, []
    while time.monotonic() < end:
        pacer.wait()
        now = time.monotonic()
        late.append(now - pacer.due_t)
        if late[-1] > 1e-3:
            late_ticks.append((now, late[-1] * 1e3))
    return np.array(late) * 1e3, pacer.missed, rt, late_ticks


def coinciding(ticks, others, window_s=0.02):
    """How many of `ticks` [(time s, ms)] have one of `others` within `window_s`."""
    times = np.array([t for t, _ in others]) if others else np.zeros(0)
    return sum(bool(np.any(np.abs(times - t) <= window_s)) for t, _ in ticks)


def gil_hog(seconds, priority, gil_switch_ms):
    """The bare loop in a thread of this process while another thread runs pure Python (holding the
    GIL but for the switch interval): what the interpreter lock alone costs a real-time thread."""
    stop, out, previous = threading.Event(), [], sys.getswitchinterval()

    def spin():
        x = 0
        while not stop.is_set():
            for i in range(1000):
                x += i

    sys.setswitchinterval(gil_switch_ms / 1e3)
    hog = threading.Thread(target=spin)
    hog.start()
    control = threading.Thread(target=lambda: out.append(bare_loop(seconds, priority)))
    control.start()
    control.join()
    stop.set()
    hog.join()
    sys.setswitchinterval(previous)
    late, overruns, rt, _ = out[0]
    return (
        f"bare loop in a thread beside a pure-Python thread, {seconds:.0f} s (GIL switch {gil_switch_ms} ms)",
        float(np.percentile(late, 50)),
        float(np.percentile(late, 99)),
        overruns,
        f"max {late.max():.2f} ms" + ("" if rt else ", NOT real-time"),
    )


def run(
    policy,
    seconds,
    priority,
    gil_switch_ms,
    robot_process=False,
    record=False,
    streams=False,
    browser=False,
    nice=0,
    control="auto",
    robot_transport="dds",
):
    """One serve with the bare loop beside it; two table rows."""
    serve = Served(
        policy,
        {
            "IMITATE_RT_PRIORITY": str(priority),
            "IMITATE_GIL_SWITCH_MS": str(gil_switch_ms),
            "IMITATE_CONTROL": control,
        },
        robot_process,
        record,
        nice,
        robot_transport,
    )
    try:
        clients = [
            start(serve.url, seconds)
            for start, on in ((start_reader, streams), (start_browser, browser))
            if on
        ]
        start_ticks = status(serve.url)["loop"]["ticks"]
        cpu_before, service_before = psutil.cpu_times(), tree_cpu(serve.pid)
        late, overruns, rt, bare_late = bare_loop(seconds, priority)
        after = status(serve.url)
        loop, cpu_after, service_cpu = after["loop"], psutil.cpu_times(), tree_cpu(serve.pid) - service_before
        for client in clients:
            client.wait(timeout=60)
    finally:
        serve.stop()
    if loop["ticks"] - start_ticks < 0.9 * seconds * 100:
        raise RuntimeError("the service's loop did not tick through the run")
    steal = stolen_percent(cpu_before, cpu_after)
    with_what = ", ".join(
        w
        for w, on in (
            (f"robot in its own process ({robot_transport})", robot_process),
            ("recording rollouts", record),
            ("3 MJPEG streams read", streams),
            ("Chromium on the Record page", browser),
            (f"nice {nice}", nice),
        )
        if on
    )
    kept = loop.get("late_ticks", [])
    over_period = [(t, ms) for t, ms in kept if ms >= 10.0]  # the missed ticks among those kept
    served = (
        f"imitate serve's control {loop.get('control', 'thread')} (GIL switch {gil_switch_ms} ms"
        f"{'; ' + with_what if with_what else ''})",
        loop["period_error_p50_ms"],
        loop["period_error_p99_ms"],
        loop["missed_ticks"],
        f"inference p50/p99 {loop['infer_p50_ms']:.1f} / {loop['infer_p99_ms']:.1f} ms; "
        f"{loop.get('ticks_late_over_1ms', '?')} ticks > 1 ms (max of the last {len(kept)}: "
        f"{max((ms for _, ms in kept), default=0):.2f} ms), of those "
        f"{coinciding(kept, bare_late)} with the bare loop late too (±20 ms), of its kept ticks a period or "
        "more "
        f"late {len(over_period)}, {coinciding(over_period, bare_late)} of them with the bare loop late too; "
        f"observation to command p50 "
        f"{loop['obs_to_command_p50_ms']:.1f} ms; the service's CPU {100 * service_cpu / seconds:.0f}% of a "
        "core "
        f"(its control process included); CPU stolen by the host {steal:.1f}%",
    )
    bare = (
        "bare loop, own process, beside it",
        float(np.percentile(late, 50)),
        float(np.percentile(late, 99)),
        overruns,
        f"p99.9 {np.percentile(late, 99.9):.2f} ms, max {late.max():.2f} ms, "
        f"{int(np.sum(late > 1))} ticks > 1 ms" + ("" if rt else ", NOT real-time"),
    )
    if record:  # saved when the service stopped (SIGTERM)
        info = serve.data / "datasets" / "rollouts" / "meta" / "info.json"
        if not info.exists():
            raise RuntimeError(f"the rollout recording left no dataset ({info} is missing)")
        served = served[:-1] + (
            served[-1] + f"; recorded {json.loads(info.read_text())['total_frames']} frames",
        )
    return [served, bare]


def tree_cpu(pid):
    """CPU seconds so far of process `pid` and its children (the control process, encoders)."""
    procs = [psutil.Process(pid)]
    procs += procs[0].children(recursive=True)
    total = 0.0
    for proc in procs:
        try:
            total += sum(proc.cpu_times()[:2])
        except psutil.NoSuchProcess:
            pass
    return total


def stolen_percent(before, after):
    """Share of CPU time the hypervisor gave to other guests (steal) between two psutil.cpu_times()."""
    total = sum(after) - sum(before)
    return 100.0 * (after.steal - before.steal) / total if total > 0 else 0.0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--policy", required=True, help="a policy package folder")
    parser.add_argument("--seconds", type=float, default=600)
    parser.add_argument("--rt-priority", type=int, default=50)
    parser.add_argument("--gil-switch-ms", type=float, nargs="+", default=[5.0, 0.2])
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="run the settings in turn this many times (interleaved, so a noisy spell of the host hits both)",
    )
    parser.add_argument(
        "--hog-seconds",
        type=float,
        default=20,
        help="first, the interpreter lock alone: seconds per setting (0: skip)",
    )
    parser.add_argument(
        "--robot-process",
        action="store_true",
        help="the simulated robot in its own process, "
        "over DDS, as a robot's drivers are (default: inside the service, rendering its cameras there)",
    )
    parser.add_argument(
        "--robot-transport",
        default="dds",
        choices=["dds", "zenoh"],
        help="with --robot-process: how the robot and the service talk (zenoh: through a router)",
    )
    parser.add_argument(
        "--record",
        action="store_true",
        help="the service records the rollouts (started as the Inference page does)",
    )
    parser.add_argument(
        "--streams", action="store_true", help="another process reads the 3 camera MJPEG streams"
    )
    parser.add_argument(
        "--browser", action="store_true", help="Chromium shows the Record page on this machine"
    )
    parser.add_argument("--nice", type=int, default=0, help="the service's niceness (the Jetson unit's: -5)")
    parser.add_argument(
        "--control",
        nargs="+",
        default=["auto"],
        choices=["auto", "thread", "process"],
        help="where the service's control tick runs (IMITATE_CONTROL); several: side by side",
    )
    args = parser.parse_args()
    rows = (
        [gil_hog(args.hog_seconds, args.rt_priority, ms) for ms in args.gil_switch_ms]
        if args.hog_seconds
        else []
    )
    for _ in range(args.rounds):
        for ms in args.gil_switch_ms:
            for control in args.control:
                rows += run(
                    os.path.abspath(args.policy),
                    args.seconds,
                    args.rt_priority,
                    ms,
                    args.robot_process,
                    args.record,
                    args.streams,
                    args.browser,
                    args.nice,
                    control,
                    args.robot_transport,
                )
    transport = args.robot_transport if args.robot_process else "sim"
    print(
        f"\n{args.seconds:.0f} s per serve run, SCHED_FIFO {args.rt_priority}, `imitate serve --transport "
        f"{transport}` "
        f"running {args.policy} (ONNX Runtime CPU), {os.cpu_count()} cores"
    )
    print("| loop | period error p50 / p99 ms | missed ticks | notes |\n|---|---|---|---|")
    for name, p50, p99, missed, notes in rows:
        print(f"| {name} | {p50:.3f} / {p99:.3f} | {missed} | {notes} |")


if __name__ == "__main__":
    main()
