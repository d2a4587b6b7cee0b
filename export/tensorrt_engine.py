"""`imitate build-engine`: TensorRT engines for a policy package, built on the machine that runs them.

TensorRT 10 Python API (JetPack 6 ships 10.3), written from NVIDIA's TensorRT 10 documentation, and
every name it calls checked against the 10.3 bindings (tests/export/test_tensorrt.py): parse the
ONNX, one optimization profile (the package's shapes are static), a timing cache kept beside the
package, FP16 when asked, the serialized engine cached under a name made of the GPU, the TensorRT
version and the ONNX hash. Then the engine's parity against ONNX Runtime on the package's sample
observations is written into policy.json. TensorRT 11 and TensorRT for RTX have no FP16 builder flag
(their networks are strongly typed): asking for --fp16 there is refused with what to do instead.

Where TensorRT for RTX is what is installed (an RTX workstation; its wheels are on PyPI), the same
code builds with it: its parser and builder take the same calls. It builds without a GPU, which is
how CI proves every exported graph builds (tests/export/test_tensorrt.py); running an engine, and so
the parity check, needs one.
"""
import logging
import subprocess
from pathlib import Path

import numpy as np

from imitate.edge.dataset.files import write_atomic, write_json_atomic
from imitate.edge.policy.ort_policy import OrtPolicy
from imitate.edge.policy.tensorrt_policy import TensorrtPolicy, import_tensorrt, is_rtx, tensorrt_label
from imitate.edge.policy_package import load_package

log = logging.getLogger(__name__)
# max abs error of an engine's joint targets against ONNX Runtime (raw units: rad, m) that build-engine
# accepts: FP32 builds may use TF32 kernels (TensorRT's default on Ampere and newer); FP16 is asked for
ENGINE_BOUND = {False: 1e-3, True: 2e-2}


def gpu_name():
    """A short name of this machine's GPU, for engine file names (engines are GPU-specific)."""
    try:
        out = subprocess.run(["nvidia-smi", "--query-gpu=name", "--format=csv,noheader"], capture_output=True,
                             text=True, timeout=10).stdout.strip().splitlines()
        if out:
            return "".join(c if c.isalnum() else "_" for c in out[0]).strip("_")
    except (OSError, subprocess.TimeoutExpired):
        pass
    model = Path("/proc/device-tree/model")  # Jetsons: no nvidia-smi in older JetPacks
    return (
        "".join(c if c.isalnum() else "_" for c in model.read_text().strip("\0")) if model.exists() else "gpu"
    )


def engine_path(package, graph, trt_label, fp16):
    """Where a graph's engine for this device lives in the package."""
    sha = package.spec["graphs"][graph]["sha256"][:12]
    return (
        package.root
        / "engines"
        / f"{graph}-{gpu_name()}-trt{trt_label}-{sha}{'-fp16' if fp16 else ''}.engine"
    )


def build_engines(path, fp16=False, workspace_gb=2.0):
    """Build (or reuse) an engine per graph; record parity in policy.json; returns the engine paths.
    Engines whose parity cannot be measured (no GPU here) or is out of bound are removed again."""
    trt = import_tensorrt()
    package = load_package(path)
    check_fp16(trt, fp16)
    engines = {}
    for graph in package.spec["graphs"]:
        target = engine_path(package, graph, tensorrt_label(trt), fp16)
        if not target.exists():
            write_atomic(
                target,
                build_one(
                    trt, package.graph(graph), package.root / "engines" / "timing.cache", fp16, workspace_gb
                ),
            )
            log.info("built %s", target)
        engines[graph] = target
    try:
        record_parity(package, engines, fp16, tensorrt_label(trt))
    except Exception as exc:
        for target in engines.values():  # an engine without proven parity is never picked by --backend auto
            target.unlink(missing_ok=True)
        raise RuntimeError(
            f"the engines built, but were removed: their parity against ONNX Runtime was not proven ({exc}). "
            f"Run build-engine on the machine with the GPU that will run them"
        ) from exc
    return list(engines.values())


