"""The scripted leader: a stand-in operator who demonstrates the pick task with human-like variety.

It looks at the scene (as a person does), picks the nearer arm, and moves through keyframes (reach
above the object, descend, close, lift, hold) with randomized speeds, heights and small aiming
errors, interpolated with minimum-jerk profiles. It produces joint targets; `SimRobot` publishes
them on the leader topics, exactly where the real wearable leader publishes.
"""
import numpy as np

from . import kinematics as kin

GRIPPER_OPEN = 0.0
GRIPPER_SHUT = 1.0  # rad, fully closed on the ball


def min_jerk(s):
    """Minimum-jerk progress for s in [0, 1]: zero velocity and acceleration at both ends."""
    s = np.clip(s, 0.0, 1.0)
    return s * s * s * (10.0 - 15.0 * s + 6.0 * s * s)


class ScriptedLeader:
    """Keyframed joint targets for one demonstration; ask `targets(t)` at any time t (s)."""

    def __init__(self, world, rng):
        self.world = world
        self.rng = rng
        self.keys = [(0.0, world.home.copy())]  # (time s, joint targets (J,))

    def plan(self):
        """Plan a demonstration of the current scene; returns its duration in seconds."""
        w, rng = self.world, self.rng
        side = w.scene.nearer_side()
        obj = w.scene.object_pos
        aim = obj + np.array([rng.normal(0, 0.004), rng.normal(0, 0.004), 0.0])  # a person's aim
        above = aim + np.array([rng.normal(0, 0.01), rng.normal(0, 0.01), rng.uniform(0.08, 0.14)])
        lifted = aim + np.array([rng.normal(0, 0.01), rng.normal(0, 0.01), rng.uniform(0.10, 0.15)])
        pose = w.home.copy()
        arm, grip = w.arm_index[side], w.gripper_index[side]
        t = rng.uniform(0.2, 0.5)  # reaction time before moving
        self.keys = [(0.0, pose.copy()), (t, pose.copy())]
        seed = pose[arm]
        for target, duration in ((above, rng.uniform(1.0, 1.8)), (aim, rng.uniform(0.6, 1.0))):
            seed, _ = kin.solve_ik(target, side, seed, w.lift())
            pose[arm] = seed
            t += duration
            self.keys.append((t, pose.copy()))
        pose[grip] = GRIPPER_SHUT
        t += rng.uniform(0.3, 0.5)
        self.keys.append((t, pose.copy()))
        pose[arm], _ = kin.solve_ik(lifted, side, seed, w.lift())
        t += rng.uniform(0.7, 1.1)
        self.keys.append((t, pose.copy()))
        t += rng.uniform(0.3, 0.6)  # hold it up, as an operator does before saving
        self.keys.append((t, pose.copy()))
        return t

    @property
    def duration_s(self):
        """Length of the scripted demonstration, s."""
        return self.keys[-1][0]

    def targets(self, t):
        """Joint targets (J,) at time t seconds into the demonstration."""
        for (t0, q0), (t1, q1) in zip(self.keys, self.keys[1:], strict=False):
            if t < t1:
                return q0 + (q1 - q0) * min_jerk((t - t0) / (t1 - t0)) if t >= t0 else q0.copy()
        return self.keys[-1][1].copy()
