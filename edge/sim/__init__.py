"""The simulated AI Worker: the embedded default robot, so every command works with no robot.

A kinematic stand-in, not a physics simulator: joints follow position targets with a lag and
velocity limits, the object is grasped by rule, images are drawn with OpenCV.
"""

from .robot import RESET_TOPIC, STATUS_TOPIC, SimRobot
from .world import SimWorld

__all__ = ["RESET_TOPIC", "STATUS_TOPIC", "SimRobot", "SimWorld"]
