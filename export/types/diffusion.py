"""Diffusion's export: an encoder graph and a denoiser graph; the DDIM schedule and the action
normalization go to policy.json for the runtime's numpy loop."""
import torch

from ..graphs import DiffusionDenoiser, DiffusionEncoder, export_onnx
from ..normalize import action_norm


def build_graphs(policy, stats, cameras, n_joints, out, opset, spec, options):
    """encoder.onnx and denoiser.onnx; spec["diffusion"] for the runtime. options["diffusion_steps"]:
    the DDIM steps the runtime runs."""
    names = ["observation.state"] + [f"observation.images.{c}" for c in cameras]
    n_obs, cfg = policy.config.n_obs_steps, policy.config
    images = [torch.zeros(1, n_obs, h, w, 3, dtype=torch.uint8) for h, w in cameras.values()]
    encoder = DiffusionEncoder(policy, stats)
    export_onnx(
        encoder,
        [torch.zeros(1, n_obs, n_joints), *images],
        names,
        ["conditioning"],
        out / "encoder.onnx",
        opset,
    )
    with torch.no_grad():
        cond = encoder(torch.zeros(1, n_obs, n_joints), *images)
    sample = torch.zeros(1, cfg.horizon, n_joints)
    export_onnx(
        DiffusionDenoiser(policy),
        [sample, torch.zeros(1, dtype=torch.long), cond],
        ["sample", "timestep", "conditioning"],
        ["model_output"],
        out / "denoiser.onnx",
        opset,
    )
    spec["diffusion"] = diffusion_spec(policy, stats, options.get("diffusion_steps", 10))
    return {"encoder": "encoder.onnx", "denoiser": "denoiser.onnx"}


def use_ddim(policy, steps):
    """Switch lerobot's policy to DDIM with `steps` steps (what the runtime runs); returns the scheduler."""
    from diffusers import DDIMScheduler

    config = policy.diffusion.noise_scheduler.config
    keys = (
        "num_train_timesteps",
        "beta_start",
        "beta_end",
        "beta_schedule",
        "clip_sample",
        "clip_sample_range",
        "prediction_type",
    )
    ddim = DDIMScheduler(**{k: config[k] for k in keys if k in config})
    policy.diffusion.noise_scheduler, policy.diffusion.num_inference_steps = ddim, steps
    ddim.set_timesteps(steps)
    return ddim


def diffusion_spec(policy, stats, steps):
    """policy.json fields particular to Diffusion (horizon, noise schedule, steps)."""
    ddim = use_ddim(policy, steps)
    if ddim.config.prediction_type not in ("epsilon", "sample"):
        raise ValueError(
            f"diffusion prediction type {ddim.config.prediction_type} is not supported by the runtime"
        )
    return {
        "horizon": policy.config.horizon,
        "num_inference_steps": steps,
        "action_norm": action_norm(policy, stats),
        "scheduler": {
            "type": "DDIM",
            "alphas_cumprod": ddim.alphas_cumprod.tolist(),
            "timesteps": [int(t) for t in ddim.timesteps],
            "step_ratio": ddim.config.num_train_timesteps // steps,
            "final_alpha_cumprod": float(ddim.final_alpha_cumprod),
            "clip_sample": bool(ddim.config.clip_sample),
            "clip_sample_range": float(ddim.config.clip_sample_range),
            "prediction_type": ddim.config.prediction_type,
        },
    }


def reference_chunk(policy, batch, noise):
    """lerobot's Diffusion predict_action_chunk for one preprocessed observation (its queues filled by
    repetition), from `noise`."""
    from lerobot.policies.utils import populate_queues

    policy.reset()
    batch = {
        k: v for k, v in batch.items() if isinstance(v, torch.Tensor)
    }  # the processor adds e.g. action=None
    batch["observation.images"] = torch.stack([batch[k] for k in policy.config.image_features], dim=-4)
    policy._queues = populate_queues(policy._queues, batch)
    device = batch["observation.state"].device  # the policy's (CPU for parity, CUDA in bench/gpu_check.py)
    return policy.predict_action_chunk(batch, noise=torch.from_numpy(noise).to(device))
