"""The control page during `imitate demo`: `imitate serve` on the simulated robot (in a process of its
own, over DDS), driven through its own HTTP API as the browser would (cookie + CSRF token), so the
recording is live on the page."""
import http.cookiejar
import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request


def free_port(preferred=0):
    """A TCP port free on 127.0.0.1: `preferred` when nothing listens there, else one the OS picks."""
    with socket.socket() as s:
        # as the server will bind: a port whose last connections are still in TIME_WAIT is free to it
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", preferred))
        except OSError:
            s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve_argv(data, port, *extra, transport="sim"):
    """The command line of `imitate serve` on the simulated robot (in its own process, or with
    transport sim in the page's), for a subprocess."""
    return [sys.executable, "-m", "imitate.cli", "serve", "--transport", transport, "--data", str(data),
            "--port", str(port), *extra]


class Page:
    """A running `imitate serve --transport TRANSPORT --data WORKDIR` and a client of its API."""

    def __init__(self, data, port, log_path, transport="sim"):
        self.url = f"http://127.0.0.1:{port}"
        self.token = secrets.token_urlsafe(24)  # the page's login token, as imitate serve would make one
        self._log = open(log_path, "ab")
        self.proc = subprocess.Popen(
            serve_argv(data, port, transport=transport),
            stdout=self._log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env={**os.environ, "IMITATE_TOKEN": self.token},
        )
        self._http = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )
        deadline = time.monotonic() + 90
        while True:
            try:
                # the session cookie, as a browser gets it
                self._http.open(self.login_url, timeout=10).close()
                self.csrf = self.get("/api/csrf")["csrf"]
                break
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the control page did not start: see {log_path}") from None
                time.sleep(0.5)

    @property
    def login_url(self):
        """Opening this logs a browser in (the token leaves the address bar at once)."""
        return f"{self.url}/login?token={self.token}"

    def get(self, path):
        """GET an API path; the JSON answer."""
        with self._http.open(self.url + path, timeout=10) as r:
            return json.load(r)

    def post(self, path, body):
        """POST a JSON body with the CSRF token; RuntimeError with the page's message on refusal."""
        request = urllib.request.Request(
            self.url + path,
            data=json.dumps(body).encode(),
            method="POST",
            headers={"Content-Type": "application/json", "X-CSRF-Token": self.csrf},
        )
        try:
            with self._http.open(request, timeout=30) as r:
                return json.load(r)
        except urllib.error.HTTPError as err:
            raise RuntimeError(f"the page refused {path}: {json.load(err).get('error')}") from None

    def record(self, dataset, task, episodes, episode_time_s):
        """A recording session on the page; prints progress; returns when it has finished."""
        self.post(
            "/api/record/session",
            {
                "dataset": dataset,
                "tasks": task,
                "episodes": episodes,
                "episode_time": episode_time_s,
                "reset_time": 0.5,
                "start_now": True,
                "auto_next": True,
            },
        )
        last = None
        while True:
            time.sleep(1.0)
            rec = self.get("/api/status").get("recording") or {}
            line = f"  {rec.get('phase', '?'):>9}: {rec.get('saved', 0)}/{episodes} episodes saved"
            if line != last:
                print(line, flush=True)
                last = line
            if not rec.get("active", True):
                if rec.get("error") or rec.get("saved", 0) < episodes:
                    raise RuntimeError(
                        f"recording on the page stopped early: {rec.get('error') or rec.get('message')}"
                    )
                return rec

    def close(self):
        """Stop the page's service."""
        stop_process(self.proc)
        self._log.close()


def stop_process(proc, timeout_s=30.0):
    """Terminate a child process, and kill it if it has not ended within `timeout_s`."""
    proc.terminate()
    try:
        proc.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        proc.kill()
