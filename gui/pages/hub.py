"""The Hub from the page: push a dataset (now, or when a recording session ends), pull a policy.

Transfers run as `imitate hub ...` subprocesses (gui/jobs.py) with the service's own token (HF_TOKEN
or the login cache of the user it runs as); the page never sees or stores a token.
"""
import re

from flask import Blueprint, jsonify

from ..api import ApiError, body, ctx, field_value, named_folder

bp = Blueprint("hub", __name__)
REPO = re.compile(r"[A-Za-z0-9][\w.-]{0,95}/[A-Za-z0-9][\w.-]{0,95}")


def repo_field(data, name="repo"):
    """data[name] checked as a Hub repo id USER/NAME; ApiError otherwise."""
    repo = field_value(data, name, str, required=True)
    if not REPO.fullmatch(repo) or ".." in repo:
        raise ApiError(f"'{name}' must be a Hub repo id USER/NAME (letters, digits, '_.-'), got {repo!r}")
    return repo


@bp.route("/api/hub/push-dataset", methods=["POST"])
def push_dataset():
    """POST /api/hub/push-dataset {dataset, repo, private}: start the upload."""
    config, _, jobs = ctx()
    data = body()
    name = field_value(data, "dataset", str, required=True)
    if not (named_folder(config.datasets, name, "dataset") / "meta" / "info.json").exists():
        raise ApiError(f"no dataset {name!r} in {config.datasets}", 404)
    jobs.push_dataset(name, repo_field(data), field_value(data, "private", bool, False))
    return jsonify(pushing=name)


@bp.route("/api/hub/pull-policy", methods=["POST"])
def pull_policy():
    """POST /api/hub/pull-policy {repo, name}: start the download into data/policies."""
    config, _, jobs = ctx()
    data = body()
    repo = repo_field(data)
    name = field_value(data, "name", str) or repo.split("/")[1]
    named_folder(config.policies, name, "policy name")
    jobs.pull_policy(repo, name)
    return jsonify(pulling=repo, into=name)


@bp.route("/api/hub/jobs")
def hub_jobs():
    """GET /api/hub/jobs: the page's Hub transfers and their last log line."""
    _, _, jobs = ctx()
    return jsonify(jobs=jobs.hub_jobs())


def push_when_done(jobs, repo, private):
    """A RecordingSession.when_done callback: push the dataset if the session saved an episode."""
    def push(session):
        if session.recorder.status.saved > 0:
            jobs.push_dataset(session.folder.name, repo, private)
    return push
