"""What every page shows: robot connection, each topic's rate and age, CPU, memory, disk, GPU; E-STOP."""
import shutil
import subprocess
import threading
import time
from pathlib import Path

import psutil
from flask import Blueprint, jsonify, redirect, request, send_file

from imitate.edge.topic_monitor import TopicMonitor

from ..api import ctx

bp = Blueprint("status", __name__)
_monitors = {}
_gpu = {"t": 0.0, "value": None}
_gpu_lock = threading.Lock()


@bp.route("/")
def index():
    """GET /: the Record page is the home page."""
    return redirect("/record")


@bp.route("/vendor/plotly.min.js")
def vendor():
    """Plotly's browser bundle as pip installed it (the robot may be offline: no CDN)."""
    import plotly
    return send_file(Path(plotly.__file__).parent / "package_data" / "plotly.min.js", max_age=86400)


def topic_monitor(runtime):
    """One TopicMonitor per runtime, watching every topic of the profile."""
    if id(runtime) not in _monitors:
        monitor = TopicMonitor(runtime.transport)
        for topic, msgtype in runtime.profile.topics().items():
            monitor.watch(topic, msgtype)
        _monitors[id(runtime)] = monitor
    return _monitors[id(runtime)]


def gpu_status():
    """GPU utilisation and memory from nvidia-smi (every 5 s at most), None without one."""
    with _gpu_lock:
        if time.monotonic() - _gpu["t"] < 5.0:
            return _gpu["value"]
        _gpu["t"] = time.monotonic()
        if not shutil.which("nvidia-smi"):
            return None
        try:
            out = subprocess.run(
                [
                    "nvidia-smi",
                    "--query-gpu=name,utilization.gpu,memory.used,memory.total",
                    "--format=csv,noheader,nounits",
                ],
                capture_output=True,
                text=True,
                timeout=2,
            ).stdout
            name, util, used, total = [x.strip() for x in out.splitlines()[0].split(",")]
            _gpu["value"] = {
                "name": name,
                "util_percent": float(util),
                "memory_mb": float(used),
                "memory_total_mb": float(total),
            }
        except (OSError, ValueError, IndexError, subprocess.TimeoutExpired):
            _gpu["value"] = None
        return _gpu["value"]


@bp.route("/api/status")
def status():
    """GET /api/status: the runtime's status plus topics, system and GPU."""
    config, runtime, _ = ctx()
    if hasattr(runtime, "page_seen"):  # the page watchdog (serve --page-watchdog) watches this page
        runtime.page_seen(request.headers.get("X-Page-Id"))
    disk = psutil.disk_usage(str(config.data))
    topics = [
        {
            "topic": s.topic,
            "type": s.msgtype.split("/")[-1],
            "rate_hz": round(s.rate_hz, 1),
            "age_s": None if s.age_s == float("inf") else round(s.age_s, 3),
        }
        for s in topic_monitor(runtime).snapshot()
    ]
    system = {
        "cpu_percent": psutil.cpu_percent(interval=None),
        "memory_percent": psutil.virtual_memory().percent,
        "disk_percent": disk.percent,
        "disk_free_gb": round(disk.free / 1e9, 1),
        "gpu": gpu_status(),
    }
    return jsonify({**runtime.status(), "topics": topics, "system": system})


@bp.route("/api/estop", methods=["POST"])
def estop():
    """POST /api/estop: stop all motion now. Needs no login (the login page has E-STOP too), only
    this page's origin and the session's CSRF token: stopping is never refused; clearing needs login."""
    _, runtime, _ = ctx()
    return jsonify(estop=runtime.estop())


@bp.route("/api/clear", methods=["POST"])
def clear():
    """POST /api/clear: release the e-stop."""
    _, runtime, _ = ctx()
    runtime.clear_estop()
    return jsonify(estop=False)
