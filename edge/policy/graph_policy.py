"""The policy logic over exported graphs, whatever runs them (ONNX Runtime, TensorRT).

A runner per graph takes the graph's inputs in order and returns its outputs. What a type does with
its graphs (ACT: one run; Diffusion: an encoder, then a DDIM loop over the denoiser) is the type's
`actions` (types/).
"""
import collections

import numpy as np

from .base import Policy
from .types import get_type


class GraphPolicy(Policy):
    """A registered policy type over `runners` = {graph name: run(list of arrays) -> list of arrays}."""

    def __init__(self, package, runners, seed=0):
        super().__init__(package)
        self.kind = get_type(package.policy_type)
        missing = [g for g in self.kind.graphs if g not in runners]
        if missing:
            raise ValueError(f"{package.root}: a {self.kind.name} package needs the graphs "
                             f"{', '.join(self.kind.graphs)}; {', '.join(missing)} missing: export it again")
        self.runners = runners
        self.rng = np.random.default_rng(seed)
        self.history = collections.deque(maxlen=package.n_obs_steps)  # the observation window (Diffusion's)
        if self.kind.setup is not None:
            self.kind.setup(self)

    def reset(self):
        """Forget observation history (start of an episode)."""
        self.history.clear()

    def actions(self, observation, noise=None):
        """(horizon, A) actions; `noise`: the starting noise of a type that draws it (Diffusion,
        SmolVLA), given when two backends must be compared on the same draw (parity checks), else drawn
        here. observation["task"]: what a VLA is asked to do."""
        state, images = self.inputs(observation)
        return self.kind.actions(self, state, images, noise, observation.get("task"))
