"""SmolVLA on the robot's backends, side by side in one run: lerobot eager (imitate's torch backend)
against the ONNX package on ONNX Runtime CPU, same checkpoint, same observation, same task and noise,
batch 1, three cameras at the AI Worker's sizes; then each graph alone (vision, prefix, one expert
step), and the physical bound: the chunk's FLOPs (counted by torch's FlopCounterMode on lerobot's
own predict_action_chunk) over this machine's measured float32 GEMM rate.

    .venv/bin/python bench/smolvla_onnx.py [--size full|tiny] [--runs 5]

full: lerobot/smolvla_base's architecture (SmolVLM2-500M's vision encoder and 16 of its language
layers, the action expert, images padded to 512x512) with random weights: the cost is the real one.
The checkpoint is fine-tuned one step on simulated demonstrations, so its processors carry
statistics, then exported as a user would (`imitate export`, parity on the dataset's frames).
Target (issue 23): ONNX Runtime at least 2x faster than eager, at equal outputs.
"""

import argparse
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import torch
from timing import p50_p99_ms  # bench/timing.py, beside this script

from imitate.edge.policy import make_policy
from imitate.edge.profile import load_profile
from imitate.edge.sim.synthetic import write_demonstrations
from imitate.export.exporter import export
from imitate.export.lerobot_package import package_lerobot
from imitate.trainer.offline_smolvla import build_vlm, save_smolvla_base

TASK = "pick up the ball and put it in the box"
SIZES = {"cam_head": (376, 672), "cam_wrist_1": (240, 424), "cam_wrist_2": (240, 424)}  # the AI Worker's


def fine_tuned(folder, data, size):
    """A SmolVLA of `size` on three full-size cameras, fine-tuned one step (its processors' stats)."""
    vlm = build_vlm(folder / "vlm", size)
    base = save_smolvla_base(folder / "base", vlm, size)
    run = folder / "run"
    cmd = [
        sys.executable, "-m", "imitate.cli", "train", "--dataset", str(data), "--output", str(run),
        "--preset", "smolvla_gpu", "--policy", "smolvla", "--init", str(base), "--steps", "1",
        "--batch-size", "1", "--save-freq", "1", "--num-workers", "0", "--frame-cache", "off",
        "--device", "cpu",
    ]
    subprocess.run(cmd, check=True, capture_output=True, text=True)
    return run, vlm


def gemm_gflops(n=2048, runs=5):
    """This machine's float32 matrix-multiply rate (torch, all its threads), GFLOP/s."""
    a, b = torch.randn(n, n), torch.randn(n, n)
    (p50, _), _ = p50_p99_ms(lambda: a @ b, runs, warmup=2)
    return 2 * n**3 / (p50 / 1e3) / 1e9


def chunk_gflops(policy, obs, noise):
    """The FLOPs of one lerobot chunk (matrix multiplies and convolutions), GFLOP."""
    from torch.utils.flop_counter import FlopCounterMode

    with FlopCounterMode(display=False) as counter:
        policy.actions(obs, noise=noise)
    return counter.get_total_flops() / 1e9


def graph_times(graphs, obs, noise, runs):
    """p50/p99 ms of each graph alone, on the inputs the chunk gives it."""
    state, images = graphs.inputs(obs)
    tokens, mask = graphs.prompt(obs["task"])
    run = graphs.runners
    image_tokens = run["vision"](images)[0]
    keys, values, prefix_mask = run["prefix"]([image_tokens, tokens, mask, state])
    steps = {
        "vision": lambda: run["vision"](images),
        "prefix": lambda: run["prefix"]([image_tokens, tokens, mask, state]),
        "expert": lambda: run["expert"]([noise, np.ones(1, np.float32), keys, values, prefix_mask]),
    }
    return {name: p50_p99_ms(fn, runs, warmup=1)[0] for name, fn in steps.items()}


def main():
    warnings.filterwarnings("ignore")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=("full", "tiny"), default="full")
    parser.add_argument("--runs", type=int, default=5, help="chunks timed per backend (default 5)")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp())
    data = folder / "data"
    write_demonstrations(data, load_profile("sim"), episodes=2, seconds=1.0)
    t = time.monotonic()
    run, vlm = fine_tuned(folder, data, args.size)
    trained_s, t = time.monotonic() - t, time.monotonic()
    package = export(run, folder / "onnx", dataset=data, frames=4)
    export_s = time.monotonic() - t
    lerobot = make_policy(package_lerobot(run, folder / "torch", data).root, backend="torch", device="cpu")
    graphs = make_policy(package.root, backend="ort-cpu")
    rng = np.random.default_rng(0)
    obs = {
        "state": rng.standard_normal(19).astype(np.float32),
        "images": {c: rng.integers(0, 256, (*SIZES[c], 3), np.uint8) for c in package.cameras},
        "task": TASK,
    }
    vla = package.spec["smolvla"]
    noise = rng.standard_normal((1, vla["chunk_size"], vla["max_action_dim"])).astype(np.float32)
    eager, theirs = p50_p99_ms(lambda: lerobot.actions(obs, noise=noise), args.runs, warmup=1)
    ort, ours = p50_p99_ms(lambda: graphs.actions(obs, noise=noise), args.runs, warmup=1)
    each = graph_times(graphs, obs, noise, args.runs)
    gflop, rate = chunk_gflops(lerobot, obs, noise), gemm_gflops()
    params = sum(p.numel() for p in lerobot.policy.parameters()) / 1e6
    onnx_mb = sum((package.root / g["file"]).stat().st_size for g in package.spec["graphs"].values()) / 1e6

    cams = ", ".join(f"{c} {h}x{w}" for c, (h, w) in SIZES.items() if c in package.cameras)
    print(f"SmolVLA {args.size} ({params:.1f}M parameters, random weights), {cams}, padded to "
          f"{lerobot.policy.config.resize_imgs_with_padding[0]}px, chunk {vla['chunk_size']}, "
          f"{vla['num_steps']} flow steps, batch 1")
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads; onnxruntime CPU; training 1 step "
          f"{trained_s:.0f} s, export {export_s:.0f} s ({onnx_mb:.0f} MB of ONNX), parity on the dataset's "
          f"frames {package.spec['parity']['max_abs_error']:.1e}")
    print(f"\n{'backend':<36} {'p50 ms':>9} {'p99 ms':>9} {'vs eager':>9}")
    print(f"{'lerobot eager (torch backend)':<36} {eager[0]:9.0f} {eager[1]:9.0f} {1:8.2f}x")
    print(f"{'ONNX Runtime CPU (3 graphs + loop)':<36} {ort[0]:9.0f} {ort[1]:9.0f} {eager[0] / ort[0]:8.2f}x")
    for name, (p50, p99) in each.items():
        label = f"  {name} graph" + (f" (x{vla['num_steps']} per chunk)" if name == "expert" else "")
        print(f"{label:<36} {p50:9.1f} {p99:9.1f}")
    bound_ms = gflop / rate * 1e3
    print(f"\nmax |ORT - eager| over the chunk: {np.abs(ours - theirs).max():.1e} (same noise, same task)")
    print(f"physical bound: {gflop:.1f} GFLOP per chunk / {rate:.0f} GFLOP/s float32 GEMM here = "
          f"{bound_ms:.0f} ms (ONNX Runtime at {bound_ms / ort[0]:.0%} of it)")


if __name__ == "__main__":
    main()
