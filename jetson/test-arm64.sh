#!/usr/bin/env bash
# Proves what the Orin installs, on an x86_64 machine: a Debian bookworm arm64 root file system run
# under qemu-user (binfmt_misc), jetson/install.sh run in it for real (pip, aarch64 wheels only),
# then `imitate profiles`, and the simulated robot over Zenoh seen by `imitate topics`, all in the
# arm64 root. Needs root, Debian's debootstrap, qemu-user-static and binfmt-support (installed if
# missing), and the package registries. The root is kept for the next run (debootstrap is the slow part).
#
#   sudo jetson/test-arm64.sh [ROOT]        # default /var/tmp/imitate-arm64
set -euo pipefail

SOURCE="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ROOT="$(realpath -m "${1:-/var/tmp/imitate-arm64}")"
PORT=17447  # the Zenoh router's, on loopback (the root shares this machine's network)
[[ $(id -u) == 0 ]] || { echo "test-arm64.sh: run as root (debootstrap, chroot, mounts)" >&2; exit 2; }

elapsed() { echo "$(( $(date +%s) - $1 )) s"; }
step() { echo "== $*"; }

step "tools: debootstrap, qemu-user-static, binfmt-support"
if ! command -v debootstrap >/dev/null || [[ ! -x /usr/bin/qemu-aarch64-static ]] || ! command -v update-binfmts >/dev/null; then
    apt-get update -qq && apt-get install -y -qq debootstrap qemu-user-static binfmt-support >/dev/null
fi
if [[ ! -e /proc/sys/fs/binfmt_misc/register ]]; then
    mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
fi
[[ -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ]] || update-binfmts --enable qemu-aarch64
[[ -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ]] || { echo "qemu-aarch64 is not registered with binfmt_misc" >&2; exit 1; }

step "arm64 root file system: $ROOT"
if [[ -x "$ROOT/usr/bin/python3" ]]; then
    echo "   exists: reused"
else
    # the mirror this machine's apt uses
    mirror="$(cat /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null \
              | grep -m1 -E '^(URIs:|deb )' | awk '{print $2}' || true)"
    [[ -n "$mirror" ]] || { echo "no Debian mirror found in this machine's apt sources" >&2; exit 1; }
    t=$(date +%s)
    debootstrap --arch=arm64 --variant=minbase --include=python3,python3-venv,python3-pip,ca-certificates,procps \
        bookworm "$ROOT" "$mirror" >/dev/null
    echo "   debootstrap: $(elapsed "$t")"
fi

in_root_pids() {  # processes whose root directory is the arm64 root
    local p
    for p in /proc/[0-9]*; do [[ "$(readlink "$p/root" 2>/dev/null)" == "$ROOT" ]] && echo "${p#/proc/}"; done
    return 0
}
cleanup() {
    in_root_pids | xargs -r kill 2>/dev/null || true
    for m in dev/pts dev sys proc; do mountpoint -q "$ROOT/$m" && umount -l "$ROOT/$m"; done
}
trap cleanup EXIT
for m in proc sys dev dev/pts; do mkdir -p "$ROOT/$m"; mountpoint -q "$ROOT/$m" || mount --bind "/$m" "$ROOT/$m"; done
cp /etc/ssl/certs/ca-certificates.crt "$ROOT/etc/ssl/certs/ca-certificates.crt"  # this machine's CAs for pip
[[ -f /etc/pip.conf ]] && cp /etc/pip.conf "$ROOT/etc/pip.conf"
rm -rf "$ROOT/opt/src" && mkdir -p "$ROOT/opt/src"
git -C "$SOURCE" ls-files -z | (cd "$SOURCE" && xargs -0 tar cf -) | tar xf - -C "$ROOT/opt/src"

in_root() { chroot "$ROOT" /usr/bin/env -i PATH=/usr/local/bin:/usr/bin:/bin HOME=/root LANG=C.UTF-8 \
    PIP_CERT=/etc/ssl/certs/ca-certificates.crt PIP_DISABLE_PIP_VERSION_CHECK=1 ROS_DOMAIN_ID=0 \
    ZENOH_CONFIG_OVERRIDE="connect/endpoints=[\"tcp/127.0.0.1:$PORT\"];listen/endpoints=[\"tcp/127.0.0.1:0\"]" "$@"; }

step "in the root: $(in_root uname -m), $(in_root python3 --version)"
t=$(date +%s)
in_root bash /opt/src/jetson/install.sh --prefix /opt/tree --python python3 --no-engine --no-start >/dev/null
echo "   jetson/install.sh --prefix: $(elapsed "$t")"
IMITATE="/opt/tree/opt/imitate/venv/bin/imitate"
in_root "$IMITATE" profiles

step "the simulated robot over Zenoh, seen from another process (all aarch64)"
in_root "$IMITATE" zenoh-router --listen "tcp/127.0.0.1:$PORT" >/dev/null &
sleep 3
in_root "$IMITATE" sim --transport zenoh --duration 60 >/dev/null 2>&1 &
sleep 8
out="$(in_root "$IMITATE" topics --transport zenoh --duration 8)"
echo "$out"
rate="$(echo "$out" | awk '$1 == "/joint_states" {print $3}')"
# under emulation the simulated robot (three cameras rendered and encoded) runs ~5x slower than the
# 100 Hz it keeps natively: this proves the install and the wire, not the Orin's speed
awk -v r="${rate:-0}" 'BEGIN { exit !(r > 5) }' || { echo "FAILED: /joint_states at ${rate:-0} Hz over zenoh" >&2; exit 1; }
echo "PASSED: imitate installs and runs on arm64 (joint states at $rate Hz over zenoh under emulation)"