def check_fp16(trt, fp16):
    """Refuse --fp16 where the builder has no FP16 flag (TensorRT 11, TensorRT for RTX)."""
    if fp16 and not hasattr(trt.BuilderFlag, "FP16"):
        raise RuntimeError(
            f"TensorRT {tensorrt_label(trt)} has no FP16 builder flag (its networks are strongly typed): "
            f"build FP32, or convert the ONNX to mixed precision first (ModelOpt AutoCast)"
        )


def build_one(trt, onnx_path, cache_path, fp16, workspace_gb):
    """Build and serialize one engine from one ONNX graph: the builder settings of every engine."""
    check_fp16(trt, fp16)
    logger = trt.Logger(trt.Logger.WARNING)
    builder = trt.Builder(logger)
    network = builder.create_network(0)  # TensorRT 10: explicit batch is the only mode
    parser = trt.OnnxParser(network, logger)
    if not parser.parse(onnx_path.read_bytes()):
        errors = "; ".join(str(parser.get_error(i)) for i in range(parser.num_errors))
        raise RuntimeError(f"TensorRT cannot parse {onnx_path.name}: {errors}")
    config = builder.create_builder_config()
    config.set_memory_pool_limit(trt.MemoryPoolType.WORKSPACE, int(workspace_gb * (1 << 30)))
    if fp16:
        config.set_flag(trt.BuilderFlag.FP16)
    profile = builder.create_optimization_profile()
    for i in range(network.num_inputs):
        tensor = network.get_input(i)
        shape = tuple(tensor.shape)
        profile.set_shape(tensor.name, shape, shape, shape)  # static: one shape for min, opt and max
    config.add_optimization_profile(profile)
    timed = not is_rtx(trt)  # TensorRT for RTX has no timing cache (its calls are no-ops there)
    if timed:
        cache = config.create_timing_cache(cache_path.read_bytes() if cache_path.exists() else b"")
        config.set_timing_cache(cache, ignore_mismatch=False)
    plan = builder.build_serialized_network(network, config)
    if plan is None:
        raise RuntimeError(f"TensorRT could not build an engine for {onnx_path.name} (see its log above)")
    if timed:
        write_atomic(cache_path, bytes(config.get_timing_cache().serialize()))
    return bytes(plan)


def record_parity(package, engines, fp16, trt_label):
    """Run the engine on the package's samples and store its error in policy.json."""

    samples = np.load(package.root / "samples.npz")
    reference, on_engines = OrtPolicy(package, "ort-cpu"), TensorrtPolicy(package, engines)
    worst = 0.0
    for i in range(len(samples["state"])):
        obs = {"state": samples["state"][i], "images": {c: samples[f"image_{c}"][i] for c in package.cameras}}
        if "task" in samples:  # a VLA's prompt
            obs["task"] = str(samples["task"][i])
        noise = samples["noise"][i] if "noise" in samples else None
        reference.reset()
        on_engines.reset()
        worst = max(
            worst,
            float(np.abs(reference.actions(obs, noise=noise) - on_engines.actions(obs, noise=noise)).max()),
        )
    spec = dict(package.spec)
    spec["tensorrt"] = {
        "version": trt_label,
        "gpu": gpu_name(),
        "fp16": fp16,
        "max_abs_error_vs_ort": worst,
        "engines": {g: str(p.relative_to(package.root)) for g, p in engines.items()},
    }
    if worst > ENGINE_BOUND[fp16]:
        raise RuntimeError(
            f"max abs error {worst:.2e} against ONNX Runtime over the bound {ENGINE_BOUND[fp16]:.0e}"
            f"{' (try without --fp16)' if fp16 else ''}"
        )
    write_json_atomic(package.root / "policy.json", spec)
    log.info(
        "TensorRT engine parity vs ONNX Runtime: max abs error %.2e (%s)", worst, "fp16" if fp16 else "fp32"
    )
