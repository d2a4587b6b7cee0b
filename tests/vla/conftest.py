import subprocess
import sys

import pytest

from imitate.trainer.offline_smolvla import build_vlm, save_smolvla_base

CLI = [sys.executable, "-m", "imitate.cli"]


def cli(*args, timeout=600):
    """Run `imitate ARGS`; the CompletedProcess (text)."""
    return subprocess.run([*CLI, *map(str, args)], capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="session")
def smolvla_base(tmp_path_factory):
    """(base checkpoint folder, VLM folder): what `imitate hub pull-policy lerobot/smolvla_base` gives."""
    pytest.importorskip("transformers", reason="SmolVLA needs transformers (lerobot[smolvla])")
    root = tmp_path_factory.mktemp("smolvla")
    vlm = build_vlm(root / "vlm")
    return save_smolvla_base(root / "base", vlm), vlm


@pytest.fixture(scope="session")
def smolvla_run(smolvla_base, sim_dataset, tmp_path_factory):
    """A training run: the tiny base fine-tuned for 2 steps on the simulated pick demonstrations."""
    out = tmp_path_factory.mktemp("runs") / "smolvla"
    done = cli(
        "train",
        "--dataset",
        sim_dataset,
        "--output",
        out,
        "--policy",
        "smolvla",
        "--init",
        smolvla_base[0],
        "--steps",
        2,
        "--batch-size",
        2,
        "--save-freq",
        2,
        "--image-size",
        "48x84",
        "--cameras",
        "cam_head,cam_wrist_1",  # two: the vision graph takes every camera in one batch
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return out


@pytest.fixture(scope="session")
def smolvla_package(smolvla_run, sim_dataset, tmp_path_factory):
    """The run as a package of kind lerobot (`imitate export --format torch`)."""
    out = tmp_path_factory.mktemp("packages") / "smolvla"
    done = cli("export", smolvla_run, "--out", out, "--format", "torch", "--dataset", sim_dataset)
    assert done.returncode == 0, done.stderr[-3000:]
    return out


@pytest.fixture(scope="session")
def smolvla_onnx_package(smolvla_run, sim_dataset, tmp_path_factory):
    """The run as an ONNX package (`imitate export`): three graphs, parity checked on dataset frames."""
    out = tmp_path_factory.mktemp("packages") / "smolvla_onnx"
    done = cli("export", smolvla_run, "--out", out, "--dataset", sim_dataset, "--frames", 4)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "smolvla, 19 joints, cameras cam_head, cam_wrist_1; parity" in done.stdout
    return out


@pytest.fixture(scope="session")
def act_torch_package(tiny_checkpoints, sim_dataset, tmp_path_factory):
    """The tiny ACT run as a lerobot package."""
    out = tmp_path_factory.mktemp("packages") / "act_torch"
    done = cli("export", tiny_checkpoints["act"], "--out", out, "--format", "torch", "--dataset", sim_dataset)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "for the torch backend" in done.stdout and "ms per chunk on this CPU" in done.stdout
    return out
