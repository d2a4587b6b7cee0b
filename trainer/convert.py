"""`imitate dataset convert DIR` (the trainer part adds the verb: it needs lerobot, which edge never
imports): a LeRobot v2.1 dataset (meta/*.jsonl, one parquet and one mp4 per
episode, as many datasets on the Hub still are) to v3.0, with lerobot 0.4.4's own converter, offline.

lerobot's converter moves the original to DIR_old and puts the result at DIR. The result must then
load (imitate's reader and validation, and lerobot's LeRobotDataset when installed); if it does not,
the original goes back to DIR and the failed result is kept beside it for a look. The original is
kept in DIR_old either way: delete it once the converted dataset is what you expect.
"""
import json
import shutil
from pathlib import Path

from imitate.edge.dataset import DatasetError
from imitate.edge.dataset.tools import validate


def convert_v21(root):
    """Convert the v2.1 dataset at `root` in place; returns (root, where the original is kept)."""
    root = Path(root).resolve()
    info_path = root / "meta" / "info.json"
    if not info_path.is_file():
        raise DatasetError(f"{root} is not a dataset: no meta/info.json")
    version = json.loads(info_path.read_text()).get("codebase_version")
    if version == "v3.0":
        raise DatasetError(f"{root} is already LeRobot v3.0: nothing to convert")
    if version != "v2.1":
        raise DatasetError(
            f"{root} is LeRobot {version}: the converter takes v2.1 (convert older ones to v2.1 "
            "with the lerobot release of their time first)"
        )
    old = root.parent / f"{root.name}_old"
    if old.exists():
        raise DatasetError(
            f"{old} exists (an earlier conversion's original?): move it away first; nothing was changed"
        )
    try:
        from lerobot.datasets.v30.convert_dataset_v21_to_v30 import (
            convert_dataset,  # lerobot: lazy, as every command
        )
    except ImportError as err:
        raise RuntimeError(f"converting needs lerobot ({err}): pip install 'imitate[train]'") from None
    convert_dataset(repo_id=root.name, root=root.parent, push_to_hub=False, force_conversion=True)
    problems = _load_problems(root)
    if problems:
        failed = root.parent / f"{root.name}_failed_conversion"
        shutil.rmtree(failed, ignore_errors=True)
        shutil.move(str(root), str(failed))
        shutil.move(str(old), str(root))
        raise DatasetError(
            f"the converted dataset does not load ({'; '.join(problems[:3])}): the original is back "
            f"at {root}, the failed result at {failed}"
        )
    return root, old


def _load_problems(root):
    """What keeps the converted dataset from loading ([] when it loads)."""
    try:
        problems, _ = validate(root)
    except DatasetError as err:
        return [str(err)]
    if problems:
        return problems
    try:
        from lerobot.datasets.lerobot_dataset import LeRobotDataset

        ds = LeRobotDataset(f"local/{root.name}", root=root, video_backend="pyav")
        ds[len(ds) - 1]  # the last frame decodes
    except ImportError:
        pass
    except Exception as err:  # lerobot's own errors: any of them means it does not load
        return [f"lerobot cannot load it: {type(err).__name__}: {err}"]
    return []
