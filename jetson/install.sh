#!/usr/bin/env bash
# Installs imitate's edge runtime on a Jetson (JetPack 6) as the systemd service `imitate`.
# Idempotent: run it again after `git pull` to update; your /etc/imitate/imitate.env is kept.
#
#   sudo jetson/install.sh                  # install or update, enable and start the service
#   jetson/install.sh --dry-run             # print every step, change nothing
#   jetson/install.sh --prefix /tmp/tree    # install into a folder (no user, no systemctl): for tests
#
# Options: --power-mode N (also install imitate-power.service, nvpmodel -m N), --python PY (default
# python3), --ort-gpu (onnxruntime-gpu from NVIDIA's Jetson index), --no-engine, --no-start.
set -euo pipefail

SOURCE="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PREFIX=""
DRY_RUN=0
POWER_MODE=""
PYTHON=python3
ORT_GPU=0
BUILD_ENGINE=1
START=1
JETSON_INDEX="https://pypi.jetson-ai-lab.io/jp6/cu126"

usage() { sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; }

while [[ $# -gt 0 ]]; do
    case "$1" in
        --dry-run) DRY_RUN=1 ;;
        --prefix) PREFIX="$(realpath -m "${2:?--prefix needs a folder}")"; shift ;;
        --power-mode) POWER_MODE="${2:?--power-mode needs a number (0 = MAXN on the AGX Orin)}"; shift ;;
        --python) PYTHON="${2:?--python needs an interpreter}"; shift ;;
        --ort-gpu) ORT_GPU=1 ;;
        --no-engine) BUILD_ENGINE=0 ;;
        --no-start) START=0 ;;
        -h|--help) usage; exit 0 ;;
        *) echo "install.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
    shift
done

OPT="$PREFIX/opt/imitate"
VENV="$OPT/venv"
ETC="$PREFIX/etc/imitate"
ENV_FILE="$ETC/imitate.env"
UNITS="$PREFIX/etc/systemd/system"
DATA="$PREFIX/var/lib/imitate"

step() { echo "== $*"; }
run() {  # print a command, run it unless --dry-run
    echo "+ $*"
    if [[ $DRY_RUN == 0 ]]; then "$@"; fi
}
skip() { echo "   skipped: $*"; }
warn() { echo "   warning: $*" >&2; }

step "checking the platform"
if [[ -r /etc/nv_tegra_release ]]; then
    l4t="$(head -n1 /etc/nv_tegra_release)"
    echo "   L4T: $l4t"
    [[ "$l4t" == *R36* ]] || warn "imitate is tested on JetPack 6 (L4T R36); this is '$l4t'"
    JETSON=1
else
    echo "   not a Jetson (no /etc/nv_tegra_release): TensorRT and power-mode steps will be skipped"
    JETSON=0
fi
if ! command -v "$PYTHON" >/dev/null; then
    echo "install.sh: $PYTHON not found: install Python 3.10+ (JetPack 6 ships python3 3.10)" >&2
    exit 1
fi
"$PYTHON" - <<'PY' || { echo "install.sh: imitate needs Python 3.10 or newer (--python PY picks another)" >&2; exit 1; }
import sys
print("   Python %d.%d at %s" % (sys.version_info[0], sys.version_info[1], sys.executable))
sys.exit(sys.version_info < (3, 10))
PY
"$PYTHON" -c 'import venv, ensurepip' 2>/dev/null \
    || { echo "install.sh: Python's venv module is missing: sudo apt install python3-venv" >&2; exit 1; }
if "$PYTHON" -c 'import tensorrt' 2>/dev/null; then
    echo "   TensorRT: $("$PYTHON" -c 'import tensorrt; print(tensorrt.__version__)')"
    HAVE_TRT=1
else
    [[ $JETSON == 1 ]] && warn "TensorRT's Python bindings are missing: sudo apt install python3-libnvinfer (nvidia-jetpack)"
    HAVE_TRT=0
