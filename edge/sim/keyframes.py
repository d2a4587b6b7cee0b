"""Keyframed joint targets, the way the scripted leader moves: one arm's tip from pose to pose,
solved by inverse kinematics, interpolated with minimum-jerk profiles."""

import numpy as np

from . import kinematics as kin

GRIPPER_OPEN = 0.0
GRIPPER_SHUT = 1.0  # rad, fully closed on the ball


def min_jerk(s):
    """Minimum-jerk progress for s in [0, 1]: zero velocity and acceleration at both ends."""
    s = np.clip(s, 0.0, 1.0)
    return s * s * s * (10.0 - 15.0 * s + 6.0 * s * s)


class Keyframes:
    """(time s, joint targets (J,)) for one arm of `world`, starting at home after `reaction_s`."""

    def __init__(self, world, side, reaction_s):
        self.world, self.side = world, side
        self.arm, self.grip = world.arm_index[side], world.gripper_index[side]
        self.pose = world.home.copy()
        self.t = reaction_s
        self.keys = [(0.0, self.pose.copy()), (reaction_s, self.pose.copy())]
        self._seed = self.pose[self.arm]

    def move_tip(self, target, duration_s):
        """Bring the gripper tip to `target` (3,) m, pointing down, in `duration_s`."""
        self._seed, _ = kin.solve_ik(target, self.side, self._seed, self.world.lift())
        self.pose[self.arm] = self._seed
        return self.hold(duration_s)

    def gripper(self, value, duration_s):
        """Open or close the gripper to `value` in `duration_s`."""
        self.pose[self.grip] = value
        return self.hold(duration_s)

    def hold(self, duration_s):
        """Keep the pose for `duration_s`."""
        self.t += duration_s
        self.keys.append((self.t, self.pose.copy()))
        return self
