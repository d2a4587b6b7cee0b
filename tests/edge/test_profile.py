import textwrap

import pytest

from imitate.edge.profile import ProfileError, available_profiles, load_profile

BG2_ORDER = (
    [f"arm_l_joint{i}" for i in range(1, 8)]
    + ["gripper_l_joint1"]
    + [f"arm_r_joint{i}" for i in range(1, 8)]
    + ["gripper_r_joint1", "head_joint1", "head_joint2", "lift_joint"]
)


def test_builtin_profiles_load():
    assert {"ai_worker_bg2", "ai_worker_sg2", "sim"} <= set(available_profiles())
    bg2 = load_profile("ai_worker_bg2")
    assert list(bg2.joint_names) == BG2_ORDER
    assert bg2.camera_names == ("cam_head", "cam_wrist_1", "cam_wrist_2")
    assert (bg2.camera("cam_head").height, bg2.camera("cam_head").width) == (376, 672)
    assert bg2.control_rate_hz == 100 and bg2.dataset_fps == 30


def test_sg2_adds_base_from_cmd_vel_and_odom():
    sg2 = load_profile("ai_worker_sg2")
    assert list(sg2.joint_names) == BG2_ORDER + ["linear_x", "linear_y", "angular_z"]
    base = sg2.groups[-1]
    assert (base.command.topic, base.command.type) == ("/cmd_vel", "geometry_msgs/msg/Twist")
    assert (base.state.topic, base.state.type) == ("/odom", "nav_msgs/msg/Odometry")


def test_sim_has_bg2_layout_and_topics():
    sim, bg2 = load_profile("sim"), load_profile("ai_worker_bg2")
    assert sim.joint_names == bg2.joint_names
    assert sim.topics() == bg2.topics()
    assert dict(sim.limits) == dict(bg2.limits)


def test_unknown_profile_suggests_a_name():
    with pytest.raises(ProfileError, match="did you mean 'ai_worker_bg2'"):
        load_profile("ai_worker_bg3")


def write(tmp_path, text):
    path = tmp_path / "robot.yaml"
    path.write_text(textwrap.dedent(text))
    return path


GOOD = """
    name: tiny
    dataset_fps: 30
    control_rate_hz: 100
    groups:
      arm:
        joints: [j1, j2]
        command: /arm/joint_trajectory
    limits:
      j1: {min: -1, max: 1, velocity: 1, acceleration: 5}
      j2: {min: -1, max: 1, velocity: 1, acceleration: 5}
"""


def test_user_profile_file_needs_no_code(tmp_path):
    profile = load_profile(write(tmp_path, GOOD))
    assert profile.joint_names == ("j1", "j2") and profile.source.endswith("robot.yaml")


def test_missing_joint_limit_names_file_field_and_fix(tmp_path):
    path = write(tmp_path, GOOD.replace("      j2: {min: -1, max: 1, velocity: 1, acceleration: 5}\n", ""))
    with pytest.raises(ProfileError) as err:
        load_profile(path)
    assert str(path) in str(err.value) and "missing joint 'j2'" in str(err.value) and "add" in str(err.value)


def test_duplicate_joint_is_refused(tmp_path):
    with pytest.raises(ProfileError, match="duplicate joint 'j1'"):
        load_profile(write(tmp_path, GOOD.replace("[j1, j2]", "[j1, j2, j1]")))


def test_unknown_topic_type_is_refused_with_suggestion(tmp_path):
    text = GOOD.replace(
        "command: /arm/joint_trajectory",
        "command: {topic: /arm/cmd, type: trajectory_msgs/msg/JointTrajectry}",
    )
    with pytest.raises(
        ProfileError, match="unknown topic type .*did you mean 'trajectory_msgs/msg/JointTrajectory'"
    ):
        load_profile(write(tmp_path, text))


def test_unknown_field_and_bad_number(tmp_path):
    with pytest.raises(ProfileError, match="unknown field 'dataset_fsp'.*did you mean 'dataset_fps'"):
        load_profile(write(tmp_path, GOOD + "    dataset_fsp: 3\n"))
    with pytest.raises(ProfileError, match="dataset_fps: expected a number"):
        load_profile(write(tmp_path, GOOD.replace("dataset_fps: 30", "dataset_fps: fast")))


def test_extends_merges_limits(tmp_path):
    base = write(tmp_path, GOOD)
    child = tmp_path / "child.yaml"
    child.write_text(
        f"extends: {base}\nname: child\nlimits:\n  j1: {{min: -2, max: 2, velocity: 1, acceleration: 5}}\n"
    )
    profile = load_profile(child)
    assert profile.name == "child" and profile.limits["j1"].min == -2 and profile.limits["j2"].min == -1
