"""`imitate serve`: systemd's notify protocol on a real unix socket, the JSON API, SIGTERM."""
import importlib.util
import json
import os
import shutil
import signal
import socket
import stat
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from imitate.demo_page import free_port, serve_argv


def call(port, path, body=None, token=None):
    data = json.dumps(body).encode() if body is not None else None  # a body makes it a POST
    req = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}", data=data, method="POST" if data else "GET"
    )
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def start_serve(tmp_path, extra_env=None, argv=("--transport", "sim", "--token", "t0ken-of-16-chars")):
    """`imitate serve` in a subprocess with NOTIFY_SOCKET bound here; (proc, socket, port)."""
    path = str(tmp_path / "notify.sock")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    sock.settimeout(60)
    port = free_port()
    env = {
        **os.environ,
        "NOTIFY_SOCKET": path,
        "WATCHDOG_USEC": "1000000",
        "IMITATE_PORT": str(port),
        "IMITATE_DATA": str(tmp_path / "data"),
        **(extra_env or {}),
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "imitate.cli", "serve", *argv],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    return proc, sock, port


@pytest.fixture
def served(tmp_path):
    proc, sock, port = start_serve(tmp_path)
    yield proc, sock, port
    if proc.poll() is None:
        proc.kill()
    sock.close()


def messages(sock, until, limit_s=60):
    got, deadline = [], time.monotonic() + limit_s
    while until not in got and time.monotonic() < deadline:
        got.append(sock.recv(256).decode())
    return got


def test_ready_watchdog_api_and_sigterm(served, tmp_path):
    proc, sock, port = served
    assert "READY=1" in messages(sock, "READY=1")
    assert "WATCHDOG=1" in messages(sock, "WATCHDOG=1", 5)  # idle heartbeat at half of WATCHDOG_USEC
    assert call(port, "/api/status")[0] == 401  # the token is required
    code, status = call(port, "/api/status", token="t0ken-of-16-chars")
    assert code == 200 and status["profile"] == "sim" and status["policy"] is None
    code, err = call(port, "/api/policy/start", {"name": "nothing"}, token="t0ken-of-16-chars")
    assert code == 400 and "not a policy package" in err["error"]
    code, err = call(port, "/api/policy/start", {"folder": 3}, token="t0ken-of-16-chars")
    assert code == 400 and "give the policy" in err["error"]
    assert call(port, "/api/nope", {}, token="t0ken-of-16-chars")[0] == 404
    proc.send_signal(signal.SIGTERM)
    assert "STOPPING=1" in messages(sock, "STOPPING=1", 20)
    assert proc.wait(timeout=30) == 0


def test_a_policy_starts_and_the_estop_holds(served, tiny_checkpoints, sim_dataset, tmp_path):
    pytest.importorskip("lerobot")
    from imitate.export.exporter import export

    package = export(
        tiny_checkpoints["act"], tmp_path / "data" / "policies" / "pkg", dataset=sim_dataset, frames=2
    )
    proc, sock, port = served
    messages(sock, "READY=1")
    assert call(port, "/api/policy/start", {"name": "pkg"}, token="t0ken-of-16-chars")[0] == 200
    time.sleep(1.5)
    code, status = call(port, "/api/status", token="t0ken-of-16-chars")
    assert status["policy"] == str(package.root) and status["loop"]["ticks"] > 50
    assert call(port, "/api/estop", {}, token="t0ken-of-16-chars") == (200, {"estop": True})
    assert call(port, "/api/status", token="t0ken-of-16-chars")[1]["loop"]["estop"] is True
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == 0


@pytest.mark.parametrize("on_stop", ["save", "discard"])
def test_sigterm_during_a_recording_leaves_a_dataset_lerobot_loads(tmp_path, on_stop):
    """Settings from IMITATE_* (as the systemd unit's EnvironmentFile gives them); SIGTERM mid-episode."""
    pytest.importorskip("flask")
    env = {"IMITATE_TRANSPORT": "sim", "IMITATE_TOKEN": "t0ken-of-16-chars", "IMITATE_ON_STOP": on_stop}
    proc, sock, port = start_serve(tmp_path, env, argv=())
    try:
        assert "READY=1" in messages(sock, "READY=1")
        code, body = call(
            port,
            "/api/record/session",
            {
                "dataset": "demos",
                "tasks": ["pick up the ball"],
                "episodes": 5,
                "episode_time": 1.0,
                "reset_time": 0.2,
                "start_now": True,
            },
            token="t0ken-of-16-chars",
        )
        assert code == 200, body
        deadline = time.monotonic() + 60  # one episode saved, the second one being recorded
        while time.monotonic() < deadline:
            rec = call(port, "/api/status", token="t0ken-of-16-chars")[1]["recording"]
            if rec and rec.get("saved") == 1 and rec["phase"] == "recording" and rec["frames"] > 5:
                break
            time.sleep(0.05)
        else:
            pytest.fail(f"the recording did not reach its second episode: {rec}")
        proc.send_signal(signal.SIGTERM)
        assert "STOPPING=1" in messages(sock, "STOPPING=1", 20)
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
        sock.close()
    lerobot = pytest.importorskip("lerobot.datasets.lerobot_dataset")
    ds = lerobot.LeRobotDataset(
        "local/demos", root=tmp_path / "data" / "datasets" / "demos", video_backend="pyav"
    )
    assert ds.num_episodes == (2 if on_stop == "save" else 1)
    ds[len(ds) - 1]  # the last frame decodes


