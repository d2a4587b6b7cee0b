"""A VLA's backbone files in a package: the VLM's config, tokenizer and processor, never its weights
(the checkpoint has every weight). From a local folder, or from the Hugging Face cache (offline: what
a training run fetched before); nothing is downloaded."""

import shutil
from pathlib import Path

WEIGHTS = (".safetensors", ".bin", ".pt", ".pth", ".gguf")  # a backbone's own weights stay behind


def find_backbone(source):
    """The folder holding backbone `source`'s config.json (a local folder or a cached Hub id)."""
    folder = Path(source).expanduser()
    if not (folder / "config.json").is_file():
        folder = cached_snapshot(str(source))
    if folder is None or not (folder / "config.json").is_file():
        raise ValueError(
            f"the policy's VLM backbone {str(source)!r} is neither a local folder with its config.json nor "
            "in the Hugging Face cache: the robot needs its config, tokenizer and processor files. Pass "
            "--vlm FOLDER (a download of that model; its weights are not needed)"
        )
    return folder


def copy_backbone(source, target):
    """Copy the backbone's files but its weights from `source` (see find_backbone) into new folder
    `target`; returns the folder they came from."""
    source = find_backbone(source)
    target.mkdir()
    for path in sorted(source.iterdir()):
        if path.is_file() and not path.name.endswith(WEIGHTS):
            shutil.copy2(path, target / path.name)
    return source


def cached_snapshot(repo_id):
    """The cached folder of Hub model `repo_id`, or None (nothing is downloaded)."""
    try:
        from huggingface_hub import snapshot_download  # lazy: only for a backbone named by its Hub id

        return Path(snapshot_download(repo_id, local_files_only=True))
    except Exception:  # not cached, not a Hub id, or no huggingface_hub: the caller says what to do
        return None
