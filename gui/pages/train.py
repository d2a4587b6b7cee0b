"""Train: start a training run (a subprocess), live loss and progress, checkpoints, export, engine."""
import importlib.util
import json
import os
import shutil
from pathlib import Path

from flask import Blueprint, jsonify, render_template

from ..api import ApiError, body, ctx, field_value, named_folder
from ..jobs import run_summary

bp = Blueprint("train", __name__)
DEVICES = ("auto", "cpu", "cuda")
GPU_NODES = ("/dev/nvidia0", "/dev/nvhost-gpu", "/dev/nvgpu")  # a discrete NVIDIA GPU, a Jetson's


def devices():
    """The devices worth offering here: cuda only where an NVIDIA GPU exists (no torch import)."""
    has_gpu = shutil.which("nvidia-smi") is not None or any(os.path.exists(p) for p in GPU_NODES)
    return DEVICES if has_gpu else ("auto", "cpu")


@bp.route("/train")
def page():
    """GET /train: the Train page."""
    # lazy: the trainer's presets, read only by the Train page
    from imitate.trainer.presets import POLICIES, PRESETS
    return render_template("train.html", presets=list(PRESETS), policies=list(POLICIES), devices=devices())


@bp.route("/api/runs")
def runs():
    """GET /api/runs: every run with progress, loss curve, checkpoints and job state."""
    config, _, jobs = ctx()
    out = []
    for folder in sorted(
        (p for p in config.runs.iterdir() if p.is_dir()), key=lambda p: p.stat().st_mtime, reverse=True
    ):
        summary = run_summary(folder)
        summary["job"] = jobs.state(folder.name)
        summary["export"] = jobs.state(f"export:{folder.name}")
        summary["exported"] = (config.policies / folder.name / "policy.json").exists()
        if summary["exported"]:  # its parity, what the export proved
            spec = json.loads((config.policies / folder.name / "policy.json").read_text())
            summary["parity"] = spec.get("parity", {}).get("max_abs_error")
        for job in ("job", "export"):
            if (summary[job] or "").startswith("failed"):  # why, not just the exit code
                summary[f"{job}_log"] = jobs.log_tail(
                    folder.name if job == "job" else f"export:{folder.name}"
                )
        out.append(summary)
    return jsonify(runs=out, tensorrt=importlib.util.find_spec("tensorrt") is not None)


@bp.route("/api/train/start", methods=["POST"])
def start():
    """POST /api/train/start {name, dataset, policy, preset, steps, device, resume}: a run name already
    used is refused (409) unless "resume" is true: then it goes on from its last checkpoint."""
    # lazy: the trainer's presets, read only by the Train page
    from imitate.trainer.presets import POLICIES, PRESETS

    config, _, jobs = ctx()
    data = body()
    name = field_value(data, "name", str, required=True)
    run = named_folder(config.runs, name, "run name")
    dataset = named_folder(config.datasets, field_value(data, "dataset", str, required=True), "dataset")
    if not (dataset / "meta" / "info.json").exists():
        raise ApiError(f"no dataset {dataset.name!r} in {config.datasets}", 404)
    policy = field_value(data, "policy", str, "act")
    preset = field_value(data, "preset", str, "cpu_small")
    device = field_value(data, "device", str, "auto")
    for value, allowed, what in (
        (policy, POLICIES, "policy"),
        (preset, PRESETS, "preset"),
        (device, devices(), "device"),
    ):
        if value not in allowed:
            raise ApiError(f"'{what}' must be one of {', '.join(allowed)} on this machine, got {value!r}")
    steps = field_value(data, "steps", int, 1000, 1, 1_000_000)
    resume = field_value(data, "resume", bool, False)
    if run.exists() and any(run.iterdir()) and not resume:
        summary = run_summary(run)
        raise ApiError(
            f"run {run.name!r} exists (step {summary['step']} of {summary['steps'] or '?'}): resume it, "
            "or choose another name",
            409,
        )
    pid = jobs.train(run.name, dataset, policy, preset, steps, device, resume=resume)
    return jsonify(run=run.name, pid=pid)


@bp.route("/api/runs/<name>/stop", methods=["POST"])
def stop(name):
    """POST /api/runs/<name>/stop: stop its training."""
    _, _, jobs = ctx()
    jobs.stop(named_folder(ctx()[0].runs, name, "run name").name)
    return jsonify(stopped=name)


@bp.route("/api/runs/<name>/export", methods=["POST"])
def export(name):
    """POST /api/runs/<name>/export {package, replace}: export its last checkpoint into
    policies/<package> (default: the run's name). Never over the package a policy is running from;
    over another existing package only with "replace": true (409 otherwise, the page asks)."""
    config, runtime, jobs = ctx()
    run = named_folder(config.runs, name, "run name")
    data = body()
    package = named_folder(config.policies, field_value(data, "package", str, run.name), "package name")
    running = getattr(runtime, "policy_path", None)
    if running and Path(running).resolve() == package.resolve():
        raise ApiError(
            f"{package.name} is driving the robot from policies/{package.name}: stop it first, or export "
            "under another package name",
            409,
        )
    if (package / "policy.json").exists() and not field_value(data, "replace", bool, False):
        raise ApiError(
            f"policies/{package.name} exists: replace it, or export under another package name", 409
        )
    if not (run / "checkpoints").is_dir():
        raise ApiError(f"run {name!r} has no checkpoint yet", 404)
    dataset = None
    train_config = run / "checkpoints" / "last" / "pretrained_model" / "train_config.json"
    if train_config.exists():  # the dataset it trained on: joint names and frames for the parity check
        dataset = json.loads(train_config.read_text()).get("dataset", {}).get("root")
    return jsonify(pid=jobs.export(run.name, dataset, package.name), policy=package.name)


@bp.route("/api/policies/<name>/engine", methods=["POST"])
def engine(name):
    """POST /api/policies/<name>/engine: build its TensorRT engine (where TensorRT exists)."""
    config, _, jobs = ctx()
    package = named_folder(config.policies, name, "policy name")
    if not (package / "policy.json").exists():
        raise ApiError(f"no policy package {name!r}", 404)
    if importlib.util.find_spec("tensorrt") is None:
        raise ApiError(
            "TensorRT is not installed here: engines are built on the Jetson (or a machine with TensorRT)",
            409,
        )
    return jsonify(pid=jobs.build_engine(package.name))
