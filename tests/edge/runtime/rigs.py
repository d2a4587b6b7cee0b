"""The simulated robot on one transport and the loop's side of it on another, for the loop's tests."""
import time
from collections import Counter, deque

import numpy as np

from imitate.edge.clock import LatenessWindow
from imitate.edge.profile import load_profile
from imitate.edge.runtime.safety import JOINT_RULES
from imitate.edge.sampler import ObservationSampler
from imitate.edge.sim import SimRobot

PROFILE = load_profile("sim")
TRAJECTORY = "trajectory_msgs/msg/JointTrajectory"


def robot_rig(robot_transport, transport, timeout_s=5.0):
    """Yields (transport, sampler, arrival times of the first group's commands); stops all after."""
    robot = SimRobot(PROFILE, robot_transport, leader=False).start()
    sampler = ObservationSampler(PROFILE, transport, cameras=["cam_head"], with_action=False)
    commands = []  # as the robot's side sees them
    robot_transport.subscribe(
        PROFILE.groups[0].command.topic, TRAJECTORY, lambda msg: commands.append(time.monotonic())
    )
    deadline = time.monotonic() + timeout_s
    while sampler.missing() and time.monotonic() < deadline:
        time.sleep(0.05)
    yield transport, sampler, commands
    robot.stop()
    transport.close()
    robot_transport.close()


class TickState:
    """The fields a Controller's readers use (stats(), the control process's board), without a robot."""

    def __init__(self, joints=3):
        self.ticks = self.commands_sent = self.late_tick_count = 0
        self.late_ticks, self.lateness, self.pacer = deque(maxlen=100), LatenessWindow(100), None
        joint_counts = {rule: np.zeros(joints, np.int64) for rule in JOINT_RULES}
        self.profile = type("P", (), {"joint_names": tuple("abcdefghij"[:joints])})()
        self.safety = type("S", (), {"estopped": False, "counts": Counter(), "joint_counts": joint_counts})()
