"""SmolVLA as ONNX graphs: exported with parity against lerobot, the prompt tokenized on the robot
without torch as lerobot tokenizes it, the package driving the simulated robot over DDS with a task,
and every graph building with TensorRT (for RTX, without a GPU)."""

import json
from types import SimpleNamespace

import numpy as np
import pytest

from imitate.edge.policy import make_policy
from imitate.edge.policy_package import load_package
from imitate.export import checkpoint as ckpt
from imitate.export.types.smolvla import check_exportable

from .drive import check_driven, drive_over_dds

pytestmark = pytest.mark.slow
TASK = "pick up the ball"


def observation(package, seed=0):
    rng = np.random.default_rng(seed)
    return {
        "state": rng.standard_normal(19).astype(np.float32),
        "images": {
            c: rng.integers(0, 256, (h, w, 3), dtype=np.uint8) for c, (h, w) in package.cameras.items()
        },
    }


def test_the_export_is_three_graphs_with_parity_and_the_tokenizer(smolvla_onnx_package):
    package = load_package(smolvla_onnx_package)
    spec = package.spec
    assert (package.kind, package.policy_type, package.needs_task) == ("onnx", "smolvla", True)
    assert set(spec["graphs"]) == {"vision", "prefix", "expert"}
    assert spec["parity"]["max_abs_error"] <= 1e-3 and spec["parity"]["inputs"].startswith("4 frames of")
    assert "vlm/tokenizer.json" in spec["files"]  # hashed: load_package checks it
    assert not list((smolvla_onnx_package / "vlm").glob("*.safetensors"))  # the graphs hold every weight
    vla = spec["smolvla"]
    assert (vla["chunk_size"], vla["max_action_dim"], vla["num_steps"]) == (50, 32, 10)
    assert len(vla["action_norm"]["offset"]) == 19


@pytest.mark.parametrize(
    "task",
    [TASK, "Put the red cube in the box!", "move " * 60, "grab the zorblax", ""],
    ids=["plain", "punctuation", "truncated", "unknown-word", "empty"],
)
def test_the_prompt_is_tokenized_as_lerobots_preprocessor_does(smolvla_onnx_package, smolvla_run, task):
    """The robot's tokens (tokenizers, no torch) are lerobot's, right-padded to the graphs' length."""
    import torch

    policy = make_policy(smolvla_onnx_package, backend="ort-cpu")
    tokens, mask = policy.prompt(task)
    folder = ckpt.resolve(smolvla_run)
    config = ckpt.load_policy(folder).config
    pre, _ = ckpt.load_processors(folder, config, smolvla_onnx_package / "vlm")
    batch = {"observation.state": torch.zeros(1, 19), "task": [task]}
    for cam, (h, w) in policy.package.cameras.items():
        batch[f"observation.images.{cam}"] = torch.zeros(1, 3, h, w)
    out = pre(batch)
    theirs = out["observation.language.tokens"][0].numpy()
    their_mask = out["observation.language.attention_mask"][0].numpy()
    n = int(their_mask.sum())
    assert tokens.shape == mask.shape == (1, config.tokenizer_max_length)
    assert n == int(mask.sum()) and np.array_equal(tokens[0, :n], theirs[their_mask])
    assert mask[0, :n].all() and not mask[0, n:].any()


def test_the_graphs_give_lerobots_actions_for_the_same_noise_and_task(smolvla_onnx_package, smolvla_package):
    """The ONNX package on ONNX Runtime against the same checkpoint run by lerobot (the torch backend),
    on observations the export never saw; the task must matter as much as the error allows to see."""
    graphs = make_policy(smolvla_onnx_package, backend="ort-cpu")
    lerobot = make_policy(smolvla_package, backend="torch", device="cpu")
    rng = np.random.default_rng(7)
    for seed in range(3):
        obs = observation(graphs.package, seed) | {"task": TASK}
        noise = rng.standard_normal((1, 50, 32)).astype(np.float32)
        ours, theirs = graphs.actions(obs, noise=noise), lerobot.actions(obs, noise=noise)
        assert ours.shape == theirs.shape == (50, 19)
        assert np.abs(ours - theirs).max() <= 1e-3
    other = graphs.actions(obs | {"task": "put it in the box"}, noise=noise)
    assert np.abs(other - ours).max() > 1e-3  # another prompt, another chunk: the parity sees prompts


def test_without_a_task_it_is_refused_and_noise_is_drawn_otherwise(smolvla_onnx_package):
    policy = make_policy(smolvla_onnx_package, backend="ort-cpu")
    obs = observation(policy.package)
    with pytest.raises(ValueError, match="needs a task: pass --task"):
        policy.actions(obs)
    a, b = policy.actions(obs | {"task": TASK}), policy.actions(obs | {"task": TASK})
    assert np.isfinite(a).all() and not np.array_equal(a, b)  # each chunk from a fresh draw


def test_the_onnx_package_drives_the_robot_over_dds_with_a_task(smolvla_onnx_package):
    ran, stats, heard = drive_over_dds(smolvla_onnx_package, "--task", TASK, seconds=6)
    assert ran.returncode == 0, ran.stderr[-3000:]
    assert "policy backend: ort-cpu" in ran.stderr  # the graphs, not lerobot
    check_driven(stats, heard)


@pytest.mark.tensorrt
def test_every_smolvla_graph_builds_with_tensorrt_for_rtx(smolvla_onnx_package, tmp_path):
    trt = pytest.importorskip(
        "tensorrt_rtx_bindings", reason="TensorRT for RTX is not installed (extra 'test')"
    )
    from imitate.export.tensorrt_engine import build_one

    package = load_package(smolvla_onnx_package)
    for graph in package.spec["graphs"]:
        plan = build_one(trt, package.graph(graph), tmp_path / "timing.cache", fp16=False, workspace_gb=1.0)
        assert len(plan) > 0.5 * package.graph(graph).stat().st_size, graph


@pytest.mark.parametrize(
    "setting, message",
    [
        (dict(adapt_to_pi_aloha=True), r"its state and action conversions \(adapt_to_pi_aloha\)"),
        (dict(use_cache=False), r"a prefix recomputed each step"),
        (dict(resize_imgs_with_padding=None), r"cameras at their own sizes"),
    ],
)
def test_settings_the_graphs_do_not_follow_are_sent_to_the_torch_backend(setting, message):
    config = SimpleNamespace(
        **({"adapt_to_pi_aloha": False, "use_cache": True, "resize_imgs_with_padding": (512, 512)} | setting)
    )
    with pytest.raises(ValueError, match=message + r".*--format torch"):
        check_exportable(config)


def test_the_samples_carry_the_task_for_the_engine_check(smolvla_onnx_package):
    samples = np.load(smolvla_onnx_package / "samples.npz")
    spec = json.loads((smolvla_onnx_package / "policy.json").read_text())
    assert samples["noise"].shape[1:] == (1, 50, 32) and len(samples["task"]) == len(samples["state"])
    assert all(isinstance(str(t), str) and t for t in samples["task"]) and spec["needs_task"]
