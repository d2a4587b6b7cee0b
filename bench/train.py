"""Training throughput: `imitate train` (with and without its frame cache) vs lerobot's `lerobot-train`.

    .venv/bin/python bench/train.py [--steps 60] [--batch-size 8] [--episodes 6]

Same dataset (scripted demonstrations of the simulated task, head camera recorded at 96x168 so a
CPU can train it), same ACT configuration, same batch size, no workers, one run each. samples/s is
measured over the steps after the first ten (warm-up excluded) from each tool's own logs.
"""
import argparse
import re
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

from imitate.edge.policy.types import get_type
from imitate.edge.profile import load_profile
from imitate.edge.sim.synthetic import write_demonstrations
from imitate.trainer.data import TrainingDataset
from imitate.trainer.events import read_events

# what `imitate train --preset cpu_small` trains, given to lerobot-train too
ACT = get_type("act").small_config
PROFILE = """extends: sim
name: bench_small
cameras:
  cam_head: {topic: /zed/zed_node/left/image_rect_color/compressed, height: 96, width: 168, fps: 30}
"""


def make_dataset(folder, episodes):

    (folder / "bench_small.yaml").write_text(PROFILE)
    write_demonstrations(
        folder / "data", load_profile(folder / "bench_small.yaml"), episodes=episodes, seconds=5.0
    )
    return folder / "data"


def imitate_rate(data, out, steps, batch, cache):
    cmd = [
        sys.executable, "-m", "imitate.cli", "train", "--dataset", str(data), "--output", str(out),
        "--preset", "cpu_small", "--cameras", "cam_head", "--image-size", "96x168", "--steps", str(steps),
        "--batch-size", str(batch), "--save-freq", str(steps), "--num-workers", "0", "--frame-cache",
        "on" if cache else "off",
    ]
    subprocess.run(cmd, check=True, capture_output=True, text=True)

    events = read_events(out)
    times = {e["step"]: e["time"] for e in events if e["event"] == "step"}
    first = min(s for s in times if s >= 10)
    return (max(times) - first) * batch / (times[max(times)] - times[first])


def lerobot_rate(data, out, steps, batch):
    cmd = [
        str(Path(sys.executable).parent / "lerobot-train"),
        f"--dataset.repo_id=local/{data.name}",
        f"--dataset.root={data}",
        "--dataset.video_backend=pyav",
        "--policy.type=act",
        "--policy.push_to_hub=false",
        "--policy.device=cpu",
        "--policy.pretrained_backbone_weights=null",
        "--policy.optimizer_lr=1e-4",
        *[f"--policy.{k}={v}" for k, v in ACT.items()],
        f"--batch_size={batch}",
        f"--steps={steps}",
        "--log_freq=1",
        "--num_workers=0",
        "--save_checkpoint=false",
        f"--output_dir={out}",
    ]
    log = subprocess.run(cmd, check=True, capture_output=True, text=True).stderr
    stamps = {int(m.group(2)): m.group(1) for m in re.finditer(r"INFO (\S+ \S+) \S+ step:(\d+) ", log)}
    to_s = lambda s: time.mktime(time.strptime(s, "%Y-%m-%d %H:%M:%S"))  # noqa: E731  (1 s resolution)
    first, last = min(s for s in stamps if s >= 10), max(stamps)
    return (last - first) * batch / max(to_s(stamps[last]) - to_s(stamps[first]), 1.0)


def loading_rate(data, cameras, size, cache_dir, items=150):
    """Samples/s of the dataset alone (what a DataLoader worker does), ACT's action chunk included."""
    import random


    ds = TrainingDataset(
        data, cameras, size, delta_timestamps={"action": [i / 30 for i in range(30)]}, cache_dir=cache_dir
    )
    order = random.Random(0).sample(range(len(ds)), min(items, len(ds)))
    ds[order[0]]
    start = time.perf_counter()
    for i in order:
        ds[i]
    return len(order) / (time.perf_counter() - start)


def main():
    warnings.filterwarnings("ignore", message=".*video decoding and encoding capabilities of torchvision.*")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=60)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--episodes", type=int, default=6)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp())
    data = make_dataset(folder, args.episodes)
    rows = [
        ("lerobot-train", lerobot_rate(data, folder / "lerobot", args.steps, args.batch_size)),
        ("imitate train", imitate_rate(data, folder / "plain", args.steps, args.batch_size, cache=False)),
        (
            "imitate train + frame cache",
            imitate_rate(data, folder / "cache", args.steps, args.batch_size, cache=True),
        ),
    ]
    print(
        f"ACT ({ACT['dim_model']}-d), head camera 96x168, batch {args.batch_size}, {args.steps} steps, CPU, "
        "no workers"
    )
    print(f"{'trainer':<28} {'samples/s':>10} {'vs lerobot-train':>17}")
    for name, rate in rows:
        print(f"{name:<28} {rate:10.1f} {rate / rows[0][1]:16.2f}x")

    full = folder / "full"
    write_demonstrations(full, load_profile("sim"), episodes=2, seconds=5.0)
    cams = ["cam_head", "cam_wrist_1", "cam_wrist_2"]
    print("\ndata loading alone (where the time goes without a GPU to hide it), samples/s:")
    print(f"{'dataset':<40} {'pyav decode':>12} {'frame cache':>12}")
    for label, root, cameras in (
        ("head camera 96x168", data, ["cam_head"]),
        ("three cameras 672x376 + 2x 424x240", full, cams),
    ):
        plain = loading_rate(root, cameras, None, None)
        cached = loading_rate(root, cameras, None, folder / f"cache_{root.name}")
        print(f"{label:<40} {plain:12.1f} {cached:12.1f}  ({cached / plain:.1f}x)")


if __name__ == "__main__":
    main()
