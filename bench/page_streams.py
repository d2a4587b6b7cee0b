"""The command loop while the control page streams: `imitate serve` on the simulated robot running a
policy: with no browser; with the three camera MJPEG streams read by another process (what a browser
on the operator's laptop costs the robot: serving the bytes); with headless Chromium on the Record
page on this same machine (streams, rendering and the live joint plot competing for its cores).
One table, same machine, same package, one run each.

    .venv/bin/python bench/page_streams.py --policy PKG [--seconds 600] [--rt-priority 50]

--rt-priority runs the service as the Jetson's systemd unit does (IMITATE_RT_PRIORITY: the control
thread on SCHED_FIFO; needs root or an RLIMIT_RTPRIO, else the service warns and runs without).

Printed per run: the loop's period error p50/p99 and missed ticks (from /api/status, the loop's own
numbers over its last 10 minutes), inference p50/p99, commands sent, the service's CPU (psutil,
% of one core) and, with the browser, the camera frames each stream delivered.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request

import psutil

from imitate.demo_page import free_port

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
COUNT_FRAMES = """async (cams) => {  // read each MJPEG stream for 5 s and count its frame boundaries
  const counts = {};
  await Promise.all(cams.map(async (c) => {
    const reader = (await fetch(`/api/camera/${c}.mjpg`)).body.getReader(), end = Date.now() + 5000;
    let n = 0;
    while (Date.now() < end) { const {value} = await reader.read(); n += (new TextDecoder().decode(value).match(/--frame/g) || []).length; }
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


def start_serve(policy, env):
    """`imitate serve --transport sim --policy PKG` with extra environment, once its loop ticks; (process, url)."""
    port, data = free_port(), tempfile.mkdtemp(prefix="bench-serve-")
    url = f"http://127.0.0.1:{port}"
    serve = subprocess.Popen([sys.executable, "-m", "imitate.cli", "serve", "--transport", "sim", "--policy", policy,
                              "--data", data, "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                             env={**os.environ, **env})
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if (status(url).get("loop") or {}).get("ticks", 0) > 200:
                return serve, url
        except OSError:
            pass
        time.sleep(0.5)
    serve.terminate()
    raise RuntimeError("imitate serve did not start its loop within 60 s")


def run(policy, seconds, browser, reader=False, rt_priority=0):
    serve, url = start_serve(policy, {"IMITATE_RT_PRIORITY": str(rt_priority)})
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
                    f"{c} {n:.0f}" for c, n in page.evaluate(COUNT_FRAMES, cams).items())
                chromium.close()
        elif reader:  # what a browser on another machine costs the robot: the bytes, not the rendering
            from imitate.edge.profile import load_profile
            cams = ",".join(load_profile("sim").camera_names)
            subprocess.run([sys.executable, "-c", READ_STREAMS, url, cams, str(seconds)], check=True)
            loop, cpu = status(url)["loop"], proc.cpu_percent()
        else:
            time.sleep(seconds)
            loop, cpu = status(url)["loop"], proc.cpu_percent()
        out.update(loop=loop, cpu=cpu)
        return out
    finally:
        serve.terminate()
        serve.wait(timeout=30)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--policy", required=True, help="policy package folder")
    parser.add_argument("--seconds", type=float, default=600.0, help="length of each run (default 600)")
    parser.add_argument("--rt-priority", type=int, default=0, help="SCHED_FIFO priority of the control thread (0: none)")
    args = parser.parse_args()
    policy, rt = os.path.abspath(args.policy), args.rt_priority
    rows = [("no browser", run(policy, args.seconds, False, rt_priority=rt)),
            ("3 streams read by another process", run(policy, args.seconds, False, reader=True, rt_priority=rt)),
            ("Record page in Chromium (same machine)", run(policy, args.seconds, True, rt_priority=rt))]
    print(f"\n{args.seconds:.0f} s per run, `IMITATE_RT_PRIORITY={rt} imitate serve --transport sim --policy "
          f"{os.path.basename(policy)}`")
    print("| run | period error p50 / p99 ms | missed ticks | inference p50 / p99 ms | commands sent | service CPU |")
    print("|---|---|---|---|---|---|")
    for name, r in rows:
        loop = r["loop"]
        print(f"| {name} | {loop['period_error_p50_ms']:.2f} / {loop['period_error_p99_ms']:.2f} | {loop['missed_ticks']} | "
              f"{loop['infer_p50_ms']:.1f} / {loop['infer_p99_ms']:.1f} | {loop['commands_sent']} | {r['cpu']:.0f}% |")
    for name, r in rows:
        if "streams" in r:
            print(f"{name}: {r['streams']}")


if __name__ == "__main__":
    main()
