"""Train: start a training run (a subprocess), live loss and progress, checkpoints, export, engine."""
import importlib.util
import json

from flask import Blueprint, jsonify, render_template

from ..app import ApiError, body, ctx, field_value, named_folder

from ..jobs import run_summary

bp = Blueprint("train", __name__)
DEVICES = ("auto", "cpu", "cuda")



@bp.route("/train")
def page():
    """GET /train: the Train page."""
    from imitate.trainer.presets import POLICIES, PRESETS
    return render_template("train.html", presets=list(PRESETS), policies=list(POLICIES), devices=DEVICES)


@bp.route("/api/runs")
def runs():
    """GET /api/runs: every run with progress, loss curve, checkpoints and job state."""
    config, _, jobs = ctx()
    out = []
    for folder in sorted((p for p in config.runs.iterdir() if p.is_dir()), key=lambda p: p.stat().st_mtime, reverse=True):
        summary = run_summary(folder)
        summary["job"] = jobs.state(folder.name)
        summary["export"] = jobs.state(f"export:{folder.name}")
        summary["exported"] = (config.policies / folder.name / "policy.json").exists()
        out.append(summary)
    return jsonify(runs=out, tensorrt=importlib.util.find_spec("tensorrt") is not None)


@bp.route("/api/train/start", methods=["POST"])
def start():
    """POST /api/train/start {name, dataset, policy, preset, steps, device}."""
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
    for value, allowed, what in ((policy, POLICIES, "policy"), (preset, PRESETS, "preset"), (device, DEVICES, "device")):
        if value not in allowed:
            raise ApiError(f"'{what}' must be one of {', '.join(allowed)}, got {value!r}")
    steps = field_value(data, "steps", int, 1000, 1, 1_000_000)
    pid = jobs.train(run.name, dataset, policy, preset, steps, device)
    return jsonify(run=run.name, pid=pid)


@bp.route("/api/runs/<name>/stop", methods=["POST"])
def stop(name):
    """POST /api/runs/<name>/stop: stop its training."""
    _, _, jobs = ctx()
    jobs.stop(named_folder(ctx()[0].runs, name, "run name").name)
    return jsonify(stopped=name)


@bp.route("/api/runs/<name>/export", methods=["POST"])
def export(name):
    """POST /api/runs/<name>/export: export its last checkpoint."""
    config, _, jobs = ctx()
    run = named_folder(config.runs, name, "run name")
    if not (run / "checkpoints").is_dir():
        raise ApiError(f"run {name!r} has no checkpoint yet", 404)
    dataset = None
    train_config = run / "checkpoints" / "last" / "pretrained_model" / "train_config.json"
    if train_config.exists():  # the dataset it trained on: joint names and frames for the parity check
        dataset = json.loads(train_config.read_text()).get("dataset", {}).get("root")
    return jsonify(pid=jobs.export(run.name, dataset), policy=run.name)


@bp.route("/api/policies/<name>/engine", methods=["POST"])
def engine(name):
    """POST /api/policies/<name>/engine: build its TensorRT engine (where TensorRT exists)."""
    config, _, jobs = ctx()
    package = named_folder(config.policies, name, "policy name")
    if not (package / "policy.json").exists():
        raise ApiError(f"no policy package {name!r}", 404)
    if importlib.util.find_spec("tensorrt") is None:
        raise ApiError("TensorRT is not installed here: engines are built on the Jetson (or a machine with TensorRT)",
                       409)
    return jsonify(pid=jobs.build_engine(package.name))
