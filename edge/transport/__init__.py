"""Transports: how imitate reaches a robot's ROS 2 topics (sim | dds | ros2 | zenoh).

Each implementation lives in its own module and imports its library (cyclonedds, rclpy, zenoh) only when
that transport is made, so the edge runtime loads what it uses and nothing else.
"""
import importlib
import os

from ..suggest import did_you_mean
from .base import QOS, Qos, Subscription, Transport, qos_profile
from .ros_environment import RosEnvironment

TRANSPORTS = {
    "sim": ("sim_transport", "SimTransport"),  # in-process bus: the simulated robot, tests
    "dds": ("dds_transport", "DdsTransport"),  # Cyclone DDS: ROS 2 wire, no ROS install
    "ros2": ("ros2_transport", "Ros2Transport"),  # rclpy: on the robot, beside ROS 2
    "zenoh": ("zenoh_transport", "ZenohTransport"),  # rmw_zenoh's wire: 2026 AI Worker images, aarch64 wheels
}


ROS_SETTINGS = ("dds", "zenoh")  # the transports that take a RosEnvironment (rclpy reads its own)


def make_transport(name, ros=None, **kwargs):
    """A new transport by name; ValueError with a suggestion for an unknown one.

    `ros`: the RosEnvironment (domain, discovery, middleware settings) the command line read. A library
    caller that passes none gets this process's, as any ROS 2 node would."""
    if name not in TRANSPORTS:
        raise ValueError(f"unknown transport {name!r}{did_you_mean(name, TRANSPORTS)}; "
                         f"expected one of {', '.join(TRANSPORTS)}")
    module, cls = TRANSPORTS[name]
    try:
        mod = importlib.import_module(f"{__name__}.{module}")
    except ImportError as err:
        hint = {"dds": "pip install 'imitate[dds]' (x86_64 wheels; on a Jetson use --transport ros2)",
                "ros2": "source your ROS 2 setup, or pip install 'imitate[ros2]' (x86_64)",
                "zenoh": "pip install 'imitate[zenoh]'"}.get(name, "")
        raise RuntimeError(f"transport {name!r} is not available here ({err}): {hint}") from None
    if name in ROS_SETTINGS:
        kwargs["ros"] = ros or RosEnvironment.from_environ(os.environ)
    return getattr(mod, cls)(**kwargs)


__all__ = [
    "QOS", "Qos", "RosEnvironment", "Subscription", "Transport", "TRANSPORTS", "make_transport", "qos_profile"
]
