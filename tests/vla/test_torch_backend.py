"""The torch backend runs any lerobot checkpoint imitate knows, here ACT: the same chunks as its ONNX
package, and the same runtime (scheduler, safety filter, 100 Hz over DDS)."""

import numpy as np
import pytest

from imitate.edge.policy import make_policy
from imitate.edge.policy_package import PackageError

from .conftest import cli
from .drive import check_driven, drive_over_dds

pytestmark = pytest.mark.slow


@pytest.fixture
def act_torch(act_torch_package):
    return act_torch_package


def test_act_through_torch_gives_the_chunks_of_its_onnx_package(act_torch, packages):
    torch_policy = make_policy(act_torch)  # auto: a lerobot package runs on torch
    onnx_policy = make_policy(packages["act"].root, backend="ort-cpu")
    assert torch_policy.backend == "torch" and not torch_policy.package.needs_task
    rng = np.random.default_rng(3)
    for _ in range(4):
        obs = {
            "state": rng.standard_normal(19).astype(np.float32),
            "images": {
                c: rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
                for c, (h, w) in onnx_policy.package.cameras.items()
            },
        }
        a, b = torch_policy.actions(obs), onnx_policy.actions(obs)
        assert a.shape == b.shape and np.abs(a - b).max() < 1e-4


def test_act_through_torch_drives_the_robot_over_dds(act_torch):
    ran, stats, heard = drive_over_dds(act_torch, "--backend", "torch", seconds=6)
    assert ran.returncode == 0, ran.stderr[-3000:]
    check_driven(stats, heard)


def test_a_policy_over_several_observations_is_pointed_to_onnx(tiny_checkpoints, tmp_path):
    done = cli("export", tiny_checkpoints["diffusion"], "--out", tmp_path / "pkg", "--format", "torch")
    assert done.returncode == 2 and "looks at 2: export it to ONNX" in done.stderr


def test_the_torch_backend_does_not_run_an_onnx_package(packages):
    with pytest.raises(PackageError, match="is an ONNX package: --backend torch runs a lerobot package"):
        make_policy(packages["act"].root, backend="torch")
