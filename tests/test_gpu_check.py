"""`make gpu-check` on a machine without a GPU: one clear line and exit 2, at once, nothing installed.
Its measurements rehearsed on the CPU (`--rehearse`), so the script a lent GPU runs is known to work
up to the rows that need CUDA."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
needs_no_gpu = pytest.mark.skipif(shutil.which("nvidia-smi") is not None, reason="this machine has a GPU")


@needs_no_gpu
def test_make_gpu_check_without_a_gpu_says_so_and_exits_2():
    for cmd in (["make", "-s", "gpu-check"], [sys.executable, "bench/gpu_check.py"]):
        done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=60)
        output = done.stdout + done.stderr
        assert "no CUDA GPU on this machine" in output, output
        assert done.returncode == 2 if cmd[0] != "make" else "Error 2" in output
    assert not (ROOT / ".venv-gpu").exists()  # nothing was set up


def test_the_gpu_check_script_passes_shellcheck():
    shellcheck = shutil.which("shellcheck") or shutil.which(
        "shellcheck", path=str(Path(sys.executable).parent)
    )
    if not shellcheck:
        pytest.skip("shellcheck not installed (it is in the 'test' extra)")
    done = subprocess.run([shellcheck, str(ROOT / "bench" / "gpu-check.sh")], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout


@pytest.mark.slow
def test_the_gpu_check_rehearsed_on_the_cpu(tmp_path):
    pytest.importorskip("lerobot", reason="needs lerobot (extra 'train')")
    out = tmp_path / "gpu-check.md"
    done = subprocess.run(
        [sys.executable, "bench/gpu_check.py", "--rehearse", "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    report = out.read_text()
    assert "REHEARSAL" in report and "FAILED" not in report
    for row in (
        "| imitate train | ACT cpu_small |",
        "| lerobot-train |",
        "| act | torch-cpu |",
        "| act | ort-cpu |",
        "| diffusion | torch-cpu |",
        "| diffusion | ort-cpu |",
        "| smolvla | torch-cpu |",
        "| smolvla | ort-cpu |",
        "| act | ort-cuda | - | - | - | not installed",
    ):
        assert row in report, row
    # lerobot's eager output is the reference: ORT on the CPU must match it
    ort = next(line for line in report.splitlines() if line.startswith("| act | ort-cpu |"))
    assert float(ort.split("|")[5]) <= 1e-4
    vla = next(line for line in report.splitlines() if line.startswith("| smolvla | ort-cpu |"))
    assert float(vla.split("|")[5]) <= 1e-3  # the three graphs and the flow loop, same noise and task
    if "TensorRT: rtx" in report:  # the engines build on a CPU with TensorRT for RTX
        assert "| act | tensorrt-fp32 (rtx" in report and "1 engines built" in report
        assert "| diffusion | tensorrt-fp32 (rtx" in report and "2 engines built" in report
        assert "| smolvla | tensorrt-fp32 (rtx" in report and "3 engines built" in report