@pytest.mark.skipif(importlib.util.find_spec("cyclonedds") is None, reason="needs cyclonedds (extra 'dds')")
def test_over_dds_the_tick_runs_in_a_control_process_that_ends_with_the_service(packages, tmp_path):
    """A robot in another process, as on the AI Worker: the tick runs in a process of its own."""
    import psutil

    shutil.copytree(packages["act"].root, tmp_path / "data" / "policies" / "pkg")
    robot = subprocess.Popen(
        [
            sys.executable, "-m", "imitate.cli", "sim", "--transport", "dds", "--leader", "off", "--duration",
            "120",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    proc, sock, port = start_serve(tmp_path, argv=("--transport", "dds", "--token", "t0ken-of-16-chars"))
    try:
        messages(sock, "READY=1")
        code, answer = call(port, "/api/policy/start", {"name": "pkg"}, token="t0ken-of-16-chars")
        assert code == 200, answer
        time.sleep(2.0)
        loop = call(port, "/api/status", token="t0ken-of-16-chars")[1]["loop"]
        assert loop["control"] == "process" and loop["control_process"] == "running" and loop["ticks"] > 100
        children = psutil.Process(proc.pid).children()
        assert len(children) >= 1  # the control process (and multiprocessing's resource tracker)
        assert "WATCHDOG=1" in messages(sock, "WATCHDOG=1", 5)  # from the ticks the control process reports
        assert call(port, "/api/estop", {}, token="t0ken-of-16-chars") == (200, {"estop": True})
        time.sleep(0.1)
        assert call(port, "/api/status", token="t0ken-of-16-chars")[1]["loop"]["estop"] is True
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
        _, alive = psutil.wait_procs(children, timeout=10)  # the resource tracker ends once it reads EOF
        assert not alive, [" ".join(c.cmdline()[-2:]) for c in alive]
    finally:
        for p in (proc, robot):
            if p.poll() is None:
                p.kill()
        sock.close()


def test_a_token_by_default_in_a_file_only_this_user_reads(tmp_path):
    """No --token: one is generated, written to DATA/.imitate-token (0600) and printed as a login URL."""
    proc, sock, port = start_serve(tmp_path, argv=("--transport", "sim"))
    try:
        assert "READY=1" in messages(sock, "READY=1")
        token_file = tmp_path / "data" / ".imitate-token"
        token = token_file.read_text().strip()
        assert len(token) >= 16 and stat.S_IMODE(token_file.stat().st_mode) == 0o600
        assert call(port, "/api/status")[0] == 401
        assert call(port, "/api/status", token=token)[0] == 200
        proc.send_signal(signal.SIGTERM)
        out = proc.communicate(timeout=30)[0]
        assert f">>> log in: http://127.0.0.1:{port}/login?token={token}" in out
    finally:
        if proc.poll() is None:
            proc.kill()
        sock.close()


@pytest.mark.parametrize(
    "argv,expected",
    [(("--no-token", "--host", "0.0.0.0"), "loopback only"), (("--token", "short"), "at least 16")],
)
def test_unsafe_settings_are_refused_at_start(tmp_path, argv, expected):
    out = subprocess.run(
        serve_argv(tmp_path, free_port(), *argv),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode != 0 and expected in out.stderr + out.stdout


def test_the_stdlib_api_checks_host_and_token(tmp_path):
    """The API a robot without the page serves: a foreign Host or a missing token is refused."""
    import threading

    from imitate.edge.runtime.access import resolve_access
    from imitate.edge.runtime.api_server import StdlibServer

    class Service:  # the one verb these requests reach
        def status(self):
            return {"profile": "sim"}

    server = StdlibServer(Service(), "127.0.0.1", 0, resolve_access("127.0.0.1", "t0ken-of-16-chars"))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        assert call(server.port, "/api/status")[0] == 401
        assert call(server.port, "/api/status", token="t0ken-of-16-chars") == (200, {"profile": "sim"})
        req = urllib.request.Request(
            f"http://127.0.0.1:{server.port}/api/status",
            headers={"Host": "evil.example", "Authorization": "Bearer t0ken-of-16-chars"},
        )
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(req, timeout=10)
        assert refused.value.code == 403
    finally:
        server.shutdown()


def test_eval_tags_each_recorded_rollout_with_its_outcome(packages, tmp_path):
    """`imitate eval --record`: every rollout episode carries "success" or "failure" in imitate/flags
    (the Datasets page shows them), matching the report."""
    import pyarrow.parquet as pq

    out = subprocess.run(
        [
            sys.executable, "-m", "imitate.cli", "eval", "--transport", "sim", "--policy",
            str(packages["act"].root), "--episodes", "2", "--time-limit", "2", "--record",
            str(tmp_path / "rollouts"), "--report", str(tmp_path / "report.json"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    episodes = sorted((tmp_path / "rollouts" / "meta" / "episodes").glob("*/*.parquet"))
    tags = [
        [f for f in pq.read_table(p).to_pylist()[0]["imitate/flags"] if f in ("success", "failure")]
        for p in episodes
    ]
    printed = [line.split(": ")[-1] for line in out.stdout.splitlines() if line.startswith("episode ")]
    assert tags == [["success" if p == "success" else "failure"] for p in printed], (tags, printed)
    # a failed episode ran its 2 s: 60 frames at the dataset's 30 fps (one per 3-4 ticks of 100 Hz)
    rows = [pq.read_table(p).to_pylist()[0] for p in episodes]
    lengths = [r["length"] for r, t in zip(rows, tags, strict=True) if t == ["failure"]]
    assert lengths and all(55 <= n <= 61 for n in lengths), lengths
