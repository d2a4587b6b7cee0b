"""The measurements of bench/gpu_check.py: training throughput, then inference per policy and backend.

Imported only on a machine with a GPU (or with --rehearse), so that `make gpu-check` without one
exits at once. Every row is measured in this run, on this machine."""

import datetime
import json
import platform
import re
import subprocess
import sys
import time
from dataclasses import replace

import numpy as np
import onnxruntime
import torch
from gpu_check_vla import smolvla_run  # bench/, beside this module
from timing import p50_p99_ms  # bench/timing.py (gpu_check.py puts bench/ on the path)

from imitate.edge.images import resize_rgb
from imitate.edge.policy import make_policy
from imitate.edge.policy.ort_policy import available_providers
from imitate.edge.policy.tensorrt_policy import (
    TensorrtPolicy,
    import_tensorrt,
    tensorrt_available,
    tensorrt_label,
)
from imitate.edge.policy.types import get_type
from imitate.edge.policy_package import load_package
from imitate.edge.profile import load_profile
from imitate.edge.sim.synthetic import write_demonstrations
from imitate.export import checkpoint as ckpt
from imitate.export.exporter import export
from imitate.export.tensorrt_engine import build_engines, build_one, check_fp16
from imitate.export.types import export_side
from imitate.export.types.diffusion import use_ddim
from imitate.trainer.loop import TrainJob, train
from imitate.trainer.presets import get_preset


