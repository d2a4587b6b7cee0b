#!/usr/bin/env bash
# Removes what jetson/install.sh added: the units, the virtual environment and /etc/imitate.
# Keeps your data (/var/lib/imitate: datasets, runs, policies, engines) and the user `imitate`
# unless --remove-user. Options: --dry-run, --prefix DIR (as install.sh), --remove-user.
set -euo pipefail
PREFIX=""
DRY_RUN=0
REMOVE_USER=0
while [[ $# -gt 0 ]]; do
    case "$1" in
        --dry-run) DRY_RUN=1 ;;
        --prefix) PREFIX="$(realpath -m "${2:?--prefix needs a folder}")"; shift ;;
        --remove-user) REMOVE_USER=1 ;;
        -h|--help) sed -n '2,4p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "uninstall.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
    shift
done
run() {
    echo "+ $*"
    if [[ $DRY_RUN == 0 ]]; then "$@"; fi
}
UNITS="$PREFIX/etc/systemd/system"
if [[ -z "$PREFIX" ]]; then
    for unit in imitate.service imitate-power.service; do
        if systemctl list-unit-files "$unit" >/dev/null 2>&1; then run systemctl disable --now "$unit" || true; fi
    done
fi
run rm -f "$UNITS/imitate.service" "$UNITS/imitate-power.service"
if [[ -z "$PREFIX" ]]; then run systemctl daemon-reload; fi
run rm -rf "$PREFIX/opt/imitate" "$PREFIX/etc/imitate"
if [[ $REMOVE_USER == 1 && -z "$PREFIX" ]] && id imitate >/dev/null 2>&1; then run userdel imitate; fi
echo "imitate removed; data kept in $PREFIX/var/lib/imitate"
