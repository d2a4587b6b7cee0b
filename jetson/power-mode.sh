#!/usr/bin/env bash
# Sets the Jetson power mode (nvpmodel -m $IMITATE_POWER_MODE; 0 is MAXN on the AGX Orin) and, unless
# IMITATE_JETSON_CLOCKS=0, pins the clocks at their maximum (jetson_clocks). Run by imitate-power.service.
set -euo pipefail
mode="${IMITATE_POWER_MODE:-0}"
if ! command -v nvpmodel >/dev/null; then
    echo "nvpmodel not found: not a Jetson, power mode left alone"
    exit 0
fi
echo "power mode: nvpmodel -m $mode"
nvpmodel -m "$mode"
if [[ "${IMITATE_JETSON_CLOCKS:-1}" != 0 ]] && command -v jetson_clocks >/dev/null; then
    echo "clocks: jetson_clocks"
    jetson_clocks
fi
nvpmodel -q || true
