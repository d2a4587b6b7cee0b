"""Batch norm that learns, for an ACT backbone trained from scratch.

lerobot builds ACT's ResNet with torchvision's FrozenBatchNorm2d: right for ImageNet weights, whose
statistics it keeps, but a from-scratch backbone then has no normalization at all (every frozen
layer is the identity). `thaw` swaps each frozen layer for a BatchNorm2d that starts from the same
values, so the backbone trains with batch statistics. The checkpoint keeps lerobot's key names
(weight, bias, running_mean, running_var; FrozenBatchNorm2d drops num_batches_tracked on load), so
lerobot loads it into its frozen layers unchanged and computes exactly what the thawed model
computes in eval mode.
"""

from contextlib import contextmanager

import torch
from torchvision.ops.misc import FrozenBatchNorm2d


def thaw(module):
    """Replace every FrozenBatchNorm2d under `module` by a trainable BatchNorm2d with its values;
    returns how many were replaced."""
    frozen = [(name, m) for name, m in module.named_modules() if isinstance(m, FrozenBatchNorm2d)]
    for name, old in frozen:
        parent_name, _, attr = name.rpartition(".")
        parent = module.get_submodule(parent_name) if parent_name else module
        new = torch.nn.BatchNorm2d(old.weight.numel(), eps=old.eps).to(old.weight.device)
        with torch.no_grad():
            for key in ("weight", "bias", "running_mean", "running_var"):
                getattr(new, key).copy_(getattr(old, key))
        setattr(parent, attr, new)
    return len(frozen)


@contextmanager
def statistics_kept(module):
    """Within: every BatchNorm normalizes with its running statistics and leaves them as they are (a
    validation pass in training mode, as ACT computes its loss, must not learn the held-out data)."""
    norms = [m for m in module.modules() if isinstance(m, torch.nn.BatchNorm2d) and m.training]
    for m in norms:
        m.eval()
    try:
        yield
    finally:
        for m in norms:
            m.train()
