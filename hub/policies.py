"""push-policy and pull-policy: a policy package or a lerobot checkpoint to and from a Hub model repo.

A policy package (policy.json + ONNX graphs) is uploaded as it is; the robot pulls it and runs it.
A lerobot checkpoint is uploaded as its pretrained_model folder (config.json, model.safetensors, the
processors), the layout lerobot's `from_pretrained` reads, so training can resume or re-export anywhere.
"""
import json
from pathlib import Path

import yaml

from imitate.edge.policy_package import load_package

from .client import HubError, hub_api, hub_errors, require_login

SKIPPED = [".cache/*", "*.engine", "*.plan"]  # TensorRT engines are built per device, never shared


def push_policy(path, repo_id, private=False, token=None):
    """Uploads a package or checkpoint with a model card; returns (kind, URL)."""
    folder, kind, spec = policy_folder(path)
    api = hub_api(token)
    require_login(api)
    with hub_errors(repo_id, "model", api):
        api.create_repo(repo_id, repo_type="model", private=private, exist_ok=True)
        api.upload_folder(repo_id=repo_id, folder_path=folder, repo_type="model", ignore_patterns=SKIPPED,
                          commit_message=f"imitate: {kind}")
        api.upload_file(path_or_fileobj=model_card(repo_id, kind, spec).encode(), path_in_repo="README.md",
                        repo_id=repo_id, repo_type="model", commit_message="model card")
    return kind, f"{api.endpoint}/{repo_id}"


def pull_policy(repo_id, dest, revision=None, token=None):
    """Downloads a model repo into dest and checks it is a package or a checkpoint; returns its kind."""
    from huggingface_hub import snapshot_download
    api = hub_api(token)
    with hub_errors(repo_id, "model", api):
        snapshot_download(repo_id, repo_type="model", revision=revision, local_dir=dest,
                          endpoint=api.endpoint, token=token)
    try:
        return policy_folder(dest)[1]
    except HubError as err:
        raise HubError(f"{repo_id} downloaded to {dest}, but {err}") from None


def policy_folder(path):
    """(folder to upload, "package" | "checkpoint", its spec) for a package, run or checkpoint folder."""
    path = Path(path)
    if (path / "policy.json").is_file():
        try:
            package = load_package(path)
        except ValueError as err:
            raise HubError(str(err)) from None
        return path, "package", package.spec
    from imitate.export.checkpoint import resolve  # the one place that knows lerobot's checkpoint layout
    try:
        folder = resolve(path)
    except ValueError as err:
        raise HubError(f"{path} is not a policy package (no policy.json), and {err}") from None
    return folder, "checkpoint", json.loads((folder / "config.json").read_text())


def model_card(repo_id, kind, spec):
    """README.md: the tags lerobot gives its policies, plus what the robot needs to know."""
    policy_type = spec.get("policy_type") or spec.get("type") or "policy"
    header = {
        "license": "apache-2.0",
        "library_name": "lerobot",
        "pipeline_tag": "robotics",
        "tags": ["LeRobot", "robotics", policy_type, "imitate", *(["onnx"] if kind == "package" else [])],
    }
    if kind == "package":
        body = (
            f"An imitate policy package ({policy_type}, ONNX): run it with\n"
            f"`imitate hub pull-policy {repo_id} policies/NAME && imitate run --policy policies/NAME`.\n\n"
            f"```json\n{json.dumps(spec, indent=2)}\n```\n"
        )
    else:
        body = (
            f"A lerobot {policy_type} checkpoint trained with imitate. Export it for the robot with\n"
            f"`imitate hub pull-policy {repo_id} ckpt && imitate export ckpt --out policies/NAME`.\n"
        )
    return f"---\n{yaml.safe_dump(header, sort_keys=False)}---\n\n# {repo_id}\n\n{body}"
