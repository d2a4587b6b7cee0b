"""Policy backends: a policy package in, action chunks out (`infer(observation) -> Chunk`, `reset()`)."""
from .base import Chunk, Policy
from .factory import make_policy

__all__ = ["Chunk", "Policy", "make_policy"]
