"""pick: lift the ball off the table. The ball is placed and coloured at random."""

import numpy as np

from ..keyframes import GRIPPER_SHUT, Keyframes
from ..scene import BallScene, random_ball


class PickScene(BallScene):
    """Held and lifted by at least LIFT_SUCCESS is success."""

    name = "pick"
    text = "pick up the ball"
    time_limit_s = 8.0

    @classmethod
    def random(cls, seed):
        pos, color = random_ball(np.random.default_rng(seed))
        return cls(seed, pos, color)

    @property
    def success(self):
        return self.lifted

    def demonstration(self, world, rng):
        """Reach above the ball, descend, close, lift, hold it up as an operator does before saving."""
        obj = self.object_pos
        aim = obj + np.array([rng.normal(0, 0.004), rng.normal(0, 0.004), 0.0])  # a person's aim
        above = aim + np.array([rng.normal(0, 0.01), rng.normal(0, 0.01), rng.uniform(0.08, 0.14)])
        lifted = aim + np.array([rng.normal(0, 0.01), rng.normal(0, 0.01), rng.uniform(0.10, 0.15)])
        keys = Keyframes(world, self.nearer_side(), rng.uniform(0.2, 0.5))
        keys.move_tip(above, rng.uniform(1.0, 1.8)).move_tip(aim, rng.uniform(0.6, 1.0))
        keys.gripper(GRIPPER_SHUT, rng.uniform(0.3, 0.5))
        return keys.move_tip(lifted, rng.uniform(0.7, 1.1)).hold(rng.uniform(0.3, 0.6))
