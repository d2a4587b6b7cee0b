"""The simulated workspace: a table, the objects of one task's episode, and the rules of the ball.

Object positions live only here and in the rendered images: never in a joint state, so a policy can
only find them by looking. Each task (edge/sim/tasks/) is a Scene subclass: how it places its objects
for a seed, when it is achieved or failed, what the cameras draw, and how the scripted leader
demonstrates it.
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


# What the cameras draw: immutable, so a camera thread can keep a scene's look while physics moves on
@dataclass(frozen=True)
class Ball:
    center: tuple  # (x, y, z) m
    color: tuple  # BGR


@dataclass(frozen=True)
class Disc:
    """A flat mark on the table."""

    center: tuple  # (x, y) m
    radius: float  # m
    color: tuple  # BGR


@dataclass(frozen=True)
class Cylinder:
    """An upright cylinder standing on the table: a bin (open top) or a post (closed)."""

    center: tuple  # (x, y) m
    radius: float  # m
    height: float  # m
    color: tuple  # BGR
    open_top: bool = False


class Scene:
    """One episode's objects and rules; `step` applies them given both arms and grippers."""

    name = ""  # the task: pick, place, avoid
    text = ""  # the instruction its demonstrations are recorded under
    time_limit_s = 8.0  # s an episode may take before it counts as failed

    def __init__(self, seed):
        self.seed = seed
        self.failed = False  # set for good when a rule is broken (avoid: the obstacle was touched)

    @classmethod
    def random(cls, seed):
        """A new episode placed from `seed`."""
        raise NotImplementedError

    def step(self, arms, grippers):
        """Advance one tick: `arms` side -> ((shoulder, elbow, wrist, tip), hand rotation), `grippers` side
        -> gripper joint value."""

    @property
    def success(self):
        """Whether the task is achieved now."""
        raise NotImplementedError

    def nearer_side(self):
        """The arm a person would use."""
        raise NotImplementedError

    def drawables(self):
        """What the cameras see besides the table and the arms: a tuple of Ball, Disc, Cylinder."""
        raise NotImplementedError

    def spot(self):
        """(x, y) m of what the operator places for this episode: spread over the table in a recording
        (edge/sim/layout.py)."""
        raise NotImplementedError

    def status(self):
        """Task-specific facts for /sim/status."""
        return {}

    def demonstration(self, world, rng):
        """The scripted leader's Keyframes for this scene in `world`, varied by `rng` as a person varies."""
        raise NotImplementedError


def random_ball(rng):
    """(centre (3,), colour name) of a ball at a random spot of the table."""
    pos = np.array([rng.uniform(*OBJECT_X), rng.uniform(*OBJECT_Y), TABLE_Z + OBJECT_RADIUS])
    return pos, str(rng.choice(sorted(COLORS)))


class BallScene(Scene):
    """A scene with a ball the grippers can grasp, carry and drop (pick, place)."""

    def __init__(self, seed, object_pos, color):
        super().__init__(seed)
        self.object_pos = object_pos  # (3,) m, centre of the ball
        self.color = color
        self.held_by = ""  # "left", "right" or "" when on the table
        self.lifted_max = 0.0  # m, highest rise above the resting height so far
        self.nearest_m = float("inf")  # closest a gripper tip came to the ball's centre so far

    def step(self, arms, grippers):
        tips = {side: points[3] for side, (points, _) in arms.items()}
        gaps = [float(np.linalg.norm(tip - self.object_pos)) for tip in tips.values()]
        self.nearest_m = min(self.nearest_m, *gaps)
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
    def lifted(self):
        """Held and at least LIFT_SUCCESS above its resting height."""
        return bool(self.held_by) and bool(self.object_pos[2] - TABLE_Z - OBJECT_RADIUS >= LIFT_SUCCESS)

    def nearer_side(self):
        """The arm whose shoulder is nearer the ball."""
        return "left" if self.object_pos[1] >= 0 else "right"

    def drawables(self):
        return (Ball(tuple(self.object_pos), COLORS[self.color]),)

    def spot(self):
        return self.object_pos[:2].copy()

    def status(self):
        return {
            "held_by": self.held_by,
            "lifted_m": round(float(self.lifted_max), 4),
            "nearest_m": round(self.nearest_m, 4) if np.isfinite(self.nearest_m) else None,
        }
