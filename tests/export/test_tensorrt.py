"""TensorRT without a GPU: every exported graph builds into an engine with TensorRT for RTX (the PyPI
wheels, which parse and build on a CPU-only machine), and every TensorRT name imitate calls exists in
JetPack's TensorRT 10.3 (read from the `tensorrt-cu12-bindings==10.3.0` wheel's library, which cannot
be imported without NVIDIA's libraries). Running an engine needs a GPU: `make gpu-check`."""
import ast
import importlib.metadata
import importlib.util
import shutil
from pathlib import Path

import pytest

pytest.importorskip("lerobot", reason="export needs lerobot (extra 'export')")

from imitate.edge.policy import make_policy  # noqa: E402
from imitate.edge.policy.factory import auto_backend  # noqa: E402
from imitate.edge.policy_package import load_package  # noqa: E402
from imitate.export.tensorrt_engine import build_engines, build_one  # noqa: E402

pytestmark = pytest.mark.tensorrt
ROOT = Path(__file__).resolve().parents[2]
SOURCES = [ROOT / "export" / "tensorrt_engine.py", ROOT / "edge" / "policy" / "tensorrt_policy.py"]
# variables that hold TensorRT objects in SOURCES (self.engine, self.context: EngineRunner's)
TENSORRT_OBJECTS = {"trt", "builder", "network", "parser", "config", "profile", "tensor", "engine", "context"}
REMOVED_IN_10 = ["execute_async_v2", "build_engine", "max_workspace_size", "get_binding_index"]


def rtx():
    reason = "TensorRT for RTX is not installed (extra 'test')"
    return pytest.importorskip("tensorrt_rtx_bindings", reason=reason)


def test_every_exported_graph_builds_with_tensorrt_for_rtx(packages, tmp_path):
    trt = rtx()
    built = []
    for kind, package in packages.items():
        for graph in package.spec["graphs"]:
            onnx = package.graph(graph)
            plan = build_one(trt, onnx, tmp_path / "timing.cache", fp16=False, workspace_gb=1.0)
            # an engine carries the graph's weights: it cannot be much smaller than the ONNX file
            assert len(plan) > 0.5 * onnx.stat().st_size, (kind, graph, len(plan), onnx.stat().st_size)
            built.append(f"{kind}/{graph}")
    assert built == ["act/model", "diffusion/encoder", "diffusion/denoiser"]


def test_build_engine_without_a_gpu_builds_then_refuses_and_leaves_no_engine(packages, tmp_path):
    """The whole `build-engine` path on TensorRT for RTX: the engines build, but their parity cannot be
    measured without a GPU, so they are removed and `--backend auto` keeps ONNX Runtime."""
    rtx()
    if importlib.util.find_spec("tensorrt"):
        pytest.skip("TensorRT itself is installed: build-engine would use it, not TensorRT for RTX")
    copy = tmp_path / "act"
    shutil.copytree(packages["act"].root, copy)
    with pytest.raises(RuntimeError, match="engines built, but were removed: their parity .* was not proven"):
        build_engines(copy)
    assert not list(copy.glob("engines/*.engine"))
    assert "tensorrt" not in load_package(copy).spec and auto_backend(load_package(copy)) == "ort-cpu"
    assert make_policy(copy).backend == "ort-cpu"


def test_only_engines_with_recorded_parity_are_picked(packages, tmp_path):
    """A stray engine file (copied from another GPU, newer than the proven one) is never run; the engine
    policy.json names is, and a missing one says to build again."""
    import json

    from imitate.edge.policy.tensorrt_policy import proven_engines

    copy = tmp_path / "act"
    shutil.copytree(packages["act"].root, copy)
    (copy / "engines").mkdir()
    (copy / "engines" / "model-Other_GPU-trt10.3.0-abc.engine").write_bytes(b"not for this GPU")
    with pytest.raises(RuntimeError, match="no TensorRT engines with proven parity.*imitate build-engine"):
        proven_engines(load_package(copy))
    assert auto_backend(load_package(copy)) == "ort-cpu"
    spec = json.loads((copy / "policy.json").read_text())
    spec["tensorrt"] = {"engines": {"model": "engines/model-This_GPU-trt10.3.0-abc.engine"}, "fp16": False}
    (copy / "policy.json").write_text(json.dumps(spec))
    with pytest.raises(RuntimeError, match="names engines that are gone.*build-engine"):
        proven_engines(load_package(copy))
    proven = copy / "engines" / "model-This_GPU-trt10.3.0-abc.engine"
    proven.write_bytes(b"proven here")
    assert proven_engines(load_package(copy)) == {"model": proven}


