"""The policy logic over exported graphs, whatever runs them (ONNX Runtime, TensorRT).

A runner per graph takes the graph's inputs in order and returns its outputs. ACT is one run;
Diffusion encodes the last n_obs_steps observations, then denoises in numpy (DDIM) calling the
denoiser once per step, then unnormalizes the actions as lerobot's postprocessor does.
"""
import collections

import numpy as np

from .base import Policy
from .diffusion_loop import ddim_sample


class GraphPolicy(Policy):
    """ACT or Diffusion over `runners` = {graph name: run(list of arrays) -> list of arrays}."""

    def __init__(self, package, runners, seed=0):
        super().__init__(package)
        self.runners = runners
        self.rng = np.random.default_rng(seed)
        self.history = collections.deque(maxlen=package.n_obs_steps)  # Diffusion's observation window

    def reset(self):
        """Forget observation history (start of an episode)."""
        self.history.clear()

    def actions(self, observation, noise=None):
        """(horizon, A) actions; `noise`: Diffusion's starting noise, given when two backends must be
        compared on the same draw (parity checks), else drawn from this policy's generator."""
        state, images = self.inputs(observation)
        if self.package.policy_type == "act":
            return self.runners["model"]([state, *images])[0][0]  # (chunk, A)
        return self._diffusion(state, images, noise)

    def _diffusion(self, state, images, noise):
        self.history.append((state, images))
        while len(self.history) < self.history.maxlen:  # the first steps repeat the first observation
            self.history.appendleft(self.history[0])
        states = np.stack([s for s, _ in self.history], axis=1)  # (1, n_obs, S)
        cams = [np.stack([im[i] for _, im in self.history], axis=1) for i in range(len(images))]
        cond = self.runners["encoder"]([states, *cams])[0]
        spec = self.package.spec["diffusion"]
        if noise is None:
            noise = self.rng.standard_normal((1, spec["horizon"], len(self.package.action_joints))).astype(np.float32)
        denoiser = self.runners["denoiser"]
        sample = ddim_sample(lambda x, t: denoiser([x, np.array([t], np.int64), cond])[0], noise, spec["scheduler"])
        start = self.package.n_obs_steps - 1
        return unnormalize(sample[0, start:start + self.package.n_action_steps], spec["action_norm"])


def unnormalize(x, norm):
    """lerobot's inverse normalization of actions (the loop works in normalized space)."""
    offset, scale = np.asarray(norm["offset"], np.float32), np.asarray(norm["scale"], np.float32)
    if norm["mode"] == "MIN_MAX":
        return ((x + 1) / 2 * scale + offset).astype(np.float32)
    if norm["mode"] == "MEAN_STD":
        return (x * scale + offset).astype(np.float32)
    return x.astype(np.float32)
