"""The simulated workspace: a table and one coloured object, and the rules of the pick task.

The object's position lives only here and in the rendered images: never in a joint state, so a
policy can only find it by looking.
"""
from dataclasses import dataclass

import numpy as np

TABLE_Z = 0.75  # m, table top height
TABLE_X = (0.15, 0.80)  # m, near and far edge
TABLE_Y = (-0.50, 0.50)  # m, right and left edge
OBJECT_RADIUS = 0.025  # m, the object is a ball
OBJECT_X = (0.36, 0.50)  # m, where an episode may place it
OBJECT_Y = (-0.26, 0.26)  # m
COLORS = {
    "red": (40, 40, 210),
    "green": (60, 170, 50),
    "blue": (200, 90, 30),
    "yellow": (40, 200, 230),
}  # BGR
GRASP_RADIUS = 0.03  # m: a closing gripper this close to the object's centre grasps it
GRIPPER_CLOSED = 0.6  # gripper joint value above which the fingers hold an object
LIFT_SUCCESS = 0.06  # m the object must rise above its resting height for success


@dataclass
class Scene:
    """Object state for one episode; `step` applies the grasp rules given the gripper tips."""

    seed: int
    object_pos: np.ndarray  # (3,) m, centre of the ball
    color: str
    held_by: str = ""  # "left", "right" or "" when on the table
    lifted_max: float = 0.0  # m, highest rise above the resting height so far

    @classmethod
    def random(cls, seed):
        """A new episode: the object at a random spot on the table, a random colour."""
        rng = np.random.default_rng(seed)
        pos = np.array([rng.uniform(*OBJECT_X), rng.uniform(*OBJECT_Y), TABLE_Z + OBJECT_RADIUS])
        return cls(seed=seed, object_pos=pos, color=str(rng.choice(sorted(COLORS))))

    def step(self, tips, grippers):
        """Advance one tick: `tips` side -> tip position (3,), `grippers` side -> gripper value."""
        if self.held_by and grippers[self.held_by] < GRIPPER_CLOSED / 2:  # fingers opened: it drops
            self.held_by = ""
            self.object_pos = np.array([self.object_pos[0], self.object_pos[1], TABLE_Z + OBJECT_RADIUS])
        if not self.held_by:
            for side, tip in tips.items():
                if grippers[side] >= GRIPPER_CLOSED and np.linalg.norm(tip - self.object_pos) <= GRASP_RADIUS:
                    self.held_by = side
        if self.held_by:
            self.object_pos = tips[self.held_by].copy()
            self.lifted_max = max(self.lifted_max, self.object_pos[2] - TABLE_Z - OBJECT_RADIUS)

    @property
    def success(self):
        """Held and lifted by at least LIFT_SUCCESS."""
        return bool(self.held_by) and bool(self.object_pos[2] - TABLE_Z - OBJECT_RADIUS >= LIFT_SUCCESS)

    def nearer_side(self):
        """The arm whose shoulder is nearer the object: the one a person would use."""
        return "left" if self.object_pos[1] >= 0 else "right"