def test_fp16_is_refused_where_the_builder_has_no_fp16_flag(packages, tmp_path):
    trt = rtx()
    assert not hasattr(trt.BuilderFlag, "FP16")  # TensorRT for RTX: strongly typed networks
    with pytest.raises(RuntimeError, match="rtx1.* has no FP16 builder flag .*build FP32"):
        build_one(trt, packages["act"].graph("model"), tmp_path / "timing.cache", fp16=True, workspace_gb=1.0)


def tensorrt_names():
    """Every attribute imitate reads on a TensorRT module or object, from the sources' syntax trees."""
    names = set()
    for source in SOURCES:
        for node in ast.walk(ast.parse(source.read_text())):
            if not isinstance(node, ast.Attribute):
                continue
            path, inner = [], node.value  # the attributes between the root variable and node.attr
            while isinstance(inner, ast.Attribute | ast.Call):
                if isinstance(inner, ast.Attribute):
                    path.append(inner.attr)
                inner = inner.func if isinstance(inner, ast.Call) else inner.value
            root, path = (inner.id if isinstance(inner, ast.Name) else None), path[::-1]
            if root == "self" and path:
                root, path = path[0], path[1:]  # EngineRunner's self.engine, self.context
            if root in TENSORRT_OBJECTS and not any(p.startswith("__") for p in [*path, node.attr]):
                names.add(node.attr)
    return names


def library_has(binary, python, name):
    """A name registered by pybind11 is a NUL-terminated string in the library (the linker may share
    its bytes with the tail of a longer name), or a function of the bindings' Python part."""
    return (name.encode() + b"\0") in binary or f"def {name}(" in python


def test_the_tensorrt_names_imitate_calls_exist_in_tensorrt_10_3():
    spec = importlib.util.find_spec("tensorrt_bindings")
    if spec is None:
        pytest.skip("the tensorrt-cu12-bindings 10.3.0 wheel is not installed (extra 'test')")
    assert importlib.metadata.version("tensorrt-cu12-bindings") == "10.3.0"  # JetPack 6's TensorRT
    folder = Path(spec.submodule_search_locations[0])
    binary, python = (folder / "tensorrt.so").read_bytes(), (folder / "__init__.py").read_text()
    names = tensorrt_names()
    expected = {  # what a reader of the sources sees; the syntax tree must find at least these
        "Builder", "OnnxParser", "BuilderFlag", "FP16", "create_optimization_profile",
        "build_serialized_network", "Runtime", "deserialize_cuda_engine", "num_io_tensors", "get_tensor_name",
        "get_tensor_mode",
        "set_tensor_address", "execute_async_v3", "nptype", "create_timing_cache", "set_memory_pool_limit",
    }
    assert expected <= names, expected - names
    missing = sorted(n for n in names if not library_has(binary, python, n))
    assert not missing, f"imitate calls names TensorRT 10.3 does not have: {missing}"
    # the check can fail: TensorRT 8's names, removed in 10, are not found
    assert not any(library_has(binary, python, n) for n in REMOVED_IN_10)


def test_tensorrt_for_rtx_has_the_same_names_but_fp16():
    trt = rtx()
    members = set(dir(trt))
    for value in vars(trt).values():
        if isinstance(value, type):
            members |= set(dir(value))
    missing = sorted(tensorrt_names() - members)
    assert missing == ["FP16"], missing  # the one difference (README: TensorRT for RTX)
