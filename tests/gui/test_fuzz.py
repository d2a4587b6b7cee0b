"""1,000+ random and malformed requests against a running `imitate serve`: no 500, no crash, state intact."""
import http.client
import json
import random
import socket
import subprocess
import time

import pytest

from imitate.demo_page import free_port, serve_argv

PATHS = [
    "/",
    "/record",
    "/datasets",
    "/train",
    "/inference",
    "/login",
    "/api/status",
    "/api/joints",
    "/api/csrf",
    "/api/estop",
    "/api/clear",
    "/api/record/session",
    "/api/record/start",
    "/api/record/save",
    "/api/record/nope",
    "/api/datasets",
    "/api/datasets/x",
    "/api/datasets/../../etc/passwd",
    "/api/datasets/x/episodes/-1",
    "/api/runs",
    "/api/train/start",
    "/api/runs/a/export",
    "/api/runs/%2e%2e/stop",
    "/api/policies",
    "/api/policy/start",
    "/api/policy/stop",
    "/api/policies/x/engine",
    "/api/camera/%00.mjpg",
    "/static/../app.py",
    "/vendor/x.js",
    "/api/datasets/x/videos/cam/1",
    "/" + "a" * 3000,
]
VALUES = [
    None,
    True,
    -1,
    0,
    2**63,
    1e308,
    float("nan"),
    "",
    "x" * 600,
    "../../etc",
    "\x00",
    [],
    {},
    [1, "a"],
    {"a": {"b": []}},
    "cpu_small",
    "act",
    3.5,
]
KEYS = [
    "dataset",
    "tasks",
    "task",
    "episodes",
    "episode_time",
    "reset_time",
    "fps",
    "name",
    "path",
    "policy",
    "preset",
    "steps",
    "device",
    "episodes",
    "record",
    "start_now",
]


def random_body(rng):
    kind = rng.random()
    if kind < 0.15:
        return rng.choice([b"{", b"null", b"[]", b"\xff\xfe", b"1e999", b'{"a":' * 50, b""])
    body = {rng.choice(KEYS): rng.choice(VALUES) for _ in range(rng.randint(0, 5))}
    return json.dumps(body, allow_nan=True).encode()


def wait_for_port(port, proc, timeout_s=60):
    """Until `imitate serve` (proc) accepts connections on `port`."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            assert time.monotonic() < deadline and proc.poll() is None, "imitate serve did not come up"
            time.sleep(0.2)


@pytest.mark.slow
def test_random_requests_never_break_the_service(tmp_path):
    pytest.importorskip("flask")
    port = free_port()
    proc = subprocess.Popen(
        serve_argv(tmp_path / "data", port, "--token", "t0ken-of-16-chars"),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        wait_for_port(port, proc)
        rng = random.Random(7)
        codes = {}
        for _ in range(1200):
            method = rng.choice(["GET", "POST", "POST", "PUT", "DELETE", "HEAD"])
            path = rng.choice(PATHS)
            headers = {}
            if rng.random() < 0.9:  # mostly authorized, so the requests reach the handlers
                headers["Authorization"] = rng.choice(
                    ["Bearer t0ken-of-16-chars"] * 8 + ["Bearer wrong", "Basic x", "Bearer "]
                )
            if rng.random() < 0.5:
                headers["Content-Type"] = rng.choice(
                    ["application/json", "text/plain", "multipart/form-data"]
                )
            body = random_body(rng) if method in ("POST", "PUT") else None
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            if "mjpg" not in path:
                data = response.read()
                if path.startswith("/api/") and response.status >= 400 and method != "HEAD":
                    assert "error" in json.loads(data), (method, path, data[:200])
            conn.close()
            codes[response.status] = codes.get(response.status, 0) + 1
            assert response.status < 500, (method, path, body, response.status)
        assert proc.poll() is None, "the service died"
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.request("GET", "/api/status", headers={"Authorization": "Bearer t0ken-of-16-chars"})
        status = json.loads(conn.getresponse().read())
        assert status["missing"] == [] and status["profile"] == "sim"
        # whatever the fuzz did (it may have e-stopped or started a recording), the verbs still work
        for path in ("/api/clear", "/api/policy/stop"):
            conn.request("POST", path, body=b"{}", headers={"Authorization": "Bearer t0ken-of-16-chars"})
            response = conn.getresponse()
            assert response.status == 200, response.read()
            response.read()
        conn.request("GET", "/api/status", headers={"Authorization": "Bearer t0ken-of-16-chars"})
        status = json.loads(conn.getresponse().read())
        assert status["estop"] is False and status["policy"] is None
        print("status codes:", dict(sorted(codes.items())))
    finally:
        proc.terminate()
        proc.wait(timeout=30)
