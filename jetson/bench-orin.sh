#!/usr/bin/env bash
# Inference speed on the robot's Jetson, as a table to paste into an issue.
#
#   jetson/bench-orin.sh PACKAGE [PACKAGE ...]    # policy packages (`imitate export`), copied to the Jetson
#
# Options: --python PY (default /opt/imitate/venv/bin/python, what install.sh made), --runs N (default 50),
# --no-build (time the engines the packages already have), --no-fp16 (build FP32 engines only).
# For each package it builds TensorRT engines with JetPack's TensorRT (`imitate build-engine`, FP32, then
# FP16) and times every backend it finds after each build (bench/edge_backends.py: ONNX Runtime CPU, CUDA
# and TensorRT providers with onnxruntime-gpu from NVIDIA's Jetson index, imitate's TensorRT backend).
# The table starts with what the numbers depend on: the board, L4T, the power mode, the clocks, TensorRT
# and onnxruntime. Run `sudo jetson_clocks` first for fixed clocks, and say so. Off a Jetson it still
# runs; the Jetson-only lines then say "-".
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PYTHON=/opt/imitate/venv/bin/python
RUNS=50
BUILD=1
FP16=1
PACKAGES=()

usage() { sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; }

while [[ $# -gt 0 ]]; do
    case "$1" in
        --python) PYTHON="${2:?--python needs an interpreter}"; shift ;;
        --runs) RUNS="${2:?--runs needs a number}"; shift ;;
        --no-build) BUILD=0 ;;
        --no-fp16) FP16=0 ;;
        -h|--help) usage; exit 0 ;;
        -*) echo "bench-orin.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
        *) PACKAGES+=("$1") ;;
    esac
    shift
done
if [[ ${#PACKAGES[@]} -eq 0 ]]; then
    echo "bench-orin.sh: give one or more policy packages (imitate export PKG); see --help" >&2
    exit 2
fi
if ! "$PYTHON" -c 'import imitate.edge' 2>/dev/null; then
    echo "bench-orin.sh: $PYTHON has no imitate: run jetson/install.sh first, or pass --python" >&2
    exit 2
fi

first() { for f in "$@"; do [[ -r "$f" ]] && { tr -d '\0' <"$f"; return; }; done; echo "-"; }
# a clock from the first readable file of Hz (mhz) or kHz (khz_mhz) values, or "-"
mhz() { local v; v=$(first "$@"); if [[ "$v" =~ ^[0-9]+$ ]]; then echo "$((v / 1000000)) MHz"; else echo "-"; fi; }
khz_mhz() { local v; v=$(first "$@"); if [[ "$v" =~ ^[0-9]+$ ]]; then echo "$((v / 1000)) MHz"; else echo "-"; fi; }

echo "## imitate on $(first /proc/device-tree/model) ($(date -u +%Y-%m-%d))"
echo
echo "- L4T: $(head -n 1 /etc/nv_tegra_release 2>/dev/null || echo -)"
echo "- power mode: $(nvpmodel -q 2>/dev/null | tr '\n' ' ' || echo -)"
echo "- clocks: GPU $(mhz /sys/class/devfreq/17000000.gpu/cur_freq /sys/class/devfreq/*.gpu/cur_freq)," \
    "CPU0 $(khz_mhz /sys/devices/system/cpu/cpu0/cpufreq/scaling_cur_freq)," \
    "EMC $(mhz /sys/kernel/debug/bpmp/debug/clk/emc/rate)"
echo "- $("$PYTHON" - <<'PY'
import platform
try:
    import onnxruntime as ort
    have = f"onnxruntime {ort.__version__} ({', '.join(ort.get_available_providers())})"
except ImportError:
    have = "onnxruntime: not installed"
try:
    from imitate.edge.policy.tensorrt_policy import import_tensorrt, tensorrt_label
    trt = f"TensorRT {tensorrt_label(import_tensorrt())}"
except ImportError:
    trt = "TensorRT: not installed"
print(f"Python {platform.python_version()}; {trt}; {have}")
PY
)"
echo

for package in "${PACKAGES[@]}"; do
    precisions=("")
    [[ $BUILD -eq 1 && $FP16 -eq 1 ]] && precisions+=("--fp16")
    for fp16 in "${precisions[@]}"; do
        if [[ $BUILD -eq 1 ]]; then
            # shellcheck disable=SC2086  # $fp16 is empty or one flag
            "$PYTHON" -m imitate.cli build-engine "$package" $fp16 >&2 ||
                echo "bench-orin.sh: build-engine $fp16 failed for $package (its output is above)" >&2
        fi
        only=()
        [[ -n "$fp16" ]] && only=(--backends tensorrt)  # the ONNX Runtime rows were timed with FP32
        "$PYTHON" "$HERE/../bench/edge_backends.py" "$package" --runs "$RUNS" "${only[@]}"
        echo
    done
done
