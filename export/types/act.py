"""ACT's export: one graph, (state, images) -> the chunk, normalization inside."""
import torch

from ..graphs import ActGraph, export_onnx


def build_graphs(policy, stats, cameras, n_joints, out, opset, spec, options):
    """model.onnx; returns {graph name: file}."""
    names = ["observation.state"] + [f"observation.images.{c}" for c in cameras]
    images = [torch.zeros(1, h, w, 3, dtype=torch.uint8) for h, w in cameras.values()]
    export_onnx(
        ActGraph(policy, stats),
        [torch.zeros(1, n_joints), *images],
        names,
        ["action"],
        out / "model.onnx",
        opset,
    )
    return {"model": "model.onnx"}


def reference_chunk(policy, batch, noise=None):
    """lerobot's own chunk for a preprocessed batch (normalized)."""
    return policy.predict_action_chunk(batch)
