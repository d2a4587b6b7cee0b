"""DDIM sampling in numpy (eta 0), the denoising loop of a Diffusion policy outside the graphs.

Follows diffusers' DDIMScheduler.step with the values the exporter stored in policy.json:
alphas_cumprod, the timesteps of the chosen number of steps, the final alpha, clipping and the
prediction type. The U-Net runs once per step through `denoise(sample, t) -> model output`.
"""
import numpy as np


def ddim_sample(denoise, noise, scheduler):
    """Denoise `noise` (1, horizon, A) in normalized action space; returns the clean sample."""
    ac = np.asarray(scheduler["alphas_cumprod"], np.float64)
    timesteps, ratio = scheduler["timesteps"], scheduler["step_ratio"]
    sample = noise.astype(np.float32)
    for t in timesteps:
        output = denoise(sample, int(t)).astype(np.float64)
        prev = t - ratio
        a_t = ac[t]
        a_prev = ac[prev] if prev >= 0 else scheduler["final_alpha_cumprod"]
        if scheduler["prediction_type"] == "epsilon":
            x0 = (sample - np.sqrt(1 - a_t) * output) / np.sqrt(a_t)
            eps = output
        else:  # "sample": the network predicts the clean sample
            x0 = output
            eps = (sample - np.sqrt(a_t) * x0) / np.sqrt(1 - a_t)
        if scheduler["clip_sample"]:
            x0 = np.clip(x0, -scheduler["clip_sample_range"], scheduler["clip_sample_range"])
        sample = (np.sqrt(a_prev) * x0 + np.sqrt(1 - a_prev) * eps).astype(np.float32)
    return sample
