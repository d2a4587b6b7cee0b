"""The policy interface every backend implements, and the choice of backend."""
import logging
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass

import numpy as np

from ..images import resize_rgb
from ..policy_package import load_package

log = logging.getLogger(__name__)
BACKENDS = ("ort-cpu", "ort-cuda", "ort-tensorrt", "tensorrt")


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
        images = [resize_rgb(observation["images"][cam], size)[None] for cam, size in self.package.cameras.items()]
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

    def reset(self):
        """Forget observation history (between episodes)."""


def make_policy(path, backend="auto", **options):
    """A backend for the package at `path`; 'auto' picks the fastest available and logs which."""
    package = load_package(path)
    from .ort_policy import OrtPolicy, available_providers
    if backend == "auto":
        if package_has_engine(package) and _tensorrt_available():
            backend = "tensorrt"
        else:
            have = available_providers()
            backend = ("ort-tensorrt" if "TensorrtExecutionProvider" in have else
                       "ort-cuda" if "CUDAExecutionProvider" in have else "ort-cpu")
        log.info("policy backend: %s (auto)", backend)
    if backend not in BACKENDS:
        raise ValueError(f"unknown backend {backend!r}: expected auto or one of {', '.join(BACKENDS)}")
    if backend == "tensorrt":
        from .tensorrt_policy import TensorrtPolicy
        return TensorrtPolicy(package, **options)
    return OrtPolicy(package, backend, **options)


def package_has_engine(package):
    """Whether the package folder holds a TensorRT engine (engines/*.engine)."""
    return any(package.root.glob("engines/*.engine"))


def _tensorrt_available():
    import importlib.util
    return importlib.util.find_spec("tensorrt") is not None
