"""lerobot's normalization as torch modules, so it is part of the exported graph.

Same formulas as lerobot 0.4.4's NormalizerProcessorStep: MEAN_STD (x - mean) / (std + 1e-8),
inverse x * std + mean; MIN_MAX 2 (x - min) / (max - min) - 1 (a zero range becomes 1e-8),
inverse (x + 1) / 2 * range + min. Images arrive as uint8 HWC and become float CHW in [0, 1] first.
"""
import torch
from torch import nn

EPS = 1e-8


class Normalize(nn.Module):
    """One feature's (un)normalization with the checkpoint's stats baked in as buffers."""

    def __init__(self, stats, mode, inverse=False):
        super().__init__()
        self.mode, self.inverse = mode, inverse
        if mode == "MEAN_STD":
            self.register_buffer("offset", stats["mean"].float())
            self.register_buffer("scale", stats["std"].float())
        elif mode == "MIN_MAX":
            span = stats["max"].float() - stats["min"].float()
            self.register_buffer("offset", stats["min"].float())
            self.register_buffer("scale", torch.where(span == 0, torch.full_like(span, EPS), span))
        elif mode != "IDENTITY":
            raise ValueError(f"normalization {mode} is not exportable yet (MEAN_STD, MIN_MAX, IDENTITY are)")

    def forward(self, x):
        """Normalize (or unnormalize) x with the checkpoint's statistics."""
        if self.mode == "IDENTITY":
            return x
        if self.mode == "MEAN_STD":
            return x * self.scale + self.offset if self.inverse else (x - self.offset) / (self.scale + EPS)
        return (
            (x + 1) / 2 * self.scale + self.offset if self.inverse else 2 * (x - self.offset) / self.scale - 1
        )


def action_norm(policy, stats):
    """policy.json's action normalization, for a runtime whose sampling loop ends in normalized space
    (edge/policy/action_norm.py inverts it): {mode, offset, scale}."""
    mode = modes(policy.config)["ACTION"]
    a = stats["action"]
    if mode == "MIN_MAX":
        offset, span = a["min"], a["max"] - a["min"]
        scale = torch.where(span == 0, torch.full_like(span, EPS), span)
    elif mode == "MEAN_STD":
        offset, scale = a["mean"], a["std"]
    else:
        offset, scale = torch.zeros_like(a["mean"]), torch.ones_like(a["mean"])
    return {"mode": mode, "offset": offset.tolist(), "scale": scale.tolist()}


def image_to_float(image):
    """(..., H, W, 3) uint8 -> (..., 3, H, W) float32 in [0, 1], as lerobot feeds policies."""
    order = (0, 3, 1, 2) if image.dim() == 4 else (0, 1, 4, 2, 3)  # explicit: ONNX rejects negative perms
    return image.float().div(255.0).permute(*order)


def modes(config):
    """{VISUAL|STATE|ACTION: mode name} of a lerobot policy config."""
    return {k: (v.value if hasattr(v, "value") else str(v)) for k, v in config.normalization_mapping.items()}
