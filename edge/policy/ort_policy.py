"""ONNX Runtime backends: CPU everywhere, CUDA or TensorRT execution providers where installed."""
import os

from .graph_policy import GraphPolicy

PROVIDERS = {"ort-cpu": ["CPUExecutionProvider"],
             "ort-cuda": ["CUDAExecutionProvider", "CPUExecutionProvider"],
             "ort-tensorrt": ["TensorrtExecutionProvider", "CUDAExecutionProvider", "CPUExecutionProvider"]}


def available_providers():
    """ONNX Runtime's execution providers on this machine."""
    import onnxruntime
    return onnxruntime.get_available_providers()


def session(path, backend, threads=None):
    """An InferenceSession with the settings that measured fastest here (see bench/inference.py)."""
    import onnxruntime as ort
    if PROVIDERS[backend][0] not in available_providers():
        raise RuntimeError(
            f"backend {backend} needs {PROVIDERS[backend][0]}, which this onnxruntime lacks "
            f"(has {', '.join(available_providers())}): install onnxruntime-gpu or use ort-cpu"
        )
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.intra_op_num_threads = threads or os.cpu_count() or 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    providers = []
    for name in PROVIDERS[backend]:
        if name == "TensorrtExecutionProvider":  # engines are cached beside the package, built once
            cache = str(path.parent / "engines" / "ort_trt")
            providers.append(
                (
                    name,
                    {
                        "trt_engine_cache_enable": True,
                        "trt_engine_cache_path": cache,
                        "trt_timing_cache_enable": True,
                        "trt_timing_cache_path": cache,
                    },
                )
            )
        else:
            providers.append(name)
    return ort.InferenceSession(str(path), options, providers=providers)


def runner(sess):
    """An ORT session for one graph file on the best available provider."""
    names = [i.name for i in sess.get_inputs()]
    return lambda inputs: sess.run(None, dict(zip(names, inputs, strict=True)))


class OrtPolicy(GraphPolicy):
    """A policy package on ONNX Runtime."""

    def __init__(self, package, backend="ort-cpu", threads=None, seed=0):
        self.backend = backend
        runners = {
            name: runner(session(package.graph(name), backend, threads)) for name in package.spec["graphs"]
        }
        super().__init__(package, runners, seed)
