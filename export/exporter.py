"""`imitate export`: a lerobot checkpoint becomes a policy package, and parity is proven or export fails.

Parity: lerobot's own `predict_action_chunk`, with the checkpoint's pre- and post-processors, and
the package on the robot's ONNX Runtime backend get the same observations (>= 32 frames of the
dataset, or random ones if none is given, which is said), Diffusion the same noise and the same DDIM
steps, a VLA the same task. Max abs error must stay within the type's tolerance (1e-4 ACT, 1e-3
Diffusion and SmolVLA). What differs per type is in the registry (edge/policy/types/) and its export
module (export/types/).
"""
import contextlib
import io
import logging
import time

import numpy as np
import torch

from imitate.edge.dataset.files import write_json_atomic
from imitate.edge.policy.ort_policy import OrtPolicy
from imitate.edge.policy.types import get_type
from imitate.edge.policy_package import load_package, sha256

from . import checkpoint as ckpt
from .backbone import copy_backbone, find_backbone
from .package_spec import camera_sizes, empty_folder, joint_names, package_spec
from .samples import sample_observations
from .types import export_side

log = logging.getLogger(__name__)
DEFAULT_TASK = "pick up the ball"  # a VLA's prompt on observations that come without one (random ones)


def export(checkpoint, out, dataset=None, profile=None, opset=17, frames=32, diffusion_steps=10, slim=True,
           vlm=None):
    """Write the package for `checkpoint` to `out`; returns the loaded PolicyPackage. `vlm`: a VLA's
    backbone folder (config and tokenizer files) when its name is neither a folder nor cached."""
    folder = ckpt.resolve(checkpoint)
    kind = ckpt.policy_type(folder)
    if not kind.onnx:
        raise ValueError(
            f"{kind.name} has no ONNX export yet: package it for the torch backend with "
            f"`imitate export {checkpoint} --format torch`"
        )
    backbone = vlm or ckpt.backbone_name(folder)
    backbone = find_backbone(backbone) if backbone else None
    policy = ckpt.load_policy(folder, kind, vlm=backbone)
    cfg, stats = policy.config, ckpt.normalizer_stats(folder)
    joints = joint_names(folder, dataset, profile, cfg)
    cameras = camera_sizes(cfg)
    out = empty_folder(out)
    spec = package_spec(folder, policy.config, kind, joints, cameras, dataset) | {"opset": opset}
    if backbone:  # the prompt's tokenizer travels with the graphs
        copy_backbone(backbone, out / "vlm")
        spec["vlm"] = "vlm"
    graphs = export_side(kind).build_graphs(
        policy, stats, cameras, len(joints), out, opset, spec, {"diffusion_steps": diffusion_steps}
    )
    if slim:
        for name in graphs:
            slim_if_faster(out / graphs[name])
    spec["graphs"] = {name: {"file": file, "sha256": sha256(out / file)} for name, file in graphs.items()}
    if backbone:
        spec["files"] = {p.relative_to(out).as_posix(): sha256(p) for p in sorted((out / "vlm").iterdir())}
    write_json_atomic(out / "policy.json", spec)
    observations, source = sample_observations(dataset, cameras, len(joints), frames)
    if kind.needs_task:  # random observations have none; the dataset's frames say theirs
        observations = [o | {"task": o.get("task") or DEFAULT_TASK} for o in observations]
    spec["parity"] = measure_parity(policy, folder, load_package(out), observations, source, backbone)
    save_samples(out / "samples.npz", observations[:4], cameras, spec)
    write_json_atomic(out / "policy.json", spec)
    limit = kind.parity_tolerance
    if not spec["parity"]["max_abs_error"] <= limit:
        raise ValueError(
            f"parity failed: ONNX Runtime differs from lerobot by {spec['parity']['max_abs_error']:.2e} "
            f"(limit {limit:.0e}) on {source}; the package in {out} is not usable"
        )
    return load_package(out)


