"""`imitate doctor` against `imitate sim` in another process: the transport that sees the robot is
named, and a profile that does not fit is told what is missing and what to do."""
import subprocess
import sys
import time

import pytest

pytestmark = pytest.mark.slow
TRANSPORT_MODULES = {"dds": "cyclonedds", "ros2": "rclpy", "zenoh": "zenoh"}


def run_doctor(robot_transport, *argv):
    """`imitate doctor ARGV` while `imitate sim --transport robot_transport` runs; (exit code, output)."""
    sim = subprocess.Popen([sys.executable, "-m", "imitate.cli", "sim", "--transport", robot_transport,
                            "--duration", "40"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(3.0)
        out = subprocess.run([sys.executable, "-m", "imitate.cli", "doctor", "--seconds", "2", *argv],
                             capture_output=True, text=True, timeout=120)
    finally:
        sim.terminate()
        sim.wait(timeout=10)
    print(out.stdout[-3000:])
    return out.returncode, out.stdout + out.stderr


@pytest.mark.parametrize("robot", ["dds", pytest.param("ros2", marks=pytest.mark.ros2), "zenoh"])
def test_doctor_names_the_transport_that_sees_the_robot(robot, request):
    pytest.importorskip(TRANSPORT_MODULES[robot])
    if robot == "zenoh":
        request.getfixturevalue("router")
    code, out = run_doctor(robot)  # --transport auto: every transport that can run here
    assert code == 0, out
    expected = "zenoh" if robot == "zenoh" else "dds"  # Cyclone also sees an rclpy robot, and comes first
    assert f"{expected} sees everything sim needs: set IMITATE_TRANSPORT={expected}" in out
    if robot == "zenoh":
        assert "== dds" in out and "!! joint states" in out  # DDS saw nothing of a Zenoh robot


def test_a_profile_that_does_not_fit_is_told_what_to_change(tmp_path):
    pytest.importorskip("cyclonedds")
    profile = tmp_path / "other.yaml"
    profile.write_text("""extends: sim
name: other
groups:
  arm_left:
    joints: [arm_l_joint1, arm_l_joint2, arm_l_joint3, arm_l_joint4, arm_l_joint5, arm_l_joint6, arm_l_joint7,
             gripper_l_joint1, arm_l_joint8]
    command: /leader/joint_trajectory_command_broadcaster_left/joint_trajectory
  arm_right:
    joints: [arm_r_joint1, arm_r_joint2, arm_r_joint3, arm_r_joint4, arm_r_joint5, arm_r_joint6, arm_r_joint7,
             gripper_r_joint1]
    command: /leader/joint_trajectory_command_broadcaster_right/joint_trajectory
  head:
    joints: [head_joint1, head_joint2]
    command: /leader/joystick_controller_left/joint_trajectory
  lift:
    joints: [lift_joint]
    command: /leader/joystick_controller_right/joint_trajectory
cameras:
  cam_head: {topic: /cam_head_other/compressed, height: 376, width: 672, fps: 30}
  cam_wrist_1:
    {topic: /camera_left/camera_left/color/image_rect_raw/compressed, height: 480, width: 640, fps: 30}
limits:
  arm_l_joint8: {min: -1.0, max: 1.0, velocity: 1.0, acceleration: 5.0}
""")
    code, out = run_doctor("dds", "--profile", str(profile), "--transport", "dds")
    assert code == 1
    assert "joints missing from /joint_states: arm_l_joint8" in out
    assert "nothing on /cam_head_other/compressed" in out
    assert "camera cam_wrist_1 publishes 240x424, the profile says 480x640" in out
    assert "/zed/zed_node/left/image_rect_color/compressed" in out.split("does not name:")[1]  # where it is


def test_transport_auto_picks_what_doctor_would_and_says_why(router, tmp_path):
    """`imitate serve --transport auto` beside a robot on Zenoh: it runs on zenoh and says so."""
    pytest.importorskip("flask")
    from imitate.demo_page import free_port

    sim = subprocess.Popen(
        [sys.executable, "-m", "imitate.cli", "sim", "--transport", "zenoh", "--duration", "60"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    serve = None
    try:
        time.sleep(3.0)
        serve = subprocess.Popen(
            [
                sys.executable, "-m", "imitate.cli", "serve", "--transport", "auto", "--port",
                str(free_port()), "--data", str(tmp_path), "--no-token",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        lines = []
        for line in serve.stdout:
            lines.append(line)
            if "imitate serve:" in line or len(lines) > 200:
                break
        out = "".join(lines)
        assert "transport auto: zenoh, because it sees every topic sim needs" in out, out
    finally:
        sim.terminate()
        sim.wait(timeout=10)
        if serve:
            serve.terminate()
            serve.wait(timeout=30)
