"""The command loop while the control page streams: `imitate serve` on the simulated robot running a
policy: with no browser; with the three camera MJPEG streams read by another process (what a browser
on the operator's laptop costs the robot: serving the bytes); with headless Chromium on the Record
page on this same machine (streams, rendering and the live joint plot competing for its cores).
One table, same machine, same package, one run each.

    .venv/bin/python bench/page_streams.py --policy PKG [--seconds 600] [--rt-priority 50] [--robot-process]
        [--nice -5] [--runs none reader chromium]

--robot-process runs the simulated robot in a process of its own, over Cyclone DDS on loopback, as a
robot's camera and arm drivers are; without it the service renders the cameras itself. --rt-priority
runs the service as the Jetson's systemd unit does (IMITATE_RT_PRIORITY: the control
thread on SCHED_FIFO; needs root or an RLIMIT_RTPRIO, else the service warns and runs without);
--nice as its Nice=-5 does (the service's other threads ahead of a browser for the CPU: one of them
holding the interpreter lock while the browser runs would keep the control thread waiting).

Printed per run: the loop's period error p50/p99 and missed ticks (from /api/status, the loop's own
numbers over its last 10 minutes), inference p50/p99, commands sent, the service's CPU (psutil,
% of one core) and, with the browser, the camera frames each stream delivered.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import psutil

from imitate.demo_page import free_port
from imitate.edge.profile import load_profile

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
COUNT_FRAMES = """async (cams) => {  // read each MJPEG stream for 5 s and count its frame boundaries
  const counts = {};
  await Promise.all(cams.map(async (c) => {
    const reader = (await fetch(`/api/camera/${c}.mjpg`)).body.getReader(), end = Date.now() + 5000;
    let n = 0;
    while (Date.now() < end) {
      const {value} = await reader.read();
      n += (new TextDecoder().decode(value).match(/--frame/g) || []).length;
    }
    reader.cancel(); counts[c] = n / 5;
  }));
  return counts;
}"""


def status(url):
    with urllib.request.urlopen(url + "/api/status", timeout=5) as r:
        return json.load(r)


READ_STREAMS = """import sys, threading, time, urllib.request
url, cams, seconds = sys.argv[1], sys.argv[2].split(","), float(sys.argv[3])
def read(cam):
    stream, end = urllib.request.urlopen(f"{url}/api/camera/{cam}.mjpg"), time.monotonic() + seconds
    while time.monotonic() < end:
        stream.read(65536)
threads = [threading.Thread(target=read, args=(c,)) for c in cams]
[t.start() for t in threads]; [t.join() for t in threads]
"""


def until(ready, what, timeout_s=60):
    """Call ready() every 0.5 s until it returns true; a connection refused or HTTP error is a no."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if ready():
                return
        except OSError:  # urllib's errors, HTTP 400 included
            pass
        time.sleep(0.5)
    raise RuntimeError(f"{what} within {timeout_s} s")


class Served:
    """`imitate serve` running a policy, optionally with the simulated robot in a process of its own
    (over Cyclone DDS on loopback, as a robot's drivers are) and the rollouts recorded; stop() ends all."""

    def __init__(self, policy, env, robot_process=False, record=False, nice=0, robot_transport="dds"):
        port, self.data = free_port(), Path(tempfile.mkdtemp(prefix="bench-serve-"))
        self.url, self.procs, env = f"http://127.0.0.1:{port}", [], {**os.environ, **env}
        quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "env": env}
        transport = robot_transport if robot_process else "sim"
        if transport == "zenoh":  # the router a robot's rmw_zenohd would be, on a loopback port
            router = free_port()
            env["ZENOH_CONFIG_OVERRIDE"] = (
                f'connect/endpoints=["tcp/127.0.0.1:{router}"];listen/endpoints=["tcp/127.0.0.1:0"]'
            )
            self.procs.append(
                subprocess.Popen(
                    [
                        sys.executable, "-m", "imitate.cli", "zenoh-router", "--listen",
                        f"tcp/127.0.0.1:{router}",
                    ],
                    **quiet,
                )
            )
            time.sleep(2.0)
        if robot_process:
            self.procs.append(
                subprocess.Popen(
                    [sys.executable, "-m", "imitate.cli", "sim", "--transport", transport, "--leader", "off"],
                    **quiet,
                )
            )
        # --no-token: a benchmark on loopback, one user; the page's checks are tested elsewhere
        cmd = [
            sys.executable, "-m", "imitate.cli", "serve", "--transport", transport, "--no-token", "--data",
            str(self.data), "--port", str(port),
        ]
        niced = (
            ["nice", "-n", str(nice)] if nice else []
        )  # the Jetson unit's Nice=-5: the service's threads before others
        self.procs.append(subprocess.Popen(niced + cmd + ([] if record else ["--policy", policy]), **quiet))
        self.pid = self.procs[-1].pid
        try:
            if record:  # as the Inference page does: the package in data/policies, rollouts into a dataset
                shutil.copytree(policy, self.data / "policies" / "bench")
                until(
                    lambda: self.post("/api/policy/start", {"name": "bench", "record": "rollouts"}),
                    "imitate serve did not start the policy",
                )  # refused until the robot's joints are heard
            until(
                lambda: (status(self.url).get("loop") or {}).get("ticks", 0) > 200,
                "imitate serve did not start its loop",
            )
        except BaseException:
            self.stop()
            raise

    def post(self, path, payload):
        """POST JSON with the session cookie and CSRF token, as the page's JavaScript does."""
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
        with opener.open(self.url + "/api/csrf", timeout=5) as r:
            csrf = json.load(r)["csrf"]
        request = urllib.request.Request(
            self.url + path,
            json.dumps(payload).encode(),
            method="POST",
            headers={"Content-Type": "application/json", "X-CSRF-Token": csrf},
        )
        with opener.open(request, timeout=30) as r:
            return json.load(r)

    def stop(self):
        for proc in reversed(self.procs):  # the service first: it saves the rollout, then the robot
            proc.terminate()
            proc.wait(timeout=60)


