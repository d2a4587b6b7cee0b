"""The `imitate` command line: help, profiles, topics, and one-line errors."""
import subprocess
import sys


def imitate(*args, timeout=60):
    return subprocess.run(
        [sys.executable, "-m", "imitate.cli", *args], capture_output=True, text=True, timeout=timeout
    )


def test_help_lists_subcommands():
    out = imitate("--help")
    assert out.returncode == 0
    for cmd in ("profiles", "topics", "sim"):
        assert cmd in out.stdout


def test_profiles_list_and_show():
    out = imitate("profiles")
    assert out.returncode == 0 and "ai_worker_bg2" in out.stdout and "19 joints" in out.stdout
    out = imitate("profiles", "show", "ai_worker_sg2")
    assert out.returncode == 0 and "/cmd_vel" in out.stdout and "linear_x" in out.stdout


def test_bad_profile_is_one_clear_line():
    out = imitate("profiles", "show", "ai_worker_bg3")
    assert out.returncode == 2
    assert "did you mean 'ai_worker_bg2'" in out.stderr and "Traceback" not in out.stderr


def test_topics_on_the_simulated_robot_prints_rates():
    out = imitate("topics", "--transport", "sim", "--duration", "2")
    assert out.returncode == 0, out.stderr
    line = next(l for l in out.stdout.splitlines() if l.startswith("/joint_states "))
    assert 90 <= float(line.split()[2]) <= 110


def test_sim_image_size_flag_is_checked():
    out = imitate("sim", "--transport", "sim", "--image-size", "cam_head=big", "--duration", "1")
    assert out.returncode == 2 and "expected CAMERA=HEIGHTxWIDTH" in out.stderr
    out = imitate("sim", "--transport", "sim", "--image-size", "cam_hed=240x424", "--duration", "1")
    assert out.returncode == 2 and "did you mean 'cam_head'" in out.stderr
    out = imitate("sim", "--transport", "sim", "--image-size", "cam_head=120x212", "--duration", "2")
    assert out.returncode == 0 and "/zed/zed_node/left/image_rect_color/compressed" in out.stdout
