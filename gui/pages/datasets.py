"""Datasets: the local datasets; per episode every joint's state and action, the videos, drop flags."""
import json

from flask import Blueprint, jsonify, render_template, send_file

from imitate.edge.dataset import DatasetError, tools
from imitate.edge.dataset.reader import DatasetReader, joint_jumps

from ..api import ApiError, body, ctx, named_folder

bp = Blueprint("datasets", __name__)


def open_dataset(name):
    """The DatasetReader of data/datasets/<name>; ApiError 404 when there is none."""
    config, _, _ = ctx()
    folder = named_folder(config.datasets, name, "dataset")
    if not folder.is_dir():
        raise ApiError(f"no dataset {name!r} in {config.datasets}", 404)
    try:
        return DatasetReader(folder)
    except DatasetError as err:
        raise ApiError(str(err), 409) from None


@bp.route("/datasets")
def page():
    """GET /datasets: the Datasets page."""
    return render_template("datasets.html")


@bp.route("/api/datasets")
def listing():
    """GET /api/datasets: every dataset with its size and Hub repo."""
    config, _, _ = ctx()
    out = []
    for folder in sorted(p for p in config.datasets.iterdir() if p.is_dir()):
        try:
            info = DatasetReader(folder).info
        except DatasetError as err:
            out.append({"name": folder.name, "error": str(err)})
            continue
        size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
        out.append({"name": folder.name, "episodes": info["total_episodes"], "frames": info["total_frames"],
                    "fps": info["fps"], "robot_type": info.get("robot_type"), "size_mb": round(size / 1e6, 1),
                    "hub": _hub_repo(folder)})
    return jsonify(datasets=out)


def _hub_repo(folder):
    path = folder / "meta" / "hub.json"  # written by `imitate hub push-dataset`
    try:
        return json.loads(path.read_text())["repo_id"] if path.exists() else None
    except (ValueError, KeyError):
        return None


@bp.route("/api/datasets/<name>")
def dataset(name):
    """GET /api/datasets/<name>: its episodes, cameras, joints and tasks."""
    ds = open_dataset(name)
    episodes = [
        {
            "index": e["episode_index"],
            "length": e["length"],
            "tasks": e["tasks"],
            "dropped": sum(
                e.get(f"imitate/stale/{c}", 0) + e.get(f"imitate/repeated/{c}", 0) for c in ds.cameras
            ),
            "flags": e.get("imitate/flags") or [],
        }
        for e in ds.episodes()
    ]
    return jsonify(
        name=name,
        fps=ds.fps,
        cameras=ds.cameras,
        joints=ds.joint_names(),
        tasks=ds.tasks(),
        episodes=episodes,
        hub=_hub_repo(ds.root),
    )


@bp.route("/api/datasets/<name>/episodes/<int:index>")
def episode(name, index):
    """GET /api/datasets/<name>/episodes/<i>: state, action, time, marks and video URLs."""
    ds = open_dataset(name)
    try:
        row = ds.episode(index)
        cols = ds.episode_columns(index)
    except DatasetError as err:
        raise ApiError(str(err), 404) from None
    state, action = cols["observation.state"], cols["action"]
    return jsonify(
        index=index,
        fps=ds.fps,
        joints=ds.joint_names(),
        time=cols["timestamp"].round(4).tolist(),
        state=state.round(5).tolist(),
        action=action.round(5).tolist(),
        tasks=row["tasks"],
        dropped={c: row.get(f"imitate/bad_frames/{c}") or [] for c in ds.cameras},
        jumps=joint_jumps(state, ds.fps),
        videos={
            c: {
                "url": f"/api/datasets/{name}/videos/{c}/{index}",
                "from": row[f"videos/observation.images.{c}/from_timestamp"],
                "to": row[f"videos/observation.images.{c}/to_timestamp"],
            }
            for c in ds.cameras
        },
    )


@bp.route("/api/datasets/<name>/videos/<camera>/<int:index>")
def video(name, camera, index):
    """GET .../videos/<camera>/<i>: the episode's video file, with range requests."""
    ds = open_dataset(name)
    if camera not in ds.cameras:
        raise ApiError(f"no camera {camera!r} in {name}: one of {', '.join(ds.cameras)}", 404)
    try:
        path, _, _ = ds.video_path(index, f"observation.images.{camera}")
    except DatasetError as err:
        raise ApiError(str(err), 404) from None
    if not path.resolve().is_relative_to(ds.root.resolve()) or not path.is_file():
        raise ApiError(f"video of episode {index} ({camera}) is missing", 404)
    return send_file(path, mimetype="video/mp4", conditional=True)  # range requests: the scrubber seeks


@bp.route("/api/datasets/<name>/delete-episodes", methods=["POST"])
def delete_episodes(name):
    """POST .../delete-episodes {episodes: [i, ...]}: a safe rewrite."""

    ds = open_dataset(name)
    _, runtime, _ = ctx()
    rec = runtime.recording
    if rec and rec.active and rec.folder.resolve() == ds.root.resolve():
        raise ApiError(f"{name} is being recorded into: finish the recording first", 409)
    episodes = body().get("episodes")
    if (
        not isinstance(episodes, list)
        or not episodes
        or not all(isinstance(i, int) and not isinstance(i, bool) for i in episodes)
    ):
        raise ApiError("'episodes' must be a non-empty list of episode indices")
    try:
        report = tools.delete_episodes(ds.root, episodes)
    except DatasetError as err:
        raise ApiError(str(err)) from None
    return jsonify(report)