def save_samples(path, observations, cameras, spec):
    """A few observations kept in the package: `build-engine` checks an engine against ONNX Runtime on
    them."""
    arrays = {"state": np.stack([o["state"] for o in observations])}
    for cam in cameras:
        arrays[f"image_{cam}"] = np.stack([o["images"][cam] for o in observations])
    kind = get_type(spec["policy_type"])
    if kind.uses_noise:
        shape = (len(observations), *kind.noise_shape(spec))
        arrays["noise"] = np.random.default_rng(1).standard_normal(shape).astype(np.float32)
    if kind.needs_task:
        arrays["task"] = np.array([o["task"] for o in observations])
    np.savez(path, **arrays)


def measure_parity(policy, folder, package, observations, source, backbone=None):
    """Max abs error between lerobot and the package over the observations, in raw units."""
    pre, post = ckpt.load_processors(folder, policy.config, backbone)
    runtime = OrtPolicy(package, "ort-cpu")
    reference = export_side(runtime.kind).reference_chunk
    worst, rng = 0.0, np.random.default_rng(0)
    for obs in observations:
        batch = {"observation.state": torch.from_numpy(obs["state"])[None]}
        for cam, img in obs["images"].items():
            batch[f"observation.images.{cam}"] = torch.from_numpy(img).permute(2, 0, 1)[None].float() / 255
        if runtime.kind.needs_task:
            batch["task"] = [obs["task"]]
        runtime.reset()
        noise = None
        if runtime.kind.uses_noise:  # both sides start from the same draw
            noise = rng.standard_normal(runtime.kind.noise_shape(package.spec)).astype(np.float32)
        with torch.no_grad():
            expected = post(reference(policy, pre(batch), noise))[0].numpy()
        got = runtime.actions(obs, noise=noise)
        worst = max(worst, float(np.abs(expected - got).max()))
    log.info("parity on %s: max abs error %.2e", source, worst)
    return {"max_abs_error": worst, "frames": len(observations), "inputs": source, "backend": "ort-cpu"}


def slim_if_faster(path):
    """Replace the graph with onnxslim's version if it runs faster with the same outputs."""
    try:
        import onnxslim
    except ImportError:
        return
    slim_path = path.with_suffix(".slim.onnx")
    try:
        with contextlib.redirect_stdout(io.StringIO()):  # onnxslim prints a report table
            onnxslim.slim(str(path), str(slim_path))
    except Exception as err:  # onnxslim is an optimization: its failure must not stop an export
        log.warning("onnxslim could not simplify %s: %s", path.name, err)
        return
    if _same_and_faster(path, slim_path):
        slim_path.replace(path)
    else:
        slim_path.unlink(missing_ok=True)


def _same_and_faster(original, slimmed):
    import onnxruntime as ort

    a, b = (ort.InferenceSession(str(p), providers=["CPUExecutionProvider"]) for p in (original, slimmed))
    rng = np.random.default_rng(0)
    feeds = {}
    for i in a.get_inputs():
        shape = [d if isinstance(d, int) else 1 for d in i.shape]
        if "uint8" in i.type:
            feeds[i.name] = rng.integers(0, 255, shape).astype(np.uint8)
        elif "int64" in i.type:
            feeds[i.name] = np.zeros(shape, np.int64)
        elif "bool" in i.type:  # masks: all real
            feeds[i.name] = np.ones(shape, bool)
        else:
            feeds[i.name] = rng.standard_normal(shape).astype(np.float32)
    outputs_a, outputs_b = a.run(None, feeds), b.run(None, feeds)
    if len(outputs_a) != len(outputs_b):  # onnxslim changed the graph's outputs: not the same graph
        return False
    if not all(np.allclose(x, y, atol=1e-6) for x, y in zip(outputs_a, outputs_b, strict=True)):
        return False
    return _median_ms(b, feeds) < _median_ms(a, feeds)


def _median_ms(session, feeds, runs=7):
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        session.run(None, feeds)
        times.append(time.perf_counter() - t)
    return float(np.median(times)) * 1e3
