"""The exported graphs: lerobot's networks wrapped with their normalization, raw robot values in/out.

ACT: (state (1, S), images (1, H, W, 3) uint8 per camera) -> action chunk (1, chunk, A).
Diffusion encoder: (state (1, n_obs, S), images (1, n_obs, H, W, 3) per camera) -> conditioning (1, C).
Diffusion denoiser: (sample (1, horizon, A) normalized, timestep (1,) int64, conditioning) -> noise.
The Diffusion unnormalization (MIN_MAX on actions) is applied by the runtime after its DDIM loop,
with the stats in policy.json, because the loop works in normalized space.
"""
import warnings

import torch
from torch import nn

from .normalize import Normalize, image_to_float, modes


class NormalizedInputs(nn.Module):
    """The state's and each camera's normalization, as the checkpoint's preprocessor does it."""

    def __init__(self, policy, stats):
        super().__init__()
        mode = modes(policy.config)
        self.cameras = list(policy.config.image_features)
        self.state_norm = Normalize(stats["observation.state"], mode["STATE"])
        self.image_norms = nn.ModuleList(Normalize(stats[k], mode["VISUAL"]) for k in self.cameras)


class ActGraph(NormalizedInputs):
    """lerobot's ACT model in eval mode, with normalization inside."""

    def __init__(self, policy, stats):
        super().__init__(policy, stats)
        self.model = policy.model
        self.action_unnorm = Normalize(stats["action"], modes(policy.config)["ACTION"], inverse=True)

    def forward(self, state, *images):
        """The traced computation: raw inputs in, raw outputs out."""
        batch = {
            "observation.state": self.state_norm(state),
            "observation.images": [
                norm(image_to_float(img)) for norm, img in zip(self.image_norms, images, strict=True)
            ],
        }
        actions = self.model(batch)[0]  # (1, chunk, A) normalized; eval mode: no VAE, zero latent
        return self.action_unnorm(actions)


class DiffusionEncoder(NormalizedInputs):
    """Observation history -> the global conditioning vector of lerobot's Diffusion U-Net."""

    def __init__(self, policy, stats):
        super().__init__(policy, stats)
        self.diffusion = policy.diffusion

    def forward(self, state, *images):
        """The traced computation: raw inputs in, raw outputs out."""
        per_camera = [
            norm(image_to_float(img)) for norm, img in zip(self.image_norms, images, strict=True)
        ]  # (1, n_obs, 3, H, W)
        batch = {
            "observation.state": self.state_norm(state),
            "observation.images": torch.stack(per_camera, dim=2),
        }
        return self.diffusion._prepare_global_conditioning(batch)


class DiffusionDenoiser(nn.Module):
    """One U-Net evaluation: the noise in `sample` at `timestep`, given the conditioning."""

    def __init__(self, policy):
        super().__init__()
        self.unet = policy.diffusion.unet

    def forward(self, sample, timestep, conditioning):
        """The traced computation: raw inputs in, raw outputs out."""
        return self.unet(sample, timestep, global_cond=conditioning)


def export_onnx(module, inputs, names, outputs, path, opset):
    """torch.onnx.export with the TorchScript exporter (the one that traces these policies reliably)."""
    module.eval()
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter(
            "ignore", torch.jit.TracerWarning
        )  # shape-only Python in lerobot's code: static here
        torch.onnx.export(
            module,
            tuple(inputs),
            str(path),
            input_names=names,
            output_names=outputs,
            opset_version=opset,
            dynamo=False,
            do_constant_folding=True,
        )
