"""Inference per chunk on the robot's computer: every edge backend this machine has, for each policy
package given, batch 1, p50/p99 ms, and each one's max abs error against ONNX Runtime on the CPU (the
backend the exporter proved against lerobot). Only imitate.edge is imported: no torch, no lerobot, so
it runs on a Jetson with just the edge install. jetson/bench-orin.sh calls it; so can anyone:

    python3 bench/edge_backends.py PACKAGE [PACKAGE ...] [--runs 50]

Rows for backends this machine lacks say so. Markdown rows go to stdout.
"""
import argparse
import sys

import numpy as np
from timing import p50_p99_ms  # bench/timing.py, beside this script

from imitate.edge.policy import make_policy
from imitate.edge.policy.factory import package_has_engine
from imitate.edge.policy.ort_policy import available_providers
from imitate.edge.policy.tensorrt_policy import tensorrt_available
from imitate.edge.policy_package import load_package

PROVIDERS = {
    "ort-cpu": "CPUExecutionProvider",
    "ort-cuda": "CUDAExecutionProvider",
    "ort-tensorrt": "TensorrtExecutionProvider",
}


def rows(path, runs, only=None):
    """Markdown rows for one package (the backends in `only`, else all)."""
    package = load_package(path)
    samples = np.load(package.root / "samples.npz")
    obs = {"state": samples["state"][0], "images": {c: samples[f"image_{c}"][0] for c in package.cameras}}
    noise = samples["noise"][0] if "noise" in samples else None
    name = f"{package.policy_type} ({package.root.name})"
    reference = make_policy(package.root, backend="ort-cpu")
    expected = reference.actions(obs, noise=noise)
    have = available_providers()
    backends = list(PROVIDERS)
    if package_has_engine(package):
        backends.append("tensorrt")
    out = []
    for backend in [b for b in backends if not only or b in only]:
        if backend in PROVIDERS and PROVIDERS[backend] not in have:
            out.append(f"| {name} | {backend} | - | - | - | not installed (onnxruntime-gpu) |")
            continue
        if backend == "tensorrt" and not tensorrt_available():
            out.append(f"| {name} | {backend} | - | - | - | TensorRT not installed |")
            continue
        policy = make_policy(package.root, backend=backend)
        policy.reset()
        error = float(np.abs(policy.actions(obs, noise=noise) - expected).max())
        (p50, p99), _ = p50_p99_ms(lambda p=policy: p.infer(obs), runs)
        precision = package.spec.get("tensorrt", {}).get("fp16") if backend == "tensorrt" else None
        note = "fp16" if precision else "fp32" if backend == "tensorrt" else ""
        out.append(f"| {name} | {backend} | {p50:.2f} | {p99:.2f} | {error:.1e} | {note} |")
    if not package_has_engine(package) and (not only or "tensorrt" in only):
        out.append(f"| {name} | tensorrt | - | - | - | no engine: `imitate build-engine {package.root}` |")
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("packages", nargs="+", help="policy package folders (`imitate export`)")
    parser.add_argument("--runs", type=int, default=50, help="timed chunks per backend (default 50)")
    parser.add_argument("--backends", help="comma-separated, of: " + ",".join([*PROVIDERS, "tensorrt"]))
    args = parser.parse_args()
    only = args.backends.split(",") if args.backends else None
    print("| policy | backend | p50 ms | p99 ms | max abs error vs ort-cpu | note |")
    print("| --- | --- | --- | --- | --- | --- |")
    for path in args.packages:
        for line in rows(path, args.runs, only):
            print(line, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
