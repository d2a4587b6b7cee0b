"""Who may use the page, and how a state change proves it came from the page.

- Loopback without a token: anyone on this machine is logged in on their first visit.
- With a token (required beyond loopback): /login takes it and sets a signed session cookie;
  scripts may send `Authorization: Bearer <token>` instead.
- Every state-changing request (not GET) carries the session's CSRF token in `X-CSRF-Token`
  (the page's JavaScript does), unless it is a Bearer request (no cookie, so no CSRF risk).
"""
import hmac
import secrets

from flask import jsonify, redirect, render_template, request, session, url_for

OPEN = ("static", "auth.login", "auth.logout", "auth.csrf", "status.vendor")  # endpoints that need no login
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def install(app, config):
    """Add /login, /logout, /api/csrf and the checks before every request."""
    from flask import Blueprint
    bp = Blueprint("auth", __name__)

    def bearer_ok():
        header = request.headers.get("Authorization", "")
        return bool(config.token) and header.startswith("Bearer ") and \
            hmac.compare_digest(header[7:].encode(), config.token.encode())

    @app.before_request
    def check():
        if "csrf" not in session:
            session["csrf"] = secrets.token_urlsafe(24)
        if not config.token:
            session["login"] = True
        bearer = bearer_ok()
        if request.endpoint not in OPEN and not (session.get("login") or bearer):
            if request.path.startswith("/api/"):
                return jsonify(error="log in first: open /login, or send 'Authorization: Bearer <token>'"), 401
            return redirect(url_for("auth.login", next=request.path))
        if request.method not in SAFE_METHODS and request.endpoint != "auth.login" and not bearer:
            sent = request.headers.get("X-CSRF-Token", "")
            if not hmac.compare_digest(sent.encode(), session["csrf"].encode()):
                return jsonify(error="missing or wrong CSRF token (X-CSRF-Token): reload the page and try again"), 403

    @bp.route("/login", methods=["GET", "POST"])
    def login():
        error = None
        if request.method == "POST":
            sent = request.form.get("token", "")
            if config.token and hmac.compare_digest(sent.encode(), config.token.encode()):
                session.clear()
                session.update(login=True, csrf=secrets.token_urlsafe(24))
                target = request.args.get("next", "/")
                return redirect(target if target.startswith("/") and not target.startswith("//") else "/")
            error = "wrong token"
        return render_template("login.html", error=error), 401 if error else 200

    @bp.route("/logout", methods=["POST"])
    def logout():
        session.clear()
        return redirect(url_for("auth.login"))

    @bp.route("/api/csrf")
    def csrf():
        """The CSRF token for this session (scripts using the cookie need it)."""
        return jsonify(csrf=session["csrf"])

    app.register_blueprint(bp)
