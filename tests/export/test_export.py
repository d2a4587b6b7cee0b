"""imitate export: packages that match lerobot, and refuse to run when tampered with."""

import json
import shutil

import numpy as np
import pytest
import torch

pytest.importorskip("lerobot", reason="export needs lerobot (extra 'export')")

from imitate.edge.policy import make_policy  # noqa: E402
from imitate.edge.policy.types import REGISTRY, PolicyType  # noqa: E402
from imitate.edge.policy_package import PackageError, check_profile, load_package  # noqa: E402
from imitate.edge.profile import load_profile  # noqa: E402
from imitate.export import checkpoint as ckpt  # noqa: E402
from imitate.export.exporter import export  # noqa: E402
from imitate.export.types.diffusion import reference_chunk, use_ddim  # noqa: E402


@pytest.mark.parametrize("kind,limit", [("act", 1e-4), ("diffusion", 1e-3)])
def test_export_passes_parity_and_describes_itself(packages, kind, limit):
    package = packages[kind]
    spec = package.spec
    assert spec["parity"]["max_abs_error"] <= limit and spec["parity"]["frames"] >= (
        32 if kind == "act" else 4
    )
    assert "frames of" in spec["parity"]["inputs"]
    assert package.state_joints == load_profile("sim").joint_names
    assert package.cameras == {"cam_head": (48, 84)}
    assert spec["lerobot_version"] == "0.4.4" and spec["source_checkpoint"]["sha256"]
    check_profile(package, load_profile("sim"))


def test_the_edge_backend_gives_lerobots_actions(packages, tiny_checkpoints):
    """One more frame, checked here rather than by the exporter: ACT, raw robot-size image in."""
    folder = ckpt.resolve(tiny_checkpoints["act"])
    policy = ckpt.load_policy(folder)
    pre, post = ckpt.load_processors(folder, policy.config)
    rng = np.random.default_rng(5)
    state = rng.standard_normal(19).astype(np.float32)
    robot_image = rng.integers(0, 256, (376, 672, 3), dtype=np.uint8)  # as the robot delivers it
    runtime = make_policy(packages["act"].root, backend="ort-cpu")
    chunk = runtime.infer({"state": state, "images": {"cam_head": robot_image}})
    from imitate.edge.images import resize_rgb

    small = resize_rgb(robot_image, (48, 84))
    batch = {
        "observation.state": torch.from_numpy(state)[None],
        "observation.images.cam_head": torch.from_numpy(small).permute(2, 0, 1)[None].float() / 255,
    }
    with torch.no_grad():
        expected = post(policy.predict_action_chunk(pre(batch)))[0].numpy()
    assert chunk.actions.shape == (30, 19) and chunk.infer_ms > 0
    assert np.abs(chunk.actions - expected).max() <= 1e-4


def test_diffusion_runtime_follows_lerobot_with_the_same_noise(packages, tiny_checkpoints):
    folder = ckpt.resolve(tiny_checkpoints["diffusion"])
    policy = ckpt.load_policy(folder)
    use_ddim(policy, packages["diffusion"].spec["diffusion"]["num_inference_steps"])
    pre, post = ckpt.load_processors(folder, policy.config)
    rng = np.random.default_rng(7)
    obs = {
        "state": rng.standard_normal(19).astype(np.float32),
        "images": {"cam_head": rng.integers(0, 256, (48, 84, 3), dtype=np.uint8)},
    }
    noise = rng.standard_normal((1, 16, 19)).astype(np.float32)
    batch = {
        "observation.state": torch.from_numpy(obs["state"])[None],
        "observation.images.cam_head": torch.from_numpy(obs["images"]["cam_head"])
        .permute(2, 0, 1)[None]
        .float()
        / 255,
    }
    with torch.no_grad():
        expected = post(reference_chunk(policy, pre(batch), noise))[0].numpy()
    got = make_policy(packages["diffusion"].root, backend="ort-cpu").actions(obs, noise=noise)
    assert got.shape == (8, 19) and np.abs(got - expected).max() <= 1e-3


