"""Who may use the page, and how a state change proves it came from the page.

- A login token always (unless `imitate serve --no-token`, loopback only). `/login?token=...`, the
  URL `imitate serve` prints, or the form at /login, sets a signed session cookie and redirects to a
  URL without the token. Scripts may send `Authorization: Bearer <token>` instead.
- Failed logins are rate-limited per client address, with exponential back-off.
- Every state-changing request (not GET) carries the session's CSRF token in `X-CSRF-Token`
  (the page's JavaScript does), unless it is a Bearer request (no cookie, so no CSRF risk).
- Host and Origin checks and the response headers come first: guard.py.
"""
import hmac
import secrets
import threading
import time
from urllib.parse import unquote, urlsplit

from flask import Blueprint, jsonify, redirect, render_template, request, session, url_for

# endpoints that need no login: E-STOP too (the login page has it; Host, Origin and CSRF still apply)
OPEN = ("static", "auth.login", "auth.logout", "auth.csrf", "status.vendor", "status.estop")
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


class LoginLimiter:
    """Failed logins per client address: `free` tries, then a wait that doubles with each failure."""

    def __init__(self, free=3, max_wait_s=300.0, clock=time.monotonic):
        self.free, self.max_wait_s, self.clock = free, max_wait_s, clock
        self._failures = {}  # address -> (failures, monotonic time until which it must wait)
        self._lock = threading.Lock()

    def wait_s(self, address):
        """Seconds `address` must still wait before its next try (0: it may try now)."""
        with self._lock:
            _, until = self._failures.get(address, (0, 0.0))
        return max(0.0, until - self.clock())

    def failed(self, address):
        with self._lock:
            count = self._failures.get(address, (0, 0.0))[0] + 1
            wait = 0.0 if count <= self.free else min(self.max_wait_s, 2.0 ** (count - self.free - 1))
            self._failures[address] = (count, self.clock() + wait)

    def succeeded(self, address):
        with self._lock:
            self._failures.pop(address, None)


def safe_next(target):
    """`target` if it is a path on this server, else "/": no open redirect through ?next=."""
    if not target:
        return "/"
    decoded = unquote(target)
    if (
        not decoded.startswith("/")
        or decoded.startswith("//")
        or "\\" in decoded
        or any(ord(c) < 32 for c in decoded)
    ):
        return "/"
    parts = urlsplit(decoded)
    return "/" if parts.scheme or parts.netloc else target


def install(app, config, limiter=None):
    """Add /login, /logout, /api/csrf and the login and CSRF checks before every request."""
    bp = Blueprint("auth", __name__)
    limiter = limiter or LoginLimiter()

    def token_ok(sent):
        return bool(config.token) and hmac.compare_digest(sent.encode(), config.token.encode())

    def bearer_ok():
        header = request.headers.get("Authorization", "")
        return header.startswith("Bearer ") and token_ok(header[7:])

    @app.before_request
    def check():
        if "csrf" not in session:
            session["csrf"] = secrets.token_urlsafe(24)
        if not config.token:
            session["login"] = True
        bearer = bearer_ok()
        if request.endpoint not in OPEN and not (session.get("login") or bearer):
            if request.path.startswith("/api/"):
                return jsonify(
                    error="log in first: open the URL imitate serve printed (/login?token=...), "
                    "or send 'Authorization: Bearer <token>'"
                ), 401
            return redirect(url_for("auth.login", next=request.path))
        if request.method not in SAFE_METHODS and request.endpoint != "auth.login" and not bearer:
            sent = request.headers.get("X-CSRF-Token", "")
            if not hmac.compare_digest(sent.encode(), session["csrf"].encode()):
                return jsonify(
                    error="missing or wrong CSRF token (X-CSRF-Token): reload the page and try again"
                ), 403

    @bp.route("/login", methods=["GET", "POST"])
    def login():
        sent = request.form.get("token") if request.method == "POST" else request.args.get("token")
        if sent is None:
            return render_template("login.html", error=None)
        address = request.remote_addr or "?"
        wait = limiter.wait_s(address)
        if wait > 0:
            return render_template(
                "login.html", error=f"too many failed logins from {address}: try again in {wait:.0f} s"
            ), 429
        if not token_ok(sent):
            limiter.failed(address)
            return render_template(
                "login.html",
                error="wrong token: use the one imitate serve printed, or the one in DATA/.imitate-token",
            ), 401
        limiter.succeeded(address)
        session.clear()
        session.update(login=True, csrf=secrets.token_urlsafe(24))
        return redirect(safe_next(request.args.get("next", "/")))  # the token leaves the address bar

    @bp.route("/logout", methods=["POST"])
    def logout():
        session.clear()
        return redirect(url_for("auth.login"))

    @bp.route("/api/csrf")
    def csrf():
        """The CSRF token for this session (scripts using the cookie need it)."""
        return jsonify(csrf=session["csrf"])

    app.register_blueprint(bp)
