#!/usr/bin/env bash
# `make gpu-check`: every GPU measurement in one command (bench/gpu_check.py), table in artifacts/gpu-check.md.
# Without an NVIDIA GPU it says so and exits 2 at once. Otherwise it sets up .venv-gpu once, beside .venv:
# imitate with everything, onnxruntime-gpu (CUDA and TensorRT providers), cuda-python (imitate's TensorRT
# backend), TensorRT 10 and TensorRT for RTX where they install. The venv sees the machine's own packages
# (--system-site-packages), so a TensorRT or torch the machine already has is used, and the report says which.
# GPU_PYTHON=/path/to/python uses that interpreter instead (a machine without package registries).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! nvidia-smi -L >/dev/null 2>&1; then
    echo "gpu-check: no CUDA GPU on this machine (nvidia-smi finds none): nothing to measure." >&2
    exit 2
fi
PY=${GPU_PYTHON:-}
if [ -z "$PY" ]; then
    VENV=.venv-gpu
    if [ ! -f "$VENV/.installed" ]; then
        python=${PYTHON:-$(command -v python3.11 || command -v python3.10 || command -v python3)}
        "$python" -m venv --system-site-packages "$VENV"
        "$VENV/bin/pip" install -q --upgrade pip
        "$VENV/bin/pip" install -q -e '.[all]'
        "$VENV/bin/pip" uninstall -q -y onnxruntime
        "$VENV/bin/pip" install -q 'onnxruntime-gpu[cuda,cudnn]' cuda-python
        "$VENV/bin/pip" install -q 'tensorrt-cu12>=10,<11' ||
            echo "gpu-check: TensorRT 10 did not install (its libraries come from NVIDIA's index)" >&2
        "$VENV/bin/pip" install -q tensorrt-rtx-cu12-libs tensorrt-rtx-cu12-bindings ||
            echo "gpu-check: TensorRT for RTX did not install" >&2
        touch "$VENV/.installed"
    fi
    PY=$VENV/bin/python
fi
exec "$PY" bench/gpu_check.py "$@"