fi
if [[ -z "$PREFIX" && $DRY_RUN == 0 && $EUID -ne 0 ]]; then
    echo "install.sh: run it with sudo (it creates a user and installs systemd units), or use --prefix DIR" >&2
    exit 1
fi

step "user and folders"
if [[ -n "$PREFIX" ]]; then
    skip "user 'imitate' (--prefix)"
elif id imitate >/dev/null 2>&1; then
    echo "   user imitate exists"
else
    run useradd --system --home-dir /var/lib/imitate --shell /usr/sbin/nologin --user-group imitate
    for group in video render dialout; do
        if getent group "$group" >/dev/null; then run usermod -a -G "$group" imitate; fi
    done
fi
run mkdir -p "$OPT/bin" "$OPT/jetson" "$ETC" "$UNITS" "$DATA/data"
if [[ -z "$PREFIX" ]]; then run chown -R imitate:imitate "$DATA"; fi

step "virtual environment (sees the system's TensorRT)"
if [[ -x "$VENV/bin/python" ]]; then
    echo "   $VENV exists: updating"
else
    run "$PYTHON" -m venv --system-site-packages "$VENV"
fi
run "$VENV/bin/python" -m pip install --quiet --upgrade pip
run "$VENV/bin/python" -m pip install --quiet "${SOURCE}[jetson]"  # zenoh, gui, hub, vla: aarch64 wheels only
if [[ $ORT_GPU == 1 ]]; then
    run "$VENV/bin/python" -m pip install --quiet --index-url "$JETSON_INDEX" onnxruntime-gpu
else
    echo "   ONNX Runtime on the GPU: rerun with --ort-gpu (onnxruntime-gpu from $JETSON_INDEX)"
fi

step "configuration: $ENV_FILE"
if [[ -e "$ENV_FILE" ]]; then
    echo "   kept (it is yours); new settings are in $SOURCE/jetson/imitate.env.example"
else
    run install -m 640 "$SOURCE/jetson/imitate.env.example" "$ENV_FILE"
    if [[ -n "$PREFIX" ]]; then
        run sed -i "s#^IMITATE_DATA=.*#IMITATE_DATA=$DATA/data#" "$ENV_FILE"
    else
        run chgrp imitate "$ENV_FILE"
    fi
fi

step "systemd units"
run install -m 755 "$SOURCE/jetson/power-mode.sh" "$OPT/bin/power-mode.sh"
run install -m 644 "$SOURCE/jetson/README.md" "$OPT/jetson/README.md"
run install -m 644 "$SOURCE/jetson/imitate.service" "$UNITS/imitate.service"
if [[ -n "$POWER_MODE" ]]; then
    run install -m 644 "$SOURCE/jetson/imitate-power.service" "$UNITS/imitate-power.service"
    run sed -i "s#^IMITATE_POWER_MODE=.*#IMITATE_POWER_MODE=$POWER_MODE#" "$ENV_FILE"
fi
if [[ -n "$PREFIX" ]]; then
    skip "systemctl daemon-reload / enable (--prefix)"
else
    run systemctl daemon-reload
    run systemctl enable imitate.service
    if [[ -n "$POWER_MODE" ]]; then run systemctl enable imitate-power.service; fi
fi

step "TensorRT engine for the configured policy"
policy=""
if [[ -r "$ENV_FILE" ]]; then policy="$(sed -n 's/^IMITATE_POLICY=//p' "$ENV_FILE" | tail -n1)"; fi
if [[ $BUILD_ENGINE == 0 ]]; then
    skip "--no-engine"
elif [[ -z "$policy" ]]; then
    skip "no IMITATE_POLICY in $ENV_FILE (build later: imitate build-engine PACKAGE)"
elif [[ $HAVE_TRT == 0 ]]; then
    skip "TensorRT not installed: the runtime will use ONNX Runtime"
else
    run "$VENV/bin/imitate" build-engine "$policy"
fi

step "start"
if [[ -n "$PREFIX" || $START == 0 ]]; then
    skip "systemctl restart imitate"
else
    run systemctl restart imitate.service
    echo "   logs: journalctl -u imitate -f"
fi
echo "imitate installed in $OPT"
