"""Inference: choose a policy package, start and stop it, live actions vs state, latency, safety."""
import json
import time
from pathlib import Path

from flask import Blueprint, jsonify, render_template, request

from ..api import ApiError, body, ctx, field_value, named_folder
from .record import camera_tiles

bp = Blueprint("inference", __name__)


@bp.route("/inference")
def page():
    """GET /inference: the Inference page."""
    _, runtime, _ = ctx()
    return render_template("inference.html", cameras=camera_tiles(runtime.profile))


@bp.route("/api/policies")
def policies():
    """GET /api/policies: the packages in data/policies."""
    config, _, _ = ctx()
    out = []
    folders = [p for p in config.policies.iterdir() if (p / "policy.json").exists()]
    for folder in sorted(
        folders, key=lambda p: (p / "policy.json").stat().st_mtime, reverse=True
    ):  # newest first
        try:
            spec = json.loads((folder / "policy.json").read_text())
        except ValueError:
            out.append({"name": folder.name, "error": "policy.json is not valid JSON"})
            continue
        out.append(
            {
                "name": folder.name,
                "type": spec.get("policy_type"),
                "kind": spec.get("kind", "onnx"),  # lerobot: a checkpoint the torch backend runs
                "needs_task": bool(spec.get("needs_task")),
                "fps": spec.get("fps"),
                "cameras": [c["name"] for c in spec.get("inputs", {}).get("cameras", [])],
                "parity": spec.get("parity", {}).get("max_abs_error"),
                "tensorrt": bool(spec.get("tensorrt")),
                "date": time.strftime(
                    "%Y-%m-%d %H:%M", time.localtime((folder / "policy.json").stat().st_mtime)
                ),
            }
        )
    return jsonify(policies=out)


@bp.route("/api/policy/start", methods=["POST"])
def start():
    """POST /api/policy/start {name | path, record, replace, task}: run a package through the safety filter
    (a VLA prompted with "task").
    While another policy drives the robot: 409 unless "replace" is true (the page asks first)."""
    config, runtime, _ = ctx()
    data = body()
    name = field_value(data, "name", str)
    path = field_value(data, "path", str)
    if bool(name) == bool(path):
        raise ApiError(
            "give the policy as {\"name\": <package in the policies folder>} (or \"path\" inside it)"
        )
    package = named_folder(config.policies, name, "policy name") if name else config.policies / path
    if not package.resolve().is_relative_to(config.data.resolve()):
        raise ApiError(
            f"{path!r} is outside the data folder {config.data}: put policy packages in {config.policies}",
            403,
        )
    running = getattr(runtime, "policy_path", None)
    if running and not field_value(data, "replace", bool, False):
        raise ApiError(
            f"{Path(running).name} is driving the robot: stop it first, or confirm the swap "
            "(\"replace\": true)",
            409,
        )
    record = field_value(data, "record", str)
    record_folder = named_folder(config.datasets, record, "rollout dataset") if record else None
    task = (field_value(data, "task", str) or "").strip() or None
    if task and len(task) > 500:
        raise ApiError(f"task: {len(task)} characters; expected an instruction of at most 500")
    runtime.start_policy(package, record=record_folder, page=request.headers.get("X-Page-Id"), task=task)
    return jsonify(policy=package.name, record=record, task=task, estop=runtime.estopped)


@bp.route("/api/policy/plan")
def plan():
    """GET /api/policy/plan: the running policy's newest chunk (targets ahead of now) and its raw
    target now, by joint name; {"plan": null} when no policy runs or before its first chunk."""
    _, runtime, _ = ctx()
    session = getattr(runtime, "session", None)
    out = session.loop.plan() if session else None
    return jsonify(plan=out, names=runtime.profile.joint_names, time=time.time())


@bp.route("/api/policy/stop", methods=["POST"])
def stop():
    """POST /api/policy/stop: stop the policy; the robot holds."""
    _, runtime, _ = ctx()
    runtime.stop_policy()
    return jsonify(policy=None)
