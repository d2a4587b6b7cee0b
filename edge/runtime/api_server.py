"""The runtime's JSON API on the standard library alone, for a robot without the page (imitate.gui).

GET /api/status; POST /api/estop, /api/clear, /api/policy/start {"path": PKG}, /api/policy/stop.
The Host header must name this server, and the token (unless --no-token) comes as
`Authorization: Bearer TOKEN` (access.py).
"""
import hmac
import json
import logging
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

log = logging.getLogger(__name__)


def make_handler(service, access):
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
            if not access.host_allowed(self.headers.get("Host")):
                self._reply(
                    403,
                    {
                        "error": f"Host {self.headers.get('Host')!r} is not a name this server answers to; "
                        "add it with --allow-host if it is yours"
                    },
                )
                return False
            sent = self.headers.get("Authorization", "").encode()
            if access.token and not hmac.compare_digest(sent, f"Bearer {access.token}".encode()):
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


class StdlibServer:
    """The JSON API alone, on the standard library (when the page, imitate.gui, is not installed)."""

    def __init__(self, service, host, port, access):
        self._server = ThreadingHTTPServer((host, port), make_handler(service, access))
        self.port = self._server.server_address[1]
        self.url = f"http://{host}:{self.port}/api/status"

    def serve_forever(self):
        """Serve requests until shutdown()."""
        self._server.serve_forever()

    def shutdown(self):
        """Stop serve_forever()."""
        self._server.shutdown()
