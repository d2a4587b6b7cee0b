"""`imitate serve`: the long-running runtime (systemd-friendly) with a small JSON control API.

One process owns the transport, the sampler and, when asked, a policy driving the robot. The API
(stdlib HTTP, 127.0.0.1 by default; any other address needs a token) is what the control page will
call: GET /api/status, POST /api/estop, /api/clear, /api/policy/start {"path": PKG}, /api/policy/stop.
Under systemd: READY=1 once up, WATCHDOG=1 from the command loop (or the idle heartbeat), and
SIGTERM stops cleanly (STOPPING=1, the policy stops, a rollout being recorded is saved).
"""
import argparse
import ipaddress
import json
import logging
import secrets
import signal
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from .notify import Notifier

log = logging.getLogger(__name__)


def register(sub, add_transport_args):
    p = sub.add_parser("serve", help="the long-running runtime with its control API (systemd-friendly)")
    add_transport_args(p)
    p.add_argument("--policy", help="a policy package to start at once")
    p.add_argument("--data", default="data", help="folder for datasets and rollouts (default data)")
    p.add_argument("--host", default="127.0.0.1", help="address of the control API (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8080)
    p.add_argument("--token", help="required by clients; needed (or generated) to listen beyond loopback")
    p.add_argument("--backend", default="auto")
    p.set_defaults(handler=serve_command)


class RuntimeService:
    """Transport + sampler + (optional) policy loop; thread-safe verbs for the API."""

    def __init__(self, args, notifier):
        from .commands import Session
        self.args, self.notifier = args, notifier
        self._lock = threading.Lock()
        self.session = None
        self.policy_path = None
        self.error = ""
        self._base = Session.base(args)  # transport, robot, sampler: always up

    def start_policy(self, path):
        from .commands import Session
        path = str(Path(path))
        with self._lock:
            self.stop_policy_locked()
            args = argparse.Namespace(**{**vars(self.args), "policy": path, "ensemble": None, "record": None})
            self.session = Session(args, base=self._base)
            self.session.loop.listeners.append(lambda now, cmd: self.notifier.ping())
            self.session.wait_ready()
            self.session.loop.start()
            self.policy_path = path

    def stop_policy(self):
        with self._lock:
            self.stop_policy_locked()

    def stop_policy_locked(self):
        if self.session:
            self.session.loop.stop()
            self.session = None
            self.policy_path = None

    def estop(self):
        with self._lock:
            if self.session:
                self.session.loop.estop()
            return self.session is not None

    def clear_estop(self):
        with self._lock:
            if self.session:
                self.session.loop.clear_estop()

    def status(self):
        with self._lock:
            loop = self.session.loop.stats() if self.session else None
        base = self._base
        state, state_age, camera_age = base.sampler.state_now()
        return {"profile": base.profile.name, "transport": self.args.transport, "policy": self.policy_path,
                "loop": loop, "state_age_s": _finite(state_age), "camera_age_s": _finite(camera_age),
                "missing": base.sampler.missing()}

    def close(self):
        self.stop_policy()
        self._base.close()


def _finite(x):
    return None if x == float("inf") else round(float(x), 4)


def make_handler(service, token):
    """An HTTP handler class for the JSON API; errors come back as JSON with a message."""

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, fmt, *args):  # through logging, not stderr lines per request
            log.debug("%s " + fmt, self.address_string(), *args)

        def _reply(self, code, body):
            data = json.dumps(body).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _authorized(self):
            if token and self.headers.get("Authorization", "") != f"Bearer {token}":
                self._reply(401, {"error": "missing or wrong token: send 'Authorization: Bearer <token>'"})
                return False
            return True

        def do_GET(self):
            if not self._authorized():
                return
            if self.path == "/api/status":
                return self._reply(200, service.status())
            self._reply(404, {"error": f"no such endpoint: GET {self.path}"})

        def do_POST(self):
            if not self._authorized():
                return
            try:
                length = int(self.headers.get("Content-Length", "0") or 0)
                if length > 65536:
                    return self._reply(413, {"error": "request too large"})
                body = json.loads(self.rfile.read(length) or b"{}") if length else {}
                if not isinstance(body, dict):
                    raise ValueError("expected a JSON object")
                if self.path == "/api/estop":
                    return self._reply(200, {"estop": service.estop()})
                if self.path == "/api/clear":
                    service.clear_estop()
                    return self._reply(200, {"estop": False})
                if self.path == "/api/policy/start":
                    if not isinstance(body.get("path"), str):
                        raise ValueError('expected {"path": "<policy package folder>"}')
                    service.start_policy(body["path"])
                    return self._reply(200, {"policy": body["path"]})
                if self.path == "/api/policy/stop":
                    service.stop_policy()
                    return self._reply(200, {"policy": None})
                self._reply(404, {"error": f"no such endpoint: POST {self.path}"})
            except (ValueError, RuntimeError, OSError) as err:  # bad input: a message, never a stack trace
                self._reply(400, {"error": str(err)})

    return Handler


def serve_command(args):
    loopback = ipaddress.ip_address(args.host if args.host != "localhost" else "127.0.0.1").is_loopback
    token = args.token
    if not loopback and not token:
        token = secrets.token_urlsafe(24)
        print(f"listening beyond loopback needs a token; generated one (shown once): {token}", flush=True)
    notifier = Notifier()
    service = RuntimeService(args, notifier)
    server = ThreadingHTTPServer((args.host, args.port), make_handler(service, token))
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    threading.Thread(target=server.serve_forever, name="api", daemon=True).start()
    if args.policy:
        service.start_policy(args.policy)
    notifier.ready()
    print(f"imitate serve: control API on http://{args.host}:{server.server_address[1]}/api/status", flush=True)
    while not stop.wait(0.5):
        if service.session is None:
            notifier.ping()  # idle: the heartbeat comes from here; with a policy, from the command loop
    notifier.stopping()
    server.shutdown()
    service.close()
    print("imitate serve: stopped", flush=True)
    return 0
