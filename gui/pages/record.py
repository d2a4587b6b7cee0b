"""Record: live cameras (MJPEG of the robot's own JPEG bytes), live joints, the recorder's verbs."""
import math
import time

from flask import Blueprint, Response, jsonify, render_template

from imitate.edge.images import crop_as_sent
from imitate.edge.recorder import RecordConfig

from ..api import ApiError, body, ctx, field_value
from .hub import push_when_done, repo_field

bp = Blueprint("record", __name__)
VERBS = ("start", "save", "next", "retry", "skip", "finish")
BOUNDARY = b"frame"


def camera_tiles(profile):
    """(name, topic, CSS of the view, CSS of its crop outline or "") of each camera: the live view turned
    as the dataset stores it (the JPEGs are the robot's own, so the browser turns them; scaled to fit
    when on its side), the window a profile's `crop` keeps outlined on it: what is recorded and what
    the policy sees."""
    tiles = []
    for cam in profile.cameras:
        scale = (
            f" scale({min(cam.height, cam.width) / max(cam.height, cam.width):.3f})"
            if cam.rotate in (90, 270)
            else ""
        )
        view = f"aspect-ratio: {cam.width} / {cam.height};"
        if cam.rotate:
            view += f" transform: rotate({cam.rotate}deg){scale};"
        box = ""
        if cam.crop:
            top, left, height, width = crop_as_sent(cam.rotate, cam.crop, (cam.height, cam.width))
            box = (
                f"top: {100 * top / cam.height:.2f}%; left: {100 * left / cam.width:.2f}%; "
                f"height: {100 * height / cam.height:.2f}%; width: {100 * width / cam.width:.2f}%;"
            )
        tiles.append((cam.name, cam.topic, view, box))
    return tiles


@bp.route("/record")
def page():
    """GET /record: the Record page."""
    _, runtime, _ = ctx()
    return render_template("record.html", cameras=camera_tiles(runtime.profile), profile=runtime.profile.name)


@bp.route("/api/record/session", methods=["POST"])
def start():
    """POST /api/record/session: open a recording session (optionally pushed to the Hub when done)."""

    _, runtime, _ = ctx()
    data = body()
    tasks = data.get("tasks", data.get("task"))
    tasks = [tasks] if isinstance(tasks, str) else tasks
    if (
        not isinstance(tasks, list)
        or not tasks
        or not all(isinstance(t, str) and t.strip() and len(t) < 500 for t in tasks)
    ):
        raise ApiError(
            "'tasks' must be a task description or a list of them (non-empty, under 500 characters)"
        )
    dataset = field_value(data, "dataset", str, required=True)
    config = RecordConfig(
        tasks=tuple(t.strip() for t in tasks),
        episodes=field_value(data, "episodes", int, 10, 1, 10_000),
        episode_time_s=field_value(data, "episode_time", float, 30.0, 0.5, 3600.0),
        reset_time_s=field_value(data, "reset_time", float, 5.0, 0.0, 600.0),
        start_now=field_value(data, "start_now", bool, False),
    )
    fps = field_value(data, "fps", int, runtime.profile.dataset_fps, 1, 120)
    hub_repo = repo_field(data, "hub_repo") if data.get("hub_repo") else None
    session = runtime.start_recording(
        dataset, config, fps=fps, auto_next=field_value(data, "auto_next", bool, False)
    )
    if hub_repo:  # "push to the Hub when finished"
        session.when_done(push_when_done(ctx()[2], hub_repo, field_value(data, "hub_private", bool, False)))
    return jsonify(recording=dataset, push_to=hub_repo)


@bp.route("/api/record/<verb>", methods=["POST"])
def verb(verb):
    """POST /api/record/<verb>: start, save, next, retry, skip or finish."""
    _, runtime, _ = ctx()
    if verb not in VERBS:
        raise ApiError(f"unknown recorder command {verb!r}: one of {', '.join(VERBS)}", 404)
    runtime.record_command(verb)
    return jsonify(sent=verb)


@bp.route("/api/camera/<camera>.mjpg")
def camera(camera):
    """multipart/x-mixed-replace of the camera's JPEGs as they arrive (no re-encoding)."""
    _, runtime, _ = ctx()
    if camera not in runtime.profile.camera_names:
        raise ApiError(f"no camera {camera!r}: one of {', '.join(runtime.profile.camera_names)}", 404)
    sampler = runtime.sampler
    period = 1.0 / max(1.0, runtime.profile.camera(camera).fps)

    def frames():
        last = -1
        while True:
            runtime.camera_viewed()  # the simulated robot renders at full rate while watched
            jpeg, seq = sampler.latest_image(camera)
            if jpeg is not None and seq != last:
                last = seq
                yield (
                    b"--"
                    + BOUNDARY
                    + b"\r\nContent-Type: image/jpeg\r\nContent-Length: "
                    + str(len(jpeg)).encode()
                    + b"\r\n\r\n"
                    + jpeg
                    + b"\r\n"
                )
            time.sleep(period / 2)

    return Response(
        frames(), mimetype="multipart/x-mixed-replace; boundary=frame", headers={"Cache-Control": "no-store"}
    )


@bp.route("/api/joints")
def joints():
    """The follower's state and the newest command (leader or policy), by joint name."""
    _, runtime, _ = ctx()
    state, command = runtime.sampler.latest_joints()
    clean = lambda xs: [None if not math.isfinite(x) else round(float(x), 5) for x in xs]  # noqa: E731
    return jsonify(
        names=runtime.profile.joint_names, state=clean(state), command=clean(command), time=time.time()
    )
