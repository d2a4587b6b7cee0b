"""jetson/bench-orin.sh off a Jetson: the table a person pastes, with the Jetson-only lines saying "-"
and every backend this machine has timed (here ONNX Runtime on the CPU)."""

import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "jetson" / "bench-orin.sh"


def bench(*args):
    return subprocess.run(["bash", str(BENCH), *map(str, args)], capture_output=True, text=True, timeout=600)


def test_the_table_times_each_backend_here_and_says_what_is_missing(packages):
    pytest.importorskip("onnxruntime")
    done = bench(
        "--python",
        sys.executable,
        "--runs",
        5,
        "--no-build",
        packages["act"].root,
        packages["diffusion"].root,
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert out.startswith("## imitate on -") and "- power mode: -" in out and "- clocks: GPU -" in out
    assert f"Python {sys.version.split()[0]}" in out
    for kind in ("act", "diffusion"):
        row = next(
            line for line in out.splitlines() if line.startswith(f"| {kind} (") and "| ort-cpu |" in line
        )
        p50, p99, error = (float(x) for x in row.split("|")[3:6])
        assert 0 < p50 <= p99 and error == 0.0  # ort-cpu is the reference it is compared with
        assert f"| {kind} (" in out and "| tensorrt | - | - | - | no engine: `imitate build-engine" in out
    assert "| ort-cuda | - | - | - | not installed (onnxruntime-gpu) |" in out


def test_bad_arguments_are_refused_with_what_to_do():
    done = bench()
    assert done.returncode == 2 and "give one or more policy packages" in done.stderr
    done = bench("--python", "/nonexistent/python", "pkg")
    assert done.returncode == 2 and "run jetson/install.sh first, or pass --python" in done.stderr