BROWSE = """import sys, time
from playwright.sync_api import sync_playwright
url, seconds, flags = sys.argv[1], float(sys.argv[2]), sys.argv[3:]
with sync_playwright() as pw:
    chromium = pw.chromium.launch(executable_path="/usr/bin/chromium", args=flags)
    chromium.new_page().goto(url + "/record")
    time.sleep(seconds)
    chromium.close()
"""


def start_reader(url, seconds):
    """Another process reading the three camera MJPEG streams for `seconds`, as a remote browser would."""

    cams = ",".join(load_profile("sim").camera_names)
    return subprocess.Popen([sys.executable, "-c", READ_STREAMS, url, cams, str(seconds)])


def start_browser(url, seconds):
    """Chromium showing the Record page for `seconds` in another process (its streams, rendering, plots)."""
    return subprocess.Popen([sys.executable, "-c", BROWSE, url, str(seconds), *CHROMIUM_FLAGS])


def run(policy, seconds, browser, reader=False, rt_priority=0, robot_process=False, nice=0):
    serve = Served(policy, {"IMITATE_RT_PRIORITY": str(rt_priority)}, robot_process, nice=nice)
    url = serve.url
    try:
        proc = psutil.Process(serve.pid)
        proc.cpu_percent()
        out = {}
        if browser:
            from playwright.sync_api import sync_playwright

            with sync_playwright() as pw:
                chromium = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_FLAGS)
                page = chromium.new_page()
                page.goto(url + "/record")
                time.sleep(seconds)
                loop, cpu = status(url)["loop"], proc.cpu_percent()  # before counting opens more streams
                cams = page.eval_on_selector_all("img.camera", "els => els.map(e => e.dataset.camera)")
                widths = page.eval_on_selector_all("img.camera", "els => els.map(e => e.naturalWidth)")
                out["streams"] = f"{len(cams)} open, widths {widths}; fps " + ", ".join(
                    f"{c} {n:.0f}" for c, n in page.evaluate(COUNT_FRAMES, cams).items()
                )
                chromium.close()
        elif reader:  # what a browser on another machine costs the robot: the bytes, not the rendering
            if start_reader(url, seconds).wait() != 0:
                raise RuntimeError("reading the camera streams failed")
            loop, cpu = status(url)["loop"], proc.cpu_percent()
        else:
            time.sleep(seconds)
            loop, cpu = status(url)["loop"], proc.cpu_percent()
        out.update(loop=loop, cpu=cpu)
        return out
    finally:
        serve.stop()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--policy", required=True, help="policy package folder")
    parser.add_argument("--seconds", type=float, default=600.0, help="length of each run (default 600)")
    parser.add_argument(
        "--rt-priority", type=int, default=0, help="SCHED_FIFO priority of the control thread (0: none)"
    )
    parser.add_argument(
        "--robot-process",
        action="store_true",
        help="the simulated robot in its own process, over DDS (as on a robot), not inside the service",
    )
    parser.add_argument(
        "--nice", type=int, default=0, help="run the service at this niceness (the Jetson unit: -5)"
    )
    parser.add_argument(
        "--runs",
        nargs="+",
        default=["none", "reader", "chromium"],
        choices=["none", "reader", "chromium"],
        help="which runs (default all three)",
    )
    args = parser.parse_args()
    policy = os.path.abspath(args.policy)
    same = dict(rt_priority=args.rt_priority, robot_process=args.robot_process, nice=args.nice)
    runs = {
        "none": ("no browser", False, False),
        "reader": ("3 streams read by another process", False, True),
        "chromium": ("Record page in Chromium (same machine)", True, False),
    }
    rows = [(runs[r][0], run(policy, args.seconds, runs[r][1], runs[r][2], **same)) for r in args.runs]
    robot = (
        "`imitate sim --transport dds` + `imitate serve --transport dds"
        if args.robot_process
        else "`imitate serve --transport sim"
    )
    print(
        f"\n{args.seconds:.0f} s per run, IMITATE_RT_PRIORITY={args.rt_priority} "
        f"{f'nice -n {args.nice} ' if args.nice else ''}"
        f"{robot} --policy {os.path.basename(policy)}`"
    )
    print(
        "| run | period error p50 / p99 ms | missed ticks | inference p50 / p99 ms | commands sent | service "
        "CPU |"
    )
    print("|---|---|---|---|---|---|")
    for name, r in rows:
        loop = r["loop"]
        print(
            f"| {name} | {loop['period_error_p50_ms']:.2f} / {loop['period_error_p99_ms']:.2f} | "
            f"{loop['missed_ticks']} | "
            f"{loop['infer_p50_ms']:.1f} / {loop['infer_p99_ms']:.1f} | {loop['commands_sent']} | "
            f"{r['cpu']:.0f}% |"
        )
    for name, r in rows:
        if "streams" in r:
            print(f"{name}: {r['streams']}")


if __name__ == "__main__":
    main()
