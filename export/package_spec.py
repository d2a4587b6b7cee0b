"""What every policy package's policy.json says, whatever runs it: the policy, its inputs and outputs in
the robot's terms (joint names, camera sizes, turns and crops), where it came from.

`imitate export` (ONNX graphs) and `imitate export --format torch` (a lerobot package) both write it.
"""

import json
import logging
import shutil
from pathlib import Path

from imitate import __version__
from imitate.edge.dataset.layout import vector_names
from imitate.edge.policy_package import FORMAT

from . import checkpoint as ckpt
from .normalize import modes

log = logging.getLogger(__name__)


def empty_folder(path):
    """`path` as a new, empty folder (a package being rewritten is replaced whole); returns it."""
    path = Path(path)
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True)
    return path


def camera_sizes(cfg):
    """{camera: (height, width)} the policy was trained on, from its config's image features."""
    return {
        k.removeprefix("observation.images."): tuple(cfg.input_features[k].shape[1:])
        for k in cfg.image_features
    }


def package_spec(folder, cfg, kind, joints, cameras, dataset):
    """policy.json's common fields for the checkpoint in `folder` (graphs, files and parity come after)."""
    turned = views_of(folder, dataset)
    return {
        "format": FORMAT,
        "policy_type": kind.name,
        "needs_task": kind.needs_task,
        "fps": fps_of(folder, dataset),
        "chunk_size": horizon(cfg),
        "n_action_steps": cfg.n_action_steps,
        "n_obs_steps": cfg.n_obs_steps,
        "inputs": {
            "state": {"name": "observation.state", "dtype": "float32", "joints": joints},
            "cameras": [
                {
                    "name": c,
                    "input": f"observation.images.{c}",
                    "height": h,
                    "width": w,
                    "dtype": "uint8",
                    "layout": "HWC",
                    "color": "RGB",
                    "rotate_deg": turned.get(c, (0, None))[0],
                    "crop": turned.get(c, (0, None))[1],
                }
                for c, (h, w) in cameras.items()
            ],
        },
        "outputs": {"action": {"joints": joints, "dtype": "float32"}},
        "normalization": modes(cfg),
        "exporter": f"imitate {__version__}",
        "lerobot_version": lerobot_version(),
        "source_checkpoint": {"path": str(folder), "sha256": ckpt.checkpoint_hash(folder)},
    }


def joint_names(folder, dataset, profile, cfg):
    """The state/action joint names: from the dataset, else the training run's dataset, else the profile."""
    for root in (dataset, training_dataset(folder)):
        info = Path(root) / "meta" / "info.json" if root else None
        if info and info.is_file():
            feature = json.loads(info.read_text())["features"]["action"]
            names, note = vector_names(feature, "action")
            if note:
                log.warning("%s: %s", root, note)
            return names
    if profile is not None:
        return list(profile.joint_names)
    n = cfg.output_features["action"].shape[0]
    raise ValueError(
        f"cannot tell the names of the {n} joints: pass --dataset (the training data) or --profile"
    )


def views_of(folder, dataset):
    """{camera: (degrees clockwise, crop)} done to its images before storing (imitate.rotate_deg and
    imitate.crop in the dataset's feature info), so the runtime can check it does the same; {} when
    unknown."""
    for root in (dataset, training_dataset(folder)):
        info = Path(root) / "meta" / "info.json" if root else None
        if info and info.is_file():
            feats = json.loads(info.read_text())["features"]
            return {
                k.removeprefix("observation.images."): (
                    int((f.get("info") or {}).get("imitate.rotate_deg", 0)),
                    (f.get("info") or {}).get("imitate.crop"),
                )
                for k, f in feats.items()
                if k.startswith("observation.images.")
            }
    return {}


def training_dataset(folder):
    """The dataset folder recorded in the checkpoint's train_config.json, if it exists here."""
    path = folder / "train_config.json"
    return json.loads(path.read_text()).get("dataset", {}).get("root") if path.is_file() else None


def fps_of(folder, dataset):
    """Frames per second of the training dataset (the spacing of actions)."""
    for root in (dataset, training_dataset(folder)):
        info = Path(root) / "meta" / "info.json" if root else None
        if info and info.is_file():
            return json.loads(info.read_text())["fps"]
    return 30


def horizon(cfg):
    """Actions per Diffusion chunk."""
    return getattr(cfg, "chunk_size", None) or cfg.horizon


def lerobot_version():
    """The installed lerobot's version string."""
    from importlib.metadata import version

    return version("lerobot")