def run_all(work, rehearse, runs, bound):
    """The whole check in `work`; returns the report (markdown). Rows over a bound say FAILED."""
    device = "cpu" if rehearse else "cuda"
    # lerobot's eager rows in true FP32 (cuDNN's TF32 convolutions would differ by ~1e-3 from the CPU)
    torch.backends.cudnn.allow_tf32 = torch.backends.cuda.matmul.allow_tf32 = False
    data = work / "data"
    write_demonstrations(data, load_profile("sim"), episodes=4, seconds=3.0)
    size = (
        dict(preset="cpu_small", steps=6, batch=2)
        if rehearse
        else dict(preset="ai_worker_act", steps=60, batch=8)
    )
    report = [
        header(rehearse),
        "## Training (samples/s, steady state)",
        "",
        "| trainer | policy | batch | processes | samples/s |",
        "| --- | --- | --- | --- | --- |",
    ]
    runs_by_kind = {}
    for kind in ("act", "diffusion"):
        out = work / f"run_{kind}"
        preset = replace(
            get_preset(size["preset"], kind),
            steps=size["steps"] if kind == "act" else 2,
            batch_size=size["batch"],
            log_freq=2,
            save_freq=size["steps"],
            num_workers=2,
        )
        train(TrainJob(dataset=data, output=out, preset=preset, device=device))
        runs_by_kind[kind] = out
        if kind == "act":
            report.append(
                f"| imitate train | ACT {size['preset']} | {preset.batch_size} | 1 | {steady_rate(out):.1f} |"
            )
    report.append(lerobot_train_row(work, data, device, size, rehearse))
    for row in multi_gpu_rows(work, data, size):
        report.append(row)

    report += [
        "",
        "## Inference per chunk, batch 1 (ms), and max abs error against lerobot on the CPU",
        "",
        "| policy | backend | p50 | p99 | max abs error | note |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    runs_by_kind["smolvla"] = smolvla_run(work, data, device, rehearse)
    for kind, run in runs_by_kind.items():
        package = export(run, work / f"pkg_{kind}", dataset=data, frames=4)
        report += inference_rows(kind, run, package, device, runs, bound, rehearse)
    return "\n".join(report) + "\n"


def header(rehearse):
    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "none (rehearsal on the CPU)"
    try:
        driver = (
            subprocess.run(
                ["nvidia-smi", "--query-gpu=driver_version", "--format=csv,noheader"],
                capture_output=True,
                text=True,
                timeout=20,
            ).stdout.strip()
            or "-"
        )
    except OSError:
        driver = "-"
    trt = tensorrt_label(import_tensorrt()) if tensorrt_available() else "not installed"
    return "\n".join(
        [
            f"# imitate gpu-check{' (REHEARSAL: CPU, small sizes; no GPU numbers)' if rehearse else ''}",
            "",
            f"- date: {datetime.date.today()}; GPU: {gpu}; driver {driver}",
            f"- CUDA (torch) {torch.version.cuda}; torch {torch.__version__}",
            f"- onnxruntime {onnxruntime.__version__} ({', '.join(available_providers())})",
            f"- TensorRT: {trt}; Python {platform.python_version()}",
            "",
        ]
    )


def events(run):
    return [json.loads(line) for line in (run / "events.jsonl").read_text().splitlines()]


def steady_rate(run, processes=1):
    """samples/s between the second and the last progress event (the first steps warm up)."""
    steps = [e for e in events(run) if e["event"] == "step"]
    first, last = steps[1], steps[-1]
    batch = json.loads((run / "checkpoints" / "last" / "pretrained_model" / "train_config.json").read_text())
    return (last["step"] - first["step"]) * batch["batch_size"] * processes / (last["time"] - first["time"])


def lerobot_train_row(work, data, device, size, rehearse):
    """lerobot-train on the same dataset and ACT configuration; its own update and data times."""
    policy = get_preset(size["preset"], "act").policy_overrides
    cmd = [
        sys.executable,
        "-m",
        "lerobot.scripts.lerobot_train",
        f"--dataset.repo_id=local/{data.name}",
        f"--dataset.root={data}",
        "--dataset.video_backend=pyav",
        "--policy.type=act",
        f"--policy.device={device}",
        "--policy.push_to_hub=false",
        "--policy.pretrained_backbone_weights=null",
        f"--batch_size={size['batch']}",
        f"--steps={size['steps']}",
        "--log_freq=2",
        "--num_workers=2",
        "--save_checkpoint=false",
        "--eval_freq=0",
        "--wandb.enable=false",
        f"--output_dir={work / 'lerobot'}",
    ]
    cmd += [f"--policy.{k}={v}" for k, v in policy.items() if not isinstance(v, tuple | list)]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
    if out.returncode != 0:
        return (
            f"| lerobot-train | ACT | {size['batch']} | 1 | FAILED: {out.stderr.strip().splitlines()[-1]} |"
        )
    update = re.findall(r"updt_s:([0-9.]+)", out.stdout + out.stderr)
    loading = re.findall(r"data_s:([0-9.]+)", out.stdout + out.stderr)
    rate = size["batch"] / (float(update[-1]) + float(loading[-1]))
    cameras = "all cameras, as recorded" + (" (imitate: cam_head 96x168)" if rehearse else "")
    return f"| lerobot-train | ACT {cameras} | {size['batch']} | 1 | {rate:.1f} |"


def multi_gpu_rows(work, data, size):
    """accelerate launch --multi_gpu for 2..N GPUs; nothing on a machine with one."""
    rows = []
    for n in range(2, torch.cuda.device_count() + 1):
        out = work / f"run_gpus{n}"
        cmd = [
            sys.executable,
            "-m",
            "accelerate.commands.launch",
            "--multi_gpu",
            "--num_processes",
            str(n),
            "--num_machines",
            "1",
            "--mixed_precision",
            "no",
            "--dynamo_backend",
            "no",
            "-m",
            "imitate.cli",
            "train",
            "--dataset",
            str(data),
            "--output",
            str(out),
            "--preset",
            size["preset"],
            "--steps",
            str(size["steps"]),
            "--batch-size",
            str(size["batch"]),
            "--device",
            "cuda",
        ]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
        rate = f"{steady_rate(out, n):.1f}" if done.returncode == 0 else f"FAILED: {done.stderr[-300:]}"
        rows.append(
            f"| imitate train (accelerate) | ACT {size['preset']} | {size['batch']} per GPU | {n} | {rate} |"
        )
    return rows


class Lerobot:
    """lerobot's own policy from the checkpoint, on `device`: raw observation in, raw joint targets out."""

    def __init__(self, run, package, device):
        folder = ckpt.resolve(run)
        vlm = package.root / package.spec["vlm"] if package.spec.get("vlm") else None  # a VLA's tokenizer
        self.policy = ckpt.load_policy(folder, vlm=vlm)
        self.pre, self.post = ckpt.load_processors(folder, self.policy.config, vlm)
        if "diffusion" in package.spec:  # the DDIM steps the package runs
            use_ddim(self.policy, package.spec["diffusion"]["num_inference_steps"])
        self.reference = export_side(get_type(package.policy_type)).reference_chunk
        self.policy.to(device)
        self.device, self.cameras = device, package.cameras

    def __call__(self, obs, noise=None):
        batch = {"observation.state": torch.from_numpy(obs["state"])[None]}
        if obs.get("task"):
            batch["task"] = [obs["task"]]
        for cam, size in self.cameras.items():
            image = resize_rgb(obs["images"][cam], size)
            batch[f"observation.images.{cam}"] = torch.from_numpy(image).permute(2, 0, 1)[None].float() / 255
        with torch.no_grad():
            batch = {
                k: v.to(self.device) if isinstance(v, torch.Tensor) else v for k, v in self.pre(batch).items()
            }
            self.policy.reset()
            chunk = self.reference(self.policy, batch, noise)
            return self.post(chunk.cpu())[0].numpy()  # .cpu() waits for the GPU


def inference_rows(kind, run, package, device, runs, bound, rehearse):
    samples = np.load(package.root / "samples.npz")
    obs = {"state": samples["state"][0], "images": {c: samples[f"image_{c}"][0] for c in package.cameras}}
    if "task" in samples:  # a VLA's prompt
        obs["task"] = str(samples["task"][0])
    noise = samples["noise"][0] if "noise" in samples else None
    rng = np.random.default_rng(0)
    reference = Lerobot(run, package, "cpu")(obs, noise)
    rows = []

    def row(backend, actions_fn, infer_fn, note=""):
        error = float(np.abs(actions_fn() - reference).max())
        (p50, p99), _ = p50_p99_ms(infer_fn, runs)
        limit = bound.get(backend, 1e-3)
        verdict = "" if error <= limit else f" FAILED: over {limit:.0e}"
        rows.append(f"| {kind} | {backend} | {p50:.2f} | {p99:.2f} | {error:.1e}{verdict} | {note} |")

    torch_run = Lerobot(run, package, device)
    fresh = (
        (lambda: rng.standard_normal(noise.shape).astype(np.float32)) if noise is not None else (lambda: None)
    )
    row(f"torch-{device}", lambda: torch_run(obs, noise), lambda: torch_run(obs, fresh()), "lerobot, eager")
    have = available_providers()
    for backend, provider in (
        ("ort-cpu", "CPUExecutionProvider"),
        ("ort-cuda", "CUDAExecutionProvider"),
        ("ort-tensorrt", "TensorrtExecutionProvider"),
    ):
        if backend == "ort-cpu" and not rehearse:
            continue
        if provider not in have:
            rows.append(
                f"| {kind} | {backend} | - | - | - | not installed ({provider} absent: onnxruntime-gpu) |"
            )
            continue
        policy = make_policy(package.root, backend=backend)
        row(
            backend,
            lambda p=policy: (p.reset(), p.actions(obs, noise=noise))[1],
            lambda p=policy: p.infer(obs),
        )
    rows += tensorrt_rows(kind, package, obs, noise, row, rehearse)
    return rows


def tensorrt_rows(kind, package, obs, noise, row, rehearse):
    if not tensorrt_available():
        return [
            f"| {kind} | tensorrt | - | - | - | not installed (TensorRT, or TensorRT for RTX's wheels) |"
        ]
    trt = import_tensorrt()
    if rehearse:  # the engines build on a CPU with TensorRT for RTX; running them needs the GPU
        start, size = time.monotonic(), 0
        for graph in package.spec["graphs"]:
            size += len(build_one(trt, package.graph(graph), package.root / "timing.cache", False, 1.0))
        took = time.monotonic() - start
        note = f"{len(package.spec['graphs'])} engines built ({size / 1e6:.0f} MB, {took:.0f} s); not run"
        return [f"| {kind} | tensorrt-fp32 ({tensorrt_label(trt)}) | - | - | - | {note} |"]
    rows = []
    for fp16 in (False, True):
        backend = f"tensorrt-fp{16 if fp16 else 32}"
        try:
            check_fp16(trt, fp16)
        except RuntimeError as exc:
            rows.append(f"| {kind} | {backend} | - | - | - | {exc} |")
            continue
        start = time.monotonic()
        try:
            engines = dict(zip(package.spec["graphs"], build_engines(package.root, fp16=fp16), strict=True))
            policy = TensorrtPolicy(load_package(package.root), engines)
        except Exception as exc:  # a row that says why; the run then exits 1
            rows.append(f"| {kind} | {backend} | - | - | - | FAILED: {str(exc)[:300]} |")
            continue
        note = f"{tensorrt_label(trt)}, built in {time.monotonic() - start:.0f} s"
        row(
            backend,
            lambda p=policy: (p.reset(), p.actions(obs, noise=noise))[1],
            lambda p=policy: p.infer(obs),
            note,
        )
    return rows
