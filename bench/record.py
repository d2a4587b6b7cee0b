"""Recording benchmark: imitate's dataset writer vs lerobot 0.4.4's streaming writer, same frames.

    .venv/bin/python bench/record.py [--seconds 20] [--episodes 2] [--codec av1|h264]

A synthetic robot stream at the AI Worker's sizes (cam_head 672x376, two wrist cameras 424x240, JPEG
as the robot sends them, 19 joints) is fed in real time at 30 fps into each writer, each in its own
process. Both decode the JPEGs (a ROS 2 recorder must); both encode with the same codec and crf.
Printed: CPU seconds per recorded second, peak memory, time from episode end to saved, frames
dropped (video frames missing against data rows). Targets: no drop, saved <= 0.2 s, CPU <= lerobot's.
"""
import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

from imitate.edge.dataset import DatasetWriter
from imitate.edge.profile import load_profile

CAMERAS = {"cam_head": (376, 672), "cam_wrist_1": (240, 424), "cam_wrist_2": (240, 424)}
FPS = 30


def stream(count):
    """count frames of (state (19,), action (19,), {camera: JPEG bytes}), made before timing starts."""
    out = []
    for k in range(min(count, 90)):
        images = {}
        for cam, (h, w) in CAMERAS.items():
            img = np.zeros((h, w, 3), np.uint8)
            img[:] = np.linspace(40, 200, w, dtype=np.uint8)[None, :, None]
            cv2.circle(img, (int(w * (0.2 + 0.6 * k / 90)), h // 2), h // 8, (30, 40, 200), -1, cv2.LINE_AA)
            images[cam] = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, 90])[1].tobytes()
        out.append((np.full(19, k / 100, np.float32), np.full(19, -k / 100, np.float32), images))
    return [out[i % len(out)] for i in range(count)]


def run_imitate(root, frames, episodes, codec):
    writer = DatasetWriter(root, load_profile("sim"), codec=codec)
    saves = []
    for _ in range(episodes):
        writer.begin_episode("bench")
        feed(frames, lambda s, a, im: writer.add_frame(s, a, im))
        t = time.monotonic()
        saved = writer.save_episode()
        saves.append(time.monotonic() - t)
        assert saved.frames == len(frames)
    return saves, 0  # imitate never drops: a mismatch refuses the save


def run_lerobot(root, frames, episodes, codec):
    from lerobot.datasets.lerobot_dataset import LeRobotDataset
    features = {"observation.state": {"dtype": "float32", "shape": (19,), "names": None},
                "action": {"dtype": "float32", "shape": (19,), "names": None}}
    for cam, (h, w) in CAMERAS.items():
        features[f"observation.images.{cam}"] = {
            "dtype": "video",
            "shape": (h, w, 3),
            "names": ["height", "width", "channels"],
        }
    ds = LeRobotDataset.create(
        "bench/lerobot",
        FPS,
        features,
        root=root,
        use_videos=True,
        streaming_encoding=True,
        vcodec={"av1": "libsvtav1", "h264": "h264"}[codec],
    )
    saves = []

    def add(state, action, images):
        frame = {"observation.state": state, "action": action, "task": "bench"}
        for cam, jpeg in images.items():  # the robot's JPEG must be decoded for lerobot too
            frame[f"observation.images.{cam}"] = cv2.cvtColor(
                cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB
            )
        ds.add_frame(frame)

    for _ in range(episodes):
        feed(frames, add)
        t = time.monotonic()
        ds.save_episode()
        saves.append(time.monotonic() - t)
    ds.finalize()
    return saves, dropped_frames(root, episodes * len(frames))


def dropped_frames(root, rows):
    import av

    total = 0
    for path in Path(root).glob("videos/*/*/*.mp4"):
        with av.open(str(path)) as container:
            total += sum(1 for _ in container.decode(video=0))
    return rows * len(CAMERAS) - total


def feed(frames, add):
    """Call add() for each frame on a 30 fps clock, as a recorder's grid does."""
    start = time.monotonic()
    for i, (state, action, images) in enumerate(frames):
        delay = start + i / FPS - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        add(state, action, images)


def child(which, root, seconds, episodes, codec):
    frames = stream(int(seconds * FPS))
    if which == "imitate":  # imports outside the measurement, for both
        import imitate.edge.dataset  # noqa: F401  (imports outside the measurement)
    else:
        import lerobot.datasets.lerobot_dataset  # noqa: F401
    r0 = resource.getrusage(resource.RUSAGE_SELF)
    saves, dropped = (run_imitate if which == "imitate" else run_lerobot)(root, frames, episodes, codec)
    r1 = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
    print(
        json.dumps(
            {
                "cpu_per_s": cpu / (seconds * episodes),
                "peak_mb": r1.ru_maxrss / 1024,
                "save_s": max(saves),
                "dropped": dropped,
            }
        )
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="episode length")
    parser.add_argument("--episodes", type=int, default=2)
    parser.add_argument("--codec", default="av1", choices=["av1", "h264"])
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--root", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args.child, args.root, args.seconds, args.episodes, args.codec)
    print(
        f"{args.episodes} episodes x {args.seconds:g} s, 3 cameras (672x376, 2x 424x240) at {FPS} fps, "
        f"19 joints, codec {args.codec}"
    )
    print(f"{'writer':<22} {'CPU s / recorded s':>19} {'peak MB':>8} {'end -> saved s':>15} {'dropped':>8}")
    for which in ("imitate", "lerobot"):
        root = Path(tempfile.mkdtemp()) / "ds"
        out = subprocess.run(
            [
                sys.executable, __file__, "--child", which, "--root", str(root), "--seconds",
                str(args.seconds), "--episodes", str(args.episodes), "--codec", args.codec,
            ],
            capture_output=True,
            text=True,
        )
        shutil.rmtree(root.parent, ignore_errors=True)
        if out.returncode:
            print(f"{which}: failed\n{out.stderr[-2000:]}")
            continue
        r = json.loads(out.stdout.strip().splitlines()[-1])
        name = "imitate DatasetWriter" if which == "imitate" else "lerobot 0.4.4 streaming"
        print(
            f"{name:<22} {r['cpu_per_s']:19.2f} {r['peak_mb']:8.0f} {r['save_s']:15.3f} {r['dropped']:8d}",
            flush=True,
        )


if __name__ == "__main__":
    main()
