"""`make gpu-check`: every GPU measurement imitate claims, in one command, in minutes on one GPU.

    make gpu-check                         # a CUDA machine: sets up .venv-gpu (bench/gpu-check.sh), runs this
    .venv/bin/python bench/gpu_check.py --rehearse   # this script on a CPU, small sizes, GPU rows skipped

Measured at batch 1, synchronized, on the simulated AI Worker's data (three cameras at full size):
- inference p50/p99 per chunk for ACT (ai_worker_act: 512-d, chunk 100), Diffusion (its small
  configuration, 10 DDIM steps) and SmolVLA (smolvla_base's architecture, random weights, its three
  graphs and 10 flow steps; bench/gpu_check_vla.py): lerobot in torch eager on CUDA, ONNX Runtime's
  CUDA and TensorRT execution providers, imitate's TensorRT backend FP32 and FP16; each one's max
  abs error against lerobot on the CPU (the reference every export is held to);
- training samples/s on CUDA: `imitate train` and `lerobot-train`, same dataset, model and batch;
  with several GPUs, `accelerate launch --multi_gpu` per GPU count.
One table is printed and written to artifacts/gpu-check.md. Any error fails the run (exit 1): an
engine that does not build, an error over its bound. A backend that is not installed is a row that
says so. Without a CUDA GPU it says so and exits 2 before loading anything.
"""

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RUNS = 50  # timed chunks per backend (after 3 warm-ups)
BOUND = {
    "torch-cuda": 1e-3,
    "ort-cuda": 1e-3,
    "ort-tensorrt": 1e-3,
    "tensorrt-fp32": 1e-3,
    "tensorrt-fp16": 2e-2,
}


def has_cuda():
    """Whether this machine has an NVIDIA GPU a driver answers for (nvidia-smi), without importing torch."""
    try:
        return subprocess.run(["nvidia-smi", "-L"], capture_output=True, timeout=20).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--rehearse", action="store_true", help="run on the CPU with small sizes; GPU rows skipped"
    )
    parser.add_argument("--out", default=str(ROOT / "artifacts" / "gpu-check.md"))
    args = parser.parse_args()
    if not args.rehearse and not has_cuda():
        print(
            "gpu-check: no CUDA GPU on this machine (nvidia-smi finds none): nothing to measure. "
            "Run it on a machine with an NVIDIA GPU, or --rehearse to try this script on the CPU."
        )
        return 2
    from gpu_check_parts import run_all  # lazy: torch, lerobot and onnxruntime load only with a GPU

    started = time.monotonic()
    with tempfile.TemporaryDirectory() as work:
        report = run_all(Path(work), rehearse=args.rehearse, runs=5 if args.rehearse else RUNS, bound=BOUND)
    report += f"\nTotal {time.monotonic() - started:.0f} s.\n"
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(report)
    print(report)
    print(f"written to {args.out}")
    return 1 if "FAILED" in report else 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    sys.exit(main())
