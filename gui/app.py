"""The control page: a Flask app over the running service (`imitate serve`).

`create_app(config, runtime)` builds it: one blueprint per page (record, datasets, train, inference)
plus the status API every page polls. Security: guard.py (Host, Origin, headers), auth.py (login). Every
error is JSON with a message,
never a stack trace. The app holds no robot state itself: the runtime (edge RuntimeService) does.
"""

import logging
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from flask import Flask, jsonify, request
from werkzeug.exceptions import HTTPException

from imitate.edge.runtime.access import LOOPBACK_NAMES, Access

from . import auth, guard
from .api import ApiError
from .jobs import Jobs
from .pages import datasets, hub, inference, record, status, train

log = logging.getLogger(__name__)


@dataclass
class PageConfig:
    """What the page needs to know beyond the runtime."""

    data: Path  # datasets, runs and policy packages live under here, and nothing outside is served
    token: str = None  # None: no login (imitate serve --no-token, loopback only); else the login token
    secret_key: str = field(default_factory=lambda: secrets.token_hex(32))  # signs the session cookie
    access: Access = None  # the Host names answered to (imitate serve's); None: loopback names only

    def __post_init__(self):
        if self.access is None:
            self.access = Access(token=self.token, hosts=frozenset(LOOPBACK_NAMES))

    @property
    def datasets(self):
        """data/datasets."""
        return self.data / "datasets"

    @property
    def runs(self):
        """data/runs."""
        return self.data / "runs"

    @property
    def policies(self):
        """data/policies."""
        return self.data / "policies"


def create_app(config, runtime):
    """The Flask app for `runtime` (a RuntimeService, or anything with its verbs)."""
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=config.secret_key,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        MAX_CONTENT_LENGTH=64 * 1024,
    )
    app.json.sort_keys = False
    for folder in (config.datasets, config.runs, config.policies):
        folder.mkdir(parents=True, exist_ok=True)
    app.extensions["imitate"] = {"config": config, "runtime": runtime, "jobs": Jobs(config)}
    guard.install(app, config.access)  # Host, Origin and response headers before anything else
    auth.install(app, config)
    for module in (status, record, datasets, train, inference, hub):
        app.register_blueprint(module.bp)

    @app.errorhandler(ApiError)
    def api_error(err):
        return jsonify(error=str(err)), err.code

    @app.errorhandler(HTTPException)
    def http_error(err):
        if request.path.startswith("/api/") or err.code != 404:
            return jsonify(error=err.description), err.code
        return err

    @app.errorhandler(Exception)
    def unexpected(err):
        if isinstance(err, (ValueError, RuntimeError, OSError)):  # what the runtime says about bad input
            return jsonify(error=str(err)), 400
        log.exception("request %s %s failed", request.method, request.path)
        return jsonify(error=f"internal error ({type(err).__name__}); the service log has the details"), 500

    return app
