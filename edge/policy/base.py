"""The policy interface every backend implements (the choice of backend: factory.py)."""
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass

import numpy as np

from ..images import resize_rgb


@dataclass
class Chunk:
    """Actions from one inference, with its timing (callers log it)."""

    actions: np.ndarray  # (horizon, A) float32 joint targets in raw robot units
    infer_ms: float  # wall time of the inference


class Policy(ABC):
    """infer(observation) -> Chunk; observation = {"state": (S,), "images": {camera: (H, W, 3) uint8 RGB}}."""

    def __init__(self, package):
        self.package = package

    def inputs(self, observation):
        """Graph inputs (batch of one) from a raw observation: images resized as in training."""
        state = np.asarray(observation["state"], np.float32)[None]
        images = [
            resize_rgb(observation["images"][cam], size)[None] for cam, size in self.package.cameras.items()
        ]
        return state, images

    def infer(self, observation):
        """One chunk for an observation {state, images}; timing travels in the result."""
        start = time.perf_counter()
        actions = self.actions(observation)
        return Chunk(actions, (time.perf_counter() - start) * 1e3)

    @abstractmethod
    def actions(self, observation):
        """(horizon, A) float32 actions for one observation, untimed (infer() times it). The
        exporter's and the engine builder's parity checks call it directly."""

    def reset(self):  # noqa: B027 - not abstract: a policy without history has nothing to forget
        """Forget observation history (between episodes)."""
