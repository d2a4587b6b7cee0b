"""Inference benchmark: lerobot's own predict_action_chunk (torch eager) vs the exported package on
ONNX Runtime CPU and on imitate's torch backend, same checkpoint, same observations, one run, p50/p99
ms per chunk; then SmolVLA at full size (lerobot/smolvla_base's architecture, random weights: the
cost is the same) on the torch backend, three cameras.

    .venv/bin/python bench/inference.py [--runs 30] [--vla-runs 5]

Checkpoints: ACT as the ai_worker_act preset builds it (three cameras at full size, 512-d, chunk
100) and as cpu_small builds it, each trained one step on simulated demonstrations (weights do not
change the cost). torch's timing includes lerobot's pre- and post-processors, ORT's includes the
robot-side preprocessing (resize), so both go from raw observation to raw joint targets.
Target (DESIGN.md): ORT >= 3x faster than torch eager, outputs within 1e-4.
"""

import argparse
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path

import numpy as np
import torch
from timing import p50_p99_ms  # bench/timing.py, beside this script

from imitate.edge.images import resize_rgb
from imitate.edge.policy import make_policy
from imitate.edge.profile import load_profile
from imitate.edge.sim.synthetic import write_demonstrations
from imitate.export import checkpoint as ckpt
from imitate.export.exporter import export
from imitate.export.lerobot_package import package_lerobot
from imitate.trainer.offline_smolvla import build_vlm, save_smolvla_base


def make_checkpoint(data, out, preset, *more):
    cmd = [
        sys.executable, "-m", "imitate.cli", "train", "--dataset", str(data), "--output", str(out),
        "--preset", preset, "--steps", "1", "--batch-size", "1", "--save-freq", "1", "--num-workers", "0",
        "--frame-cache", "off", "--device", "cpu", *more,
    ]
    subprocess.run(cmd, check=True, capture_output=True, text=True)


def bench(run, data, runs, preset):

    package = export(run, run.parent / f"{preset}_pkg", dataset=data, frames=8)
    folder = ckpt.resolve(run)
    policy = ckpt.load_policy(folder)
    pre, post = ckpt.load_processors(folder, policy.config)
    runtime = make_policy(package.root, backend="ort-cpu")
    rng = np.random.default_rng(0)
    obs = {
        "state": rng.standard_normal(19).astype(np.float32),
        "images": {
            "cam_head": rng.integers(0, 256, (376, 672, 3), np.uint8),
            "cam_wrist_1": rng.integers(0, 256, (240, 424, 3), np.uint8),
            "cam_wrist_2": rng.integers(0, 256, (240, 424, 3), np.uint8),
        },
    }

    def lerobot_chunk():
        batch = {"observation.state": torch.from_numpy(obs["state"])[None]}
        for cam, size in package.cameras.items():
            img = resize_rgb(obs["images"][cam], size)
            batch[f"observation.images.{cam}"] = torch.from_numpy(img).permute(2, 0, 1)[None].float() / 255
        with torch.no_grad():
            return post(policy.predict_action_chunk(pre(batch)))[0].numpy()

    backend = make_policy(package_lerobot(run, run.parent / f"{preset}_torch", data).root, backend="torch",
                          device="cpu")
    out = {}
    for name, fn in (("torch", lerobot_chunk), ("ort", lambda: runtime.infer(obs).actions),
                     ("backend", lambda: backend.infer(obs).actions)):
        out[name] = p50_p99_ms(fn, runs, warmup=1)
    error = float(np.abs(out["torch"][1] - out["ort"][1]).max())
    return out, error, package


def smolvla_full_size(folder, data, runs):
    """SmolVLA at smolvla_base's size (random weights), fine-tuned one step on three full-size cameras
    (so its processors carry this dataset's statistics), packaged and run by the torch backend."""
    vlm = build_vlm(folder / "vlm", "full")
    base = save_smolvla_base(folder / "base", vlm, "full")
    run = folder / "smolvla"
    make_checkpoint(data, run, "smolvla_gpu", "--policy", "smolvla", "--init", str(base))
    package = package_lerobot(run, folder / "smolvla_pkg", data, vlm=vlm)
    policy = make_policy(package.root, backend="torch", device="cpu")
    obs = {
        "state": np.zeros(19, np.float32),
        "images": {c: np.zeros((h, w, 3), np.uint8) for c, (h, w) in package.cameras.items()},
        "task": "pick up the ball",
    }
    params = sum(p.numel() for p in policy.policy.parameters()) / 1e6
    return p50_p99_ms(lambda: policy.infer(obs).actions, runs, warmup=1)[0], params, package


def main():
    warnings.filterwarnings("ignore")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--vla-runs", type=int, default=5, help="chunks timed for the full-size SmolVLA")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp())
    data = folder / "data"
    write_demonstrations(data, load_profile("sim"), episodes=2, seconds=2.0)
    print(f"torch {torch.__version__} eager, {torch.get_num_threads()} threads; onnxruntime CPU; batch 1")
    print(
        f"{'checkpoint':<44} {'torch p50/p99 ms':>18} {'ORT p50/p99 ms':>16} {'speed-up':>9} "
        f"{'max |diff|':>11} {'torch backend p50/p99 ms':>26}"
    )
    for preset, label in (
        ("ai_worker_act", "ACT 512-d, 3 cameras full size, chunk 100"),
        ("cpu_small", "ACT 128-d, head camera 96x168, chunk 30"),
    ):
        run = folder / preset
        make_checkpoint(data, run, preset)
        out, error, _ = bench(run, data, args.runs, preset)
        (tp50, tp99), (op50, op99), (bp50, bp99) = out["torch"][0], out["ort"][0], out["backend"][0]
        print(
            f"{label:<44} {tp50:8.1f} /{tp99:7.1f} {op50:7.1f} /{op99:7.1f} {tp50 / op50:8.2f}x "
            f"{error:11.1e} {bp50:16.1f} /{bp99:7.1f}",
            flush=True,
        )
    (p50, p99), params, package = smolvla_full_size(folder, data, args.vla_runs)
    cameras = ", ".join(f"{c} {h}x{w}" for c, (h, w) in package.cameras.items())
    print(
        f"SmolVLA full size ({params:.0f}M parameters, random weights), {cameras}, padded to 512x512, "
        f"chunk {package.chunk_size}, 10 flow steps: torch backend p50 {p50:.0f} / p99 {p99:.0f} ms "
        f"({args.vla_runs} chunks)"
    )


if __name__ == "__main__":
    main()
