"""TensorRT backend: a package's engines run directly with the TensorRT 10 API.

Named tensors (`num_io_tensors`, `get_tensor_name`, `get_tensor_mode`), `set_tensor_address`,
`execute_async_v3` on one CUDA stream, and pinned host buffers for the copies, through cuda-python
(`cuda.bindings.runtime`, or `cuda.cudart` in older cuda-python). Checked against NVIDIA's TensorRT
10 documentation; it cannot run on machines without TensorRT, so its tests are marked `tensorrt`.

`import_tensorrt` finds TensorRT itself (`tensorrt`: JetPack, data-centre GPUs) or, where only it is
installed, TensorRT for RTX (`tensorrt_rtx`; the PyPI bindings wheel names it `tensorrt_rtx_bindings`):
the same builder, parser and runtime API. An engine runs only in the TensorRT it was built with.
"""
import ctypes
import importlib
import importlib.util

import numpy as np

from .graph_policy import GraphPolicy


def _cudart():
    try:
        from cuda.bindings import runtime
    except ImportError:
        from cuda import cudart as runtime
    return runtime


def _check(result):
    err, *rest = result if isinstance(result, tuple) else (result,)
    if int(err) != 0:
        raise RuntimeError(f"CUDA call failed: {err}")
    return rest[0] if len(rest) == 1 else rest


TENSORRT_MODULES = ("tensorrt", "tensorrt_rtx", "tensorrt_rtx_bindings")


def import_tensorrt():
    """TensorRT's Python module, the first of TENSORRT_MODULES that imports."""
    failures = []
    for name in TENSORRT_MODULES:
        try:
            return importlib.import_module(name)
        except (ImportError, OSError) as exc:  # OSError: bindings whose libraries are missing
            failures.append(f"{name}: {exc}")
    raise ImportError(
        "TensorRT is not installed: on a Jetson it comes with JetPack (python3-libnvinfer); on an RTX "
        "workstation `pip install tensorrt-rtx-cu12-libs tensorrt-rtx-cu12-bindings` ("
        + "; ".join(failures) + ")"
    )


def tensorrt_available():
    """Whether some TensorRT module is installed (without importing it)."""
    return any(importlib.util.find_spec(name) is not None for name in TENSORRT_MODULES)


def is_rtx(trt):
    """Whether a TensorRT module is TensorRT for RTX."""
    return trt.__name__.startswith("tensorrt_rtx")


def tensorrt_label(trt):
    """The TensorRT a module is, for engine file names: '10.3.0', or 'rtx1.7.1.116' for TensorRT for RTX."""
    return f"{'rtx' if is_rtx(trt) else ''}{trt.__version__}"


class EngineRunner:
    """One deserialized engine with its device and pinned host buffers (static shapes)."""

    def __init__(self, path, logger, trt, cudart, stream):
        self.cudart, self.stream = cudart, stream
        self.engine = trt.Runtime(logger).deserialize_cuda_engine(path.read_bytes())
        if self.engine is None:
            raise RuntimeError(
                f"{path} does not load in TensorRT {tensorrt_label(trt)}: it was built for another "
                f"version or GPU; rebuild it with `imitate build-engine`"
            )
        self.context = self.engine.create_execution_context()
        self.inputs, self.outputs = [], []
        for i in range(self.engine.num_io_tensors):
            name = self.engine.get_tensor_name(i)
            dtype = np.dtype(trt.nptype(self.engine.get_tensor_dtype(name)))
            shape = tuple(self.engine.get_tensor_shape(name))
            nbytes = int(np.prod(shape)) * dtype.itemsize
            device = _check(cudart.cudaMalloc(nbytes))
            host_ptr = _check(cudart.cudaMallocHost(nbytes))
            host = (
                np.ctypeslib.as_array((ctypes.c_uint8 * nbytes).from_address(int(host_ptr)))
                .view(dtype)
                .reshape(shape)
            )
            self.context.set_tensor_address(name, int(device))
            entry = (name, host, device, nbytes)
            (
                self.inputs if self.engine.get_tensor_mode(name) == trt.TensorIOMode.INPUT else self.outputs
            ).append(entry)

    def __call__(self, arrays):
        cudart, h2d, d2h = (
            self.cudart,
            self.cudart.cudaMemcpyKind.cudaMemcpyHostToDevice,
            self.cudart.cudaMemcpyKind.cudaMemcpyDeviceToHost,
        )
        for (_, host, device, nbytes), array in zip(self.inputs, arrays, strict=True):
            host[...] = array
            _check(cudart.cudaMemcpyAsync(device, host.ctypes.data, nbytes, h2d, self.stream))
        if not self.context.execute_async_v3(stream_handle=int(self.stream)):
            raise RuntimeError("TensorRT execution failed")
        for _, host, device, nbytes in self.outputs:
            _check(cudart.cudaMemcpyAsync(host.ctypes.data, device, nbytes, d2h, self.stream))
        _check(cudart.cudaStreamSynchronize(self.stream))
        return [host.copy() for _, host, _, _ in self.outputs]


def proven_engines(package):
    """{graph: engine path} of the engines whose parity `imitate build-engine` recorded in policy.json:
    never merely the newest file in engines/ (one copied from another GPU, or left by a failed build)."""
    recorded = package.spec.get("tensorrt", {}).get("engines", {})
    if set(recorded) != set(package.spec["graphs"]):
        raise RuntimeError(
            f"{package.root}: no TensorRT engines with proven parity in policy.json: run `imitate "
            "build-engine` on this machine (or use --backend ort-cuda)"
        )
    engines = {g: package.root / path for g, path in recorded.items()}
    missing = [str(p) for p in engines.values() if not p.is_file()]
    if missing:
        raise RuntimeError(
            f"policy.json names engines that are gone ({', '.join(missing)}): run `imitate build-engine` "
            "again"
        )
    return engines


class TensorrtPolicy(GraphPolicy):
    """A policy package on TensorRT engines ({graph: engine path}, or those with proven parity)."""

    def __init__(self, package, engines=None, seed=0):
        trt = import_tensorrt()
        cudart = _cudart()
        stream = _check(cudart.cudaStreamCreate())
        logger = trt.Logger(trt.Logger.WARNING)
        if engines is None:
            engines = proven_engines(package)
        runners = {g: EngineRunner(path, logger, trt, cudart, stream) for g, path in engines.items()}
        super().__init__(package, runners, seed)
