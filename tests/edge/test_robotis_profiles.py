"""ROBOTIS' robots as their own tools configure them (shared reference robotis-robots.md)."""
import pytest

from imitate.edge.profile import load_profile

FEATURES = {  # profile: (values, cameras in dataset order)
    "ai_worker_bg2_rev4": (19, ["cam_head_left", "cam_head_right", "cam_wrist_left", "cam_wrist_right"]),
    "ai_worker_sg2_rev1": (22, ["cam_head_left", "cam_head_right", "cam_wrist_left", "cam_wrist_right"]),
    "ai_worker_bg2_rev4_pat": (19, ["cam_head", "cam_wrist_left", "cam_wrist_right"]),
    "ai_worker_sg2_rev1_pat": (22, ["cam_head", "cam_wrist_left", "cam_wrist_right"]),
    "omx_f": (6, ["camera1"]),
    "omy_f3m": (7, ["cam_wrist"]),
}


@pytest.mark.parametrize("name", list(FEATURES))
def test_each_profile_loads_with_robotis_names(name):
    profile = load_profile(name)
    values, cameras = FEATURES[name]
    assert len(profile.joint_names) == values and list(profile.camera_names) == cameras
    rotated = {c.name for c in profile.cameras if c.rotate}
    assert rotated == (
        {"cam_wrist_left", "cam_wrist_right"}
        if "_pat" not in name and name.startswith("ai_worker")
        else set()
    )
    assert all(profile.limits[j].min < profile.limits[j].max for j in profile.joint_names)


def test_the_seed_profile_keeps_its_names():
    assert load_profile("ai_worker_bg2").camera_names == ("cam_head", "cam_wrist_1", "cam_wrist_2")


def test_the_simulated_robot_serves_the_rev4_layout_with_its_wrists_sent_on_their_side():
    from imitate.edge.images import orient
    from imitate.edge.sim.world import SimWorld

    world = SimWorld(load_profile("ai_worker_bg2_rev4"))
    sent = world.render("cam_wrist_left")
    assert sent.shape == (240, 424, 3)  # as the camera sends, mounted on its side
    assert orient(sent, 270).shape == (424, 240, 3)  # upright, as stored
    assert world.render("cam_head_left").shape == (376, 672, 3)
