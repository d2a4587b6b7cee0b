"""What every request and response passes before the page's own checks (auth.py): the Host header,
the Origin of state changes, and the headers that keep the page from being framed, sniffed, cached
or made to run injected script.

A page on another domain that rebinds its name to 127.0.0.1 is same-origin with this server in the
browser's eyes: it can read the CSRF token and send the cookie. It cannot change the Host header its
requests carry, which is its own domain: so a Host this server does not answer to is refused first.
"""
from urllib.parse import urlsplit

from flask import jsonify, request

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
# plotly sets inline styles and builds its own <style> rules; no inline or foreign script runs
CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
       "media-src 'self' blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
       "frame-ancestors 'none'")
HEADERS = {"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY",
           "Referrer-Policy": "no-referrer", "Cross-Origin-Opener-Policy": "same-origin",
           "Cross-Origin-Resource-Policy": "same-origin"}


def refuse(message):
    return jsonify(error=message), 403


def install(app, access):
    """Refuse foreign Hosts and cross-origin state changes; add the security headers to every answer."""

    @app.before_request
    def check_host_and_origin():
        host = request.headers.get("Host", "")
        if not access.host_allowed(host):
            return refuse(f"Host {host[:100]!r} is not a name this server answers to (a web page on another "
                          "domain may be trying to reach it); if the name is yours, start imitate serve with "
                          f"--allow-host {host.split(':')[0][:100]}")
        if request.method not in SAFE_METHODS and not same_origin(host):
            return refuse("cross-origin request refused: state changes come from this page only")

    @app.after_request
    def security_headers(response):
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        if request.path.startswith("/api/"):
            response.headers["Cache-Control"] = "no-store"
        return response


def same_origin(host):
    """Whether the request's Origin, or else its Referer, when present, is this page's own origin."""
    origin = request.headers.get("Origin")
    if origin is None:
        referer = request.headers.get("Referer")
        if not referer:
            return True  # scripts (curl, the demo) send neither; the token and CSRF checks still apply
        parts = urlsplit(referer)
        origin = f"{parts.scheme}://{parts.netloc}"
    parts = urlsplit(origin)  # "null" (a sandboxed frame, a file) has no scheme and is refused
    return parts.scheme in ("http", "https") and parts.netloc.lower() == host.lower()
