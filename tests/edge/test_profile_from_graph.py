"""`imitate profiles new NAME --from-graph`: a draft profile from what a live robot publishes, checked
by loading it; from the simulated AI Worker in this process and, over DDS, in another process."""
import os
import subprocess
import sys

import pytest

from imitate.edge.profile import load_profile
from imitate.edge.profile_from_graph import draft_profile, watch_graph
from imitate.edge.sim import SimRobot
from imitate.edge.transport import make_transport
from imitate.edge.transport.sim_transport import SimBus

SIM = load_profile("sim")


def check_draft(draft):
    assert set(draft.joint_names) == set(SIM.joint_names)
    commands = {g.command.topic for g in draft.groups}
    assert commands == {g.command.topic for g in SIM.groups}  # one group per leader topic, with its joints
    for g in draft.groups:
        sim_group = next(s for s in SIM.groups if s.command.topic == g.command.topic)
        assert list(g.joints) == list(sim_group.joints)
    sizes = {c.topic: (c.height, c.width) for c in draft.cameras}
    assert sizes == {c.topic: (c.height, c.width) for c in SIM.cameras}
    # measured: the simulated robot's 30 fps, at least half of it on a loaded machine (see test_sim.py)
    assert all(15 <= c.fps <= 35 for c in draft.cameras)


@pytest.mark.realtime
def test_a_draft_from_the_simulated_robot_names_its_joints_leader_topics_and_cameras(tmp_path):
    bus = SimBus()
    robot = SimRobot(SIM, make_transport("sim", bus=bus)).start()
    robot.leader_enabled = True  # the leader publishes its topics at rest, as on the robot
    transport = make_transport("sim", bus=bus)
    try:
        types, watch = watch_graph(transport, seconds=2.0)
        text = draft_profile("mine", types, watch, 2.0)
    finally:
        robot.stop()
        transport.close()
        robot.transport.close()
    assert text.count("}   # assumed") == len(SIM.joint_names)  # every limit a placeholder, marked
    path = tmp_path / "mine.yaml"
    path.write_text(text)
    check_draft(load_profile(path))


def test_no_robot_is_said_plainly():
    transport = make_transport("sim", bus=SimBus())
    try:
        types, watch = watch_graph(transport, seconds=0.2)
        with pytest.raises(ValueError, match="no sensor_msgs/JointState with messages"):
            draft_profile("x", types, watch, 0.2)
    finally:
        transport.close()


@pytest.mark.slow
def test_profiles_new_from_graph_over_dds_from_another_process(tmp_path):
    pytest.importorskip("cyclonedds")
    sim = subprocess.Popen(
        [sys.executable, "-m", "imitate.cli", "sim", "--transport", "dds", "--duration", "30"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        out = subprocess.run(
            [
                sys.executable, "-m", "imitate.cli", "profiles", "new", "robot", "--from-graph",
                "--transport", "dds", "--seconds", "5", "--out", str(tmp_path / "robot.yaml"),
            ],
            capture_output=True,
            text=True,
            timeout=120,
            env=os.environ,
        )
    finally:
        sim.terminate()
        sim.wait(timeout=10)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "imitate doctor --profile" in out.stdout
    check_draft(load_profile(tmp_path / "robot.yaml"))
    again = subprocess.run(
        [
            sys.executable, "-m", "imitate.cli", "profiles", "new", "robot", "--from-graph", "--out",
            str(tmp_path / "robot.yaml"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert again.returncode != 0 and "exists: pass --force" in again.stderr