def test_random_inputs_are_said(tiny_checkpoints, tmp_path):
    package = export(tiny_checkpoints["act"], tmp_path / "pkg", frames=4, slim=False)
    assert package.spec["parity"]["inputs"] == "4 random observations (no dataset given)"


def tampered(packages, tmp_path):
    copy = tmp_path / "pkg"
    shutil.copytree(packages["act"].root, copy)
    return copy


def test_wrong_joints_are_refused(packages):
    with pytest.raises(PackageError, match="do not match profile ai_worker_sg2.*retrain"):
        check_profile(packages["act"], load_profile("ai_worker_sg2"))


def test_missing_file_is_refused(packages, tmp_path):
    copy = tampered(packages, tmp_path)
    (copy / "model.onnx").unlink()
    with pytest.raises(PackageError, match="graph model .model.onnx. is missing"):
        load_package(copy)


def test_corrupted_onnx_is_refused(packages, tmp_path):
    copy = tampered(packages, tmp_path)
    data = bytearray((copy / "model.onnx").read_bytes())
    data[len(data) // 2] ^= 0xFF
    (copy / "model.onnx").write_bytes(bytes(data))
    with pytest.raises(PackageError, match="does not match the hash in policy.json"):
        load_package(copy)


def test_hash_mismatch_and_bad_json_are_refused(packages, tmp_path):
    copy = tampered(packages, tmp_path)
    spec = json.loads((copy / "policy.json").read_text())
    spec["graphs"]["model"]["sha256"] = "0" * 64
    (copy / "policy.json").write_text(json.dumps(spec))
    with pytest.raises(PackageError, match="does not match the hash"):
        load_package(copy)
    (copy / "policy.json").write_text("{not json")
    with pytest.raises(PackageError, match="not valid JSON"):
        load_package(copy)


def fake_checkpoint(tmp_path, policy_type):
    folder = tmp_path / "pretrained_model"
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps({"type": policy_type}))
    (folder / "model.safetensors").write_bytes(b"")
    return tmp_path


def test_a_policy_imitate_cannot_run_is_refused_with_the_reason(tmp_path):
    with pytest.raises(
        ValueError,
        match="cannot export a pi0 policy yet: lerobot 0.4.4 runs pi0 only with its patched transformers",
    ):
        ckpt.policy_type(ckpt.resolve(fake_checkpoint(tmp_path, "pi0")))


def test_a_policy_without_onnx_graphs_is_pointed_to_the_torch_format(tmp_path, monkeypatch):
    """A type the torch backend runs but no export module traces yet (lerobot's vqbet, registered here
    the way a new type's module would be)."""
    monkeypatch.setitem(
        REGISTRY, "vqbet", PolicyType(name="vqbet", small_config={"n_vqvae_training_steps": 1})
    )
    with pytest.raises(ValueError, match=r"vqbet has no ONNX export yet: .* --format torch"):
        export(fake_checkpoint(tmp_path, "vqbet"), tmp_path / "pkg")


@pytest.mark.gpu
@pytest.mark.tensorrt
def test_build_engine_and_its_parity(packages):
    """Runs where `make gpu-check` runs: a CUDA GPU with TensorRT (or TensorRT for RTX) and cuda-python."""
    from imitate.edge.policy.tensorrt_policy import import_tensorrt, tensorrt_available

    if not (tensorrt_available() and shutil.which("nvidia-smi")):
        pytest.skip("needs a CUDA GPU and TensorRT")
    import_tensorrt()
    from imitate.export.tensorrt_engine import build_engines

    engines = build_engines(packages["act"].root)
    spec = load_package(packages["act"].root).spec
    assert engines and spec["tensorrt"]["max_abs_error_vs_ort"] <= 1e-3
    chunk = make_policy(packages["act"].root, backend="tensorrt").infer(
        {"state": np.zeros(19, np.float32), "images": {"cam_head": np.zeros((376, 672, 3), np.uint8)}}
    )
    assert chunk.actions.shape == (30, 19)
