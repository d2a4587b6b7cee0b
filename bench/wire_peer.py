"""A peer on the ROS 2 wire: `talk SECONDS [TRANSPORT]` publishes, `listen SECONDS [TRANSPORT]` counts
until quiet (TRANSPORT: dds by default, ros2 or zenoh).

JointState at 200 Hz (reliable) and a 640x480 JPEG CompressedImage at 30 Hz (best effort), stamped
with the wall clock so the listener measures latency. Run as two processes over DDS (the
two-process test, bench/transport.py) or as two threads over the sim bus. Prints one JSON line.
"""
import json
import sys
import threading
import time

import cv2
import numpy as np

from imitate.edge import messages as m
from imitate.edge.transport import make_transport

JS, IMG = "sensor_msgs/msg/JointState", "sensor_msgs/msg/CompressedImage"
NAMES = [f"arm_l_joint{i}" for i in range(1, 8)]


def frames(count=30):
    rng = np.random.default_rng(0)
    out = []
    for i in range(count):
        img = (np.linspace(0, 255, 640)[None, :, None] + rng.normal(0, 20, (480, 640, 3)) + i).clip(0, 255)
        out.append(cv2.imencode(".jpg", img.astype(np.uint8), [cv2.IMWRITE_JPEG_QUALITY, 80])[1].tobytes())
    return out


def talk(t, seconds):
    """Publish for `seconds` on transport `t`; returns the counts sent."""
    jpegs = frames()
    t.advertise("/joint_states", JS)
    t.advertise("/image/compressed", IMG, qos="sensor_data")
    time.sleep(1.0)  # discovery: the listener matches our writers before the first sample
    counts = {"joint_states": 0, "images": 0}
    start = time.monotonic()
    n_js, n_img = int(seconds * 200), int(seconds * 30)
    while counts["joint_states"] < n_js or counts["images"] < n_img:
        now = time.monotonic() - start
        if counts["joint_states"] < n_js and now >= counts["joint_states"] / 200:
            t.publish("/joint_states", JS, m.joint_state(NAMES, np.full(7, counts["joint_states"], float)))
            counts["joint_states"] += 1
        if counts["images"] < n_img and now >= counts["images"] / 30:
            t.publish(
                "/image/compressed", IMG, m.compressed_image(jpegs[counts["images"] % 30]), qos="sensor_data"
            )
            counts["images"] += 1
        time.sleep(0.0005)
    time.sleep(0.5)
    return counts


def listen(t, seconds):
    """Count and time what arrives on transport `t`, for at most `seconds` or until quiet."""
    lat_js, lat_img, bad, indices = [], [], [0], set()
    lock = threading.Lock()

    def on_js(msg):
        with lock:
            lat_js.append((time.time_ns() - m.stamp_ns(msg)) / 1e6)
            indices.add(int(msg.position[0]))

    def on_img(msg):
        with lock:
            lat_img.append((time.time_ns() - m.stamp_ns(msg)) / 1e6)
        if bytes(msg.data[:2]) != b"\xff\xd8":
            bad[0] += 1

    t.subscribe("/joint_states", JS, on_js)
    t.subscribe("/image/compressed", IMG, on_img, qos="sensor_data")
    end, seen = time.monotonic() + seconds, -1  # at most `seconds`; done once the talker goes quiet
    while time.monotonic() < end:
        time.sleep(1.0)
        with lock:
            count = len(lat_js)
        if count and count == seen:
            break
        seen = count
    p = lambda xs, q: float(np.percentile(xs, q)) if xs else float("nan")  # noqa: E731
    missing = sorted(set(range(max(indices) + 1)) - indices) if indices else []
    return {
        "joint_states": len(lat_js),
        "js_missing": missing[:20],
        "images": len(lat_img),
        "bad_images": bad[0],
        "js_p50_ms": p(lat_js, 50),
        "js_p99_ms": p(lat_js, 99),
        "img_p50_ms": p(lat_img, 50),
        "img_p99_ms": p(lat_img, 99),
    }


if __name__ == "__main__":
    role, seconds = sys.argv[1], float(sys.argv[2])
    with make_transport(sys.argv[3] if len(sys.argv) > 3 else "dds") as transport:
        print(json.dumps((talk if role == "talk" else listen)(transport, seconds)))
