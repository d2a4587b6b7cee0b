"""The choice of backend for a policy package: its own module, so the interface (base.py) and the
backends that implement it (ort_policy.py, tensorrt_policy.py) do not import each other."""
import importlib.util
import logging

from ..policy_package import load_package
from .ort_policy import OrtPolicy, available_providers

log = logging.getLogger(__name__)
BACKENDS = ("ort-cpu", "ort-cuda", "ort-tensorrt", "tensorrt")


def make_policy(path, backend="auto", **options):
    """A backend for the package at `path`; 'auto' picks the fastest available and logs which."""
    package = load_package(path)
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
        from .tensorrt_policy import TensorrtPolicy  # tensorrt: imported only when asked for
        return TensorrtPolicy(package, **options)
    return OrtPolicy(package, backend, **options)


def package_has_engine(package):
    """Whether the package folder holds a TensorRT engine (engines/*.engine)."""
    return any(package.root.glob("engines/*.engine"))


def _tensorrt_available():
    return importlib.util.find_spec("tensorrt") is not None
