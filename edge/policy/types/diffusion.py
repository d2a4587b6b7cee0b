"""Diffusion: an encoder over the last n_obs_steps observations, then a DDIM loop in numpy calling
the denoiser graph once per step, then lerobot's unnormalization of the actions."""
import numpy as np

from ..action_norm import unnormalize
from ..diffusion_loop import ddim_sample
from .policy_type import PolicyType


def noise_shape(spec):
    """The DDIM loop's starting noise: (1, horizon, A)."""
    return (1, spec["diffusion"]["horizon"], len(spec["outputs"]["action"]["joints"]))


def actions(policy, state, images, noise=None, task=None):
    """The chunk (n_action_steps, A) for one observation; `noise` (1, horizon, A) or drawn."""
    history = policy.history
    history.append((state, images))
    while len(history) < history.maxlen:  # the first steps repeat the first observation
        history.appendleft(history[0])
    states = np.stack([s for s, _ in history], axis=1)  # (1, n_obs, S)
    cams = [np.stack([im[i] for _, im in history], axis=1) for i in range(len(images))]
    cond = policy.runners["encoder"]([states, *cams])[0]
    package = policy.package
    spec = package.spec["diffusion"]
    if noise is None:
        noise = policy.rng.standard_normal(noise_shape(package.spec)).astype(np.float32)
    denoiser = policy.runners["denoiser"]
    sample = ddim_sample(
        lambda x, t: denoiser([x, np.array([t], np.int64), cond])[0], noise, spec["scheduler"]
    )
    start = package.n_obs_steps - 1
    return unnormalize(sample[0, start : start + package.n_action_steps], spec["action_norm"])


TYPE = PolicyType(
    name="diffusion",
    small_config=dict(
        down_dims=(64, 128, 256),
        n_obs_steps=2,
        horizon=16,
        n_action_steps=8,
        spatial_softmax_num_keypoints=16,
        diffusion_step_embed_dim=64,
        num_inference_steps=10,
        noise_scheduler_type="DDIM",
    ),
    export_module="imitate.export.types.diffusion",
    graphs=("encoder", "denoiser"),
    parity_tolerance=1e-3,
    noise_shape=noise_shape,
    actions=actions,
)
