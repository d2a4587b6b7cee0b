"""place: put the ball in the bin. Ball and bin are placed at random, at least BIN_GAP apart."""

import numpy as np

from ..keyframes import GRIPPER_OPEN, GRIPPER_SHUT, Keyframes
from ..scene import OBJECT_RADIUS, TABLE_Z, BallScene, Cylinder, random_ball

BIN_RADIUS = 0.06  # m, inside
BIN_HEIGHT = 0.04  # m
BIN_COLOR = (30, 60, 120)  # BGR, brown: far from the table, floor and balls
BIN_X = (0.36, 0.46)  # m: where the arms can lower a ball into it
BIN_Y = (-0.22, 0.22)  # m
BIN_GAP = 0.15  # m between the ball and the bin's centre when an episode begins


class PlaceScene(BallScene):
    """Success: the ball lies in the bin (released, its centre within the bin's floor)."""

    name = "place"
    text = "put the ball in the bin"
    time_limit_s = 12.0

    def __init__(self, seed, object_pos, color, bin_xy):
        super().__init__(seed, object_pos, color)
        self.bin_xy = np.asarray(bin_xy, float)  # (2,) m

    @classmethod
    def random(cls, seed):
        rng = np.random.default_rng(seed)
        pos, color = random_ball(rng)
        while True:  # rejection: about one draw in three is near the ball
            bin_xy = np.array([rng.uniform(*BIN_X), rng.uniform(*BIN_Y)])
            if np.linalg.norm(bin_xy - pos[:2]) >= BIN_GAP:
                return cls(seed, pos, color, bin_xy)

    @property
    def in_bin(self):
        """The ball rests inside the bin."""
        inside = np.linalg.norm(self.object_pos[:2] - self.bin_xy) <= BIN_RADIUS - OBJECT_RADIUS
        return not self.held_by and bool(inside)

    @property
    def success(self):
        return self.in_bin

    def drawables(self):
        bin_ = Cylinder(tuple(self.bin_xy), BIN_RADIUS, BIN_HEIGHT, BIN_COLOR, open_top=True)
        return (bin_, *super().drawables())

    def status(self):
        return {**super().status(), "in_bin": bool(self.in_bin)}

    def demonstration(self, world, rng):
        """Pick the ball as in `pick`, carry it above the bin, lower it, open, withdraw."""
        aim = self.object_pos + np.array([rng.normal(0, 0.004), rng.normal(0, 0.004), 0.0])
        above = aim + np.array([rng.normal(0, 0.01), rng.normal(0, 0.01), rng.uniform(0.08, 0.14)])
        lifted = aim + np.array([rng.normal(0, 0.01), rng.normal(0, 0.01), rng.uniform(0.10, 0.14)])
        drop = np.array([*(self.bin_xy + rng.normal(0, 0.006, 2)), TABLE_Z + OBJECT_RADIUS])
        carry = drop + np.array([0.0, 0.0, rng.uniform(0.10, 0.14)])
        release = drop + np.array([0.0, 0.0, rng.uniform(0.04, 0.06)])
        keys = Keyframes(world, self.nearer_side(), rng.uniform(0.2, 0.5))
        keys.move_tip(above, rng.uniform(1.0, 1.6)).move_tip(aim, rng.uniform(0.6, 1.0))
        keys.gripper(GRIPPER_SHUT, rng.uniform(0.3, 0.5)).move_tip(lifted, rng.uniform(0.6, 0.9))
        keys.move_tip(carry, rng.uniform(0.9, 1.4)).move_tip(release, rng.uniform(0.4, 0.7))
        keys.gripper(GRIPPER_OPEN, rng.uniform(0.3, 0.5))
        return keys.move_tip(carry, rng.uniform(0.5, 0.8)).hold(rng.uniform(0.2, 0.4))
