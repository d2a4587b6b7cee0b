"""The choice of backend for a policy package: its own module, so the interface (base.py) and the
backends that implement it (ort_policy.py, tensorrt_policy.py) do not import each other.

A backend that needs libraries edge never imports (torch, lerobot) is a plugin of the part that has
them: an entry point in the group `imitate.backends` (setup.py: the export part's `torch`, which runs
packages of kind `lerobot`), or `register_backend` at run time. Edge names no such module.
"""
import importlib
import importlib.metadata
import logging

from ..policy_package import PackageError, load_package
from .ort_policy import OrtPolicy, available_providers
from .tensorrt_policy import TensorrtPolicy, proven_engines, tensorrt_available

log = logging.getLogger(__name__)
BACKENDS = ("ort-cpu", "ort-cuda", "ort-tensorrt", "tensorrt", "torch")
DEVICES = ("auto", "cuda", "cpu")  # where the torch backend runs
_REGISTERED = {}  # backend name -> "module:Class", registered at run time (else: the entry points)
PLUGINS = "imitate.backends"  # the entry-point group of backends outside edge


def register_backend(name, target):
    """Make backend `name` the class at `target` ("package.module:Class"), imported when first used."""
    _REGISTERED[name] = target


def make_policy(path, backend="auto", device="auto", rtc=False, **options):
    """A backend for the package at `path`; 'auto' picks the fastest available and logs which.
    `device`: where the torch backend runs (the ONNX backends' device is in their name); `rtc`:
    real-time chunking, which only the torch backend does."""
    package = load_package(path)
    if backend == "auto":
        backend = auto_backend(package)
        log.info("policy backend: %s (auto)", backend)
    if backend not in BACKENDS:
        raise ValueError(f"unknown backend {backend!r}: expected auto or one of {', '.join(BACKENDS)}")
    if package.kind == "lerobot" and backend != "torch":
        raise PackageError(f"{package.root} is a lerobot package (a checkpoint, no graphs): --backend torch")
    if package.kind != "lerobot" and backend == "torch":
        raise PackageError(
            f"{package.root} is an ONNX package: --backend torch runs a lerobot package (`imitate export RUN "
            "--format torch`); run this one with --backend auto"
        )
    if backend == "torch":
        return _registered("torch")(package, device=device, rtc=rtc, **options)
    if rtc:
        raise ValueError(f"--rtc runs on the torch backend (a lerobot package), not {backend}")
    if backend == "tensorrt":
        return TensorrtPolicy(package, **options)
    return OrtPolicy(package, backend, **options)


def auto_backend(package):
    """torch for a lerobot package; else TensorRT with an engine, else the best ONNX Runtime provider."""
    if package.kind == "lerobot":
        return "torch"
    if package_has_engine(package) and tensorrt_available():
        return "tensorrt"
    have = available_providers()
    return ("ort-tensorrt" if "TensorrtExecutionProvider" in have else
            "ort-cuda" if "CUDAExecutionProvider" in have else "ort-cpu")


def _registered(name):
    if name not in _REGISTERED:
        for point in importlib.metadata.entry_points(group=PLUGINS, name=name):
            _REGISTERED[name] = point.value
    if name not in _REGISTERED:
        raise RuntimeError(
            f"the {name} backend runs lerobot checkpoints with lerobot and torch, which this install lacks: "
            "pip install 'imitate[export]' (on a Jetson, with JetPack's torch: see the README)"
        )
    module, _, cls = _REGISTERED[name].partition(":")
    try:
        return getattr(importlib.import_module(module), cls)
    except ImportError as err:
        hint = "pip install 'imitate[export]'"
        raise RuntimeError(f"the {name} backend could not load ({err}): {hint}") from None


def package_has_engine(package):
    """Whether the package holds TensorRT engines with proven parity (recorded in policy.json)."""
    try:
        proven_engines(package)
    except RuntimeError:
        return False
    return True

