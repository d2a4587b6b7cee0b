"""push-dataset and pull-dataset: a LeRobot v3.0 folder to and from a Hub dataset repo.

What lerobot's own uploads carry is carried here too: a dataset card tagged `LeRobot` and the robot
type, task category robotics, the parquet files as the default config, and the `v3.0` tag that
lerobot resolves a dataset's revision against.
"""
import json
from pathlib import Path

import yaml

from .client import HubError, hub_api, hub_errors, require_login

CODEBASE_VERSION = "v3.0"  # lerobot 0.4.4's dataset format, and the tag it looks for
NOT_UPLOADED = ["images/*", ".imitate-*", "meta/hub.json", ".cache/*"]  # scratch frames, edits, local link
RAW_BAGS = "raw/*"  # `record --raw-bag` copies: large, and not part of the LeRobot format


def push_dataset(root, repo_id, private=False, tags=(), token=None, raw_bags=False):
    """Uploads a dataset (large-folder upload: resumable), its card and the v3.0 tag; returns the URL."""
    root = Path(root)
    info = read_info(root)
    api = hub_api(token)
    require_login(api)
    with hub_errors(repo_id, "dataset", api):
        api.create_repo(repo_id, repo_type="dataset", private=private, exist_ok=True)
        api.upload_large_folder(
            repo_id=repo_id,
            folder_path=root,
            repo_type="dataset",
            ignore_patterns=NOT_UPLOADED + ([] if raw_bags else [RAW_BAGS]),
            print_report=False,
        )
        api.upload_file(
            path_or_fileobj=dataset_card(info, repo_id, tags).encode(),
            path_in_repo="README.md",
            repo_id=repo_id,
            repo_type="dataset",
            commit_message="dataset card",
        )
        refs = api.list_repo_refs(repo_id, repo_type="dataset")
        if any(t.name == CODEBASE_VERSION for t in refs.tags):  # move the tag to this upload
            api.delete_tag(repo_id, tag=CODEBASE_VERSION, repo_type="dataset")
        api.create_tag(repo_id, tag=CODEBASE_VERSION, repo_type="dataset")
    write_link(root, repo_id, CODEBASE_VERSION)
    return f"{api.endpoint}/datasets/{repo_id}"


def pull_dataset(repo_id, dest, revision=None, token=None, include=None):
    """Downloads a dataset repo into dest (files already there are kept: an interrupted pull resumes).

    revision None means the v3.0 tag when the repo has one (what lerobot would load), else main.
    include: only paths matching these patterns (e.g. ["meta/*"]); meta/ always comes along.
    """
    from huggingface_hub import snapshot_download

    api = hub_api(token)
    with hub_errors(repo_id, "dataset", api):
        if revision is None:
            tags = {t.name for t in api.list_repo_refs(repo_id, repo_type="dataset").tags}
            revision = CODEBASE_VERSION if CODEBASE_VERSION in tags else "main"
        snapshot_download(
            repo_id,
            repo_type="dataset",
            revision=revision,
            local_dir=dest,
            endpoint=api.endpoint,
            token=token,
            allow_patterns=[*include, "meta/*", "README.md"] if include else None,
        )
    read_info(Path(dest))  # refuse loudly when what came down is not a LeRobot v3.0 dataset
    write_link(Path(dest), repo_id, revision)
    return Path(dest)


def read_info(root):
    """meta/info.json of a LeRobot v3.0 dataset; HubError saying what is wrong otherwise."""
    path = Path(root) / "meta" / "info.json"
    try:
        info = json.loads(path.read_text())
    except FileNotFoundError:
        raise HubError(f"{root} is not a LeRobot dataset (no meta/info.json)") from None
    except ValueError as err:
        raise HubError(f"{path} is not valid JSON ({err}): run `imitate dataset validate {root}`") from None
    if info.get("codebase_version") != CODEBASE_VERSION:
        raise HubError(
            f"{root} is LeRobot {info.get('codebase_version')}, imitate shares {CODEBASE_VERSION}: "
            f"convert it with lerobot's converter first"
        )
    return info


def dataset_card(info, repo_id, tags=()):
    """README.md with the Hub's YAML header, as lerobot writes it, and the dataset's shape below."""
    header = {
        "license": "apache-2.0",
        "task_categories": ["robotics"],
        "tags": ["LeRobot", *([info["robot_type"]] if info.get("robot_type") else []), "imitate", *tags],
        "configs": [{"config_name": "default", "data_files": "data/*/*.parquet"}],
    }
    cameras = [k for k, f in info["features"].items() if f.get("dtype") == "video"]
    return (
        f"---\n{yaml.safe_dump(header, sort_keys=False)}---\n\n# {repo_id}\n\n"
        f"Recorded with imitate on a {info.get('robot_type') or 'robot'}: "
        f"{info['total_episodes']} episodes, {info['total_frames']} frames at {info['fps']} fps, "
        f"cameras {', '.join(cameras) or 'none'}.\n\n"
        f"```python\nfrom lerobot.datasets.lerobot_dataset import LeRobotDataset\n"
        f"dataset = LeRobotDataset(\"{repo_id}\")\n```\n\n"
        f"## meta/info.json\n\n```json\n{json.dumps(info, indent=2)}\n```\n"
    )


def write_link(root, repo_id, revision):
    """meta/hub.json: which repo this folder came from or went to (the page's "open on the Hub")."""
    (Path(root) / "meta" / "hub.json").write_text(
        json.dumps({"repo_id": repo_id, "revision": revision}) + "\n"
    )
