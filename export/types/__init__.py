"""The export side of each policy type (edge/policy/types/ names the module): torch code that traces
lerobot's networks into graphs, and lerobot's own chunk for the parity check.

Each module has:
- build_graphs(policy, stats, cameras, n_joints, out, opset, spec, options) -> {graph name: file};
  it may add type-specific fields to `spec` (policy.json);
- reference_chunk(policy, batch, noise) -> lerobot's normalized chunk for a preprocessed batch.
"""
import importlib


def export_side(kind):
    """The export module of a PolicyType."""
    return importlib.import_module(kind.export_module)
