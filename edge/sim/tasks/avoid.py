"""avoid: touch the target mark with the gripper while an obstacle stands between it and the hand.

The target is placed at random; the obstacle (a post as tall as the resting hands are high) stands
on the straight way from the nearer hand's rest position to the target. The hand (wrist to finger
tips) touching the post fails the episode for good.
"""

import numpy as np

from .. import kinematics as kin
from ..keyframes import Keyframes
from ..scene import TABLE_Z, Cylinder, Disc, Scene

TARGET_X = (0.46, 0.54)  # m
TARGET_Y = (-0.20, 0.20)  # m
TARGET_RADIUS = 0.03  # m, the mark drawn on the table
TARGET_COLOR = (200, 60, 200)  # BGR, magenta: no ball has it
REACH_HEIGHT = 0.03  # m above the table: the finger tips there, over the mark, touch it
REACH_RADIUS = 0.03  # m from that point counts as touching the mark
POST_RADIUS = 0.025  # m
POST_HEIGHT = 0.16  # m: its top is about as high as the resting hands
POST_COLOR = (40, 110, 230)  # BGR, orange
HAND_RADIUS = 0.02  # m, the hand and fingers around their centre line
POST_AT = (0.45, 0.60)  # where on the way from the resting hand to the mark the post stands
MIN_WAY = 0.20  # m from the resting hand to the mark, at least
FAR_OUT_Y = 0.30  # m: the leader passes the post on its far side unless that is farther out than this


def rest_tip(side):
    """Where a hand rests (the home pose), (3,) m."""
    return kin.tip_position(kin.home_pose(side), side)


def way_to(target_xy):
    """(start, way, across): the nearer hand's rest (2,), the way from it to `target_xy` (2,), and the
    unit vector across that way (2,)."""
    start = rest_tip("left" if target_xy[1] >= 0 else "right")[:2]
    way = target_xy - start
    return start, way, np.array([-way[1], way[0]]) / np.linalg.norm(way)


class AvoidScene(Scene):
    """Success: the finger tips reach the mark and the hand never touched the post."""

    name = "avoid"
    text = "touch the target without touching the obstacle"
    time_limit_s = 8.0

    def __init__(self, seed, target_xy, post_xy):
        super().__init__(seed)
        self.target_xy = np.asarray(target_xy, float)  # (2,) m
        self.post_xy = np.asarray(post_xy, float)  # (2,) m
        self.reached = False
        self.touched_by = ""  # the side whose hand touched the post

    @classmethod
    def random(cls, seed):
        rng = np.random.default_rng(seed)
        while True:  # rejection: a mark too near the resting hand leaves no room for the post between
            target = np.array([rng.uniform(*TARGET_X), rng.uniform(*TARGET_Y)])
            start, way, across = way_to(target)
            if np.linalg.norm(way) >= MIN_WAY:
                break
        post = start + rng.uniform(*POST_AT) * way + rng.normal(0, 0.01) * across
        return cls(seed, target, post)

    def spot(self):
        return self.target_xy.copy()

    @property
    def goal(self):
        """The point (3,) m the finger tips must reach."""
        return np.array([*self.target_xy, TABLE_Z + REACH_HEIGHT])

    def touches(self, wrist, tip):
        """Whether the hand from `wrist` to `tip` touches the post."""
        points = wrist + np.linspace(0.0, 1.0, 7)[:, None] * (tip - wrist)
        near = np.linalg.norm(points[:, :2] - self.post_xy, axis=1) <= POST_RADIUS + HAND_RADIUS
        low = points[:, 2] <= TABLE_Z + POST_HEIGHT + HAND_RADIUS
        return bool((near & low).any())

    def step(self, arms, grippers):
        for side, (points, _) in arms.items():
            if not self.failed and self.touches(points[2], points[3]):
                self.failed, self.touched_by = True, side
            if not self.failed and np.linalg.norm(points[3] - self.goal) <= REACH_RADIUS:
                self.reached = True

    @property
    def success(self):
        return self.reached and not self.failed

    def nearer_side(self):
        return "left" if self.target_xy[1] >= 0 else "right"

    def drawables(self):
        return (
            Disc(tuple(self.target_xy), TARGET_RADIUS, TARGET_COLOR),
            Cylinder(tuple(self.post_xy), POST_RADIUS, POST_HEIGHT, POST_COLOR),
        )

    def status(self):
        return {"reached": self.reached, "touched_by": self.touched_by}

    def demonstration(self, world, rng, detour=True):
        """Go round the post on the side with room for the arm, then down onto the mark and stay a moment.

        `detour=False` goes straight at the mark: what a policy that does not see the post does.
        """
        side = self.nearer_side()
        _, _, across = way_to(self.target_xy)
        keys = Keyframes(world, side, rng.uniform(0.2, 0.5))
        if detour:
            offset = rng.uniform(0.10, 0.12)
            far, near = sorted(
                [self.post_xy + offset * across, self.post_xy - offset * across], key=lambda p: -p[0]
            )
            roomy = far if abs(far[1]) <= FAR_OUT_Y else near  # near the body the hand tilts; far out, too
            beside = [*roomy, TABLE_Z + rng.uniform(0.08, 0.11)]
            keys.move_tip(np.array(beside), rng.uniform(0.9, 1.3))
        goal = self.goal + np.array([rng.normal(0, 0.004), rng.normal(0, 0.004), rng.uniform(-0.005, 0.005)])
        return keys.move_tip(goal, rng.uniform(0.7, 1.0)).hold(rng.uniform(0.3, 0.6))
