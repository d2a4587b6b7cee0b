"""The scripted leader: a stand-in operator who demonstrates the scene's task with human-like variety.

It looks at the scene (as a person does), picks an arm, and moves through the task's keyframes
(edge/sim/tasks/) with randomized speeds, heights and small aiming errors, interpolated with
minimum-jerk profiles. It produces joint targets; `SimRobot` publishes them on the leader topics,
exactly where the real wearable leader publishes.
"""

from .keyframes import min_jerk


class ScriptedLeader:
    """Keyframed joint targets for one demonstration; ask `targets(t)` at any time t (s)."""

    def __init__(self, world, rng):
        self.world = world
        self.rng = rng
        self.keys = [(0.0, world.home.copy())]  # (time s, joint targets (J,))

    def plan(self):
        """Plan a demonstration of the current scene; returns its duration in seconds."""
        self.keys = self.world.scene.demonstration(self.world, self.rng).keys
        return self.duration_s

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
