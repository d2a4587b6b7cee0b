"""`imitate export RUN --format torch`: a package of kind `lerobot`, which the torch backend runs.

For any policy lerobot 0.4.4 trains (and that imitate's registry knows), including those with no ONNX
export yet (SmolVLA). The package holds policy.json (the same inputs and outputs as an ONNX package,
so the runtime checks it against the robot the same way), the checkpoint folder as lerobot saved it,
and for a VLA the backbone's config, tokenizer and processor files, without its weights (the
checkpoint has them). Every file is hashed. Before it is kept, the package is loaded the way the
robot loads it and runs a chunk on a few observations.
"""
import logging
import shutil
import time

import numpy as np
from lerobot.configs.policies import PreTrainedConfig

from imitate.edge.dataset.files import write_json_atomic
from imitate.edge.policy_package import load_package, sha256

from . import checkpoint as ckpt
from .backbone import copy_backbone
from .package_spec import camera_sizes, empty_folder, joint_names, package_spec
from .samples import sample_observations
from .torch_policy import TorchPolicy

log = logging.getLogger(__name__)


def package_lerobot(checkpoint, out, dataset=None, profile=None, vlm=None, frames=2):
    """Write the lerobot package for `checkpoint` to `out`; returns the loaded PolicyPackage."""
    folder = ckpt.resolve(checkpoint)
    kind = ckpt.policy_type(folder)
    config = PreTrainedConfig.from_pretrained(folder)
    if config.n_obs_steps != 1:
        raise ValueError(
            f"the torch backend runs policies that look at one observation; this {kind.name} looks at "
            f"{config.n_obs_steps}: export it to ONNX (`imitate export {checkpoint}`)"
        )
    joints = joint_names(folder, dataset, profile, config)
    cameras = camera_sizes(config)
    out = empty_folder(out)
    shutil.copytree(folder, out / "checkpoint")
    spec = package_spec(folder, config, kind, joints, cameras, dataset)
    spec.update(kind="lerobot", graphs={}, checkpoint="checkpoint")
    backbone = getattr(config, "vlm_model_name", None)
    if backbone:
        copy_backbone(vlm or backbone, out / "vlm")
        spec["vlm"] = "vlm"
    spec["files"] = {
        p.relative_to(out).as_posix(): sha256(p) for p in sorted(out.rglob("*")) if p.is_file()
    }
    write_json_atomic(out / "policy.json", spec)
    spec["load_check"] = load_check(load_package(out), dataset, cameras, len(joints), frames)
    write_json_atomic(out / "policy.json", spec)
    return load_package(out)


def load_check(package, dataset, cameras, n_joints, frames):
    """Run the package as the robot would on a few observations: its chunks' shape, finiteness and time."""
    policy = TorchPolicy(package, device="cpu")
    observations, source = sample_observations(dataset, cameras, n_joints, frames)
    times = []
    for obs in observations:
        if package.needs_task and not obs.get("task"):
            obs = obs | {"task": "pick up the ball"}  # random observations have none
        policy.reset()
        start = time.perf_counter()
        chunk = policy.actions(obs)
        times.append((time.perf_counter() - start) * 1e3)
        if chunk.shape != (package.chunk_size, n_joints) or not np.isfinite(chunk).all():
            raise ValueError(
                f"the package's chunk is {chunk.shape}, finite: {bool(np.isfinite(chunk).all())}; expected "
                f"({package.chunk_size}, {n_joints}), finite: the checkpoint does not match its config"
            )
    log.info("load check on %s: %.1f ms per chunk on the CPU", source, float(np.median(times)))
    return {"frames": len(observations), "inputs": source, "chunk_ms_cpu": round(float(np.median(times)), 1)}
