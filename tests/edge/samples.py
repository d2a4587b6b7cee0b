"""One sample of every message type imitate sends or receives, for round-trip tests."""
import cv2
import numpy as np

from imitate.edge import messages as m


def jpeg(height=480, width=640, seed=0):
    """A real JPEG of a noisy gradient image (about 40-60 KB at 640x480)."""
    rng = np.random.default_rng(seed)
    img = (np.linspace(0, 255, width)[None, :, None] + rng.normal(0, 20, (height, width, 3))).clip(0, 255)
    ok, data = cv2.imencode(".jpg", img.astype(np.uint8), [cv2.IMWRITE_JPEG_QUALITY, 80])
    assert ok
    return data.tobytes()


def twist(x=0.1, y=-0.2, yaw=0.3):
    vec = m.msg_class("geometry_msgs/msg/Vector3")
    return m.msg_class("geometry_msgs/msg/Twist")(
        linear=vec(x=x, y=y, z=0.0), angular=vec(x=0.0, y=0.0, z=yaw)
    )


def odometry():
    point = m.msg_class("geometry_msgs/msg/Point")(x=1.0, y=2.0, z=0.0)
    quat = m.msg_class("geometry_msgs/msg/Quaternion")(x=0.0, y=0.0, z=0.0, w=1.0)
    pose = m.msg_class("geometry_msgs/msg/Pose")(position=point, orientation=quat)
    cov = np.arange(36, dtype=np.float64)
    return m.msg_class("nav_msgs/msg/Odometry")(
        header=m.header("odom"),
        child_frame_id="base_link",
        pose=m.msg_class("geometry_msgs/msg/PoseWithCovariance")(pose=pose, covariance=cov),
        twist=m.msg_class("geometry_msgs/msg/TwistWithCovariance")(twist=twist(), covariance=cov),
    )


def all_samples():
    """[(msgtype, message)] covering every type in the profiles and the simulated robot."""
    names = [f"arm_l_joint{i}" for i in range(1, 8)] + ["gripper_l_joint1"]
    return [
        ("sensor_msgs/msg/JointState", m.joint_state(names, np.linspace(-1, 1, 8), np.ones(8))),
        ("trajectory_msgs/msg/JointTrajectory", m.joint_trajectory(names, np.linspace(0, 0.7, 8))),
        ("sensor_msgs/msg/CompressedImage", m.compressed_image(jpeg(240, 424), "cam_wrist_1")),
        ("std_msgs/msg/String", m.string("right")),
        ("geometry_msgs/msg/Twist", twist()),
        ("nav_msgs/msg/Odometry", odometry()),
        ("std_msgs/msg/Float64MultiArray", float64_array()),
    ]


def float64_array():
    """forward_position_controller's command, with a layout dimension (a nested sequence) filled in."""
    msg = m.float64_multi_array(np.linspace(-0.5, 0.5, 8))
    msg.layout.dim = [m.msg_class("std_msgs/msg/MultiArrayDimension")(label="joints", size=8, stride=8)]
    return msg


def same(a, b):
    """Deep equality of two rosbags messages (numpy arrays compared by value)."""
    if hasattr(a, "__dataclass_fields__"):
        return type(a).__msgtype__ == type(b).__msgtype__ and all(
            same(getattr(a, f), getattr(b, f)) for f in a.__dataclass_fields__
        )
    if isinstance(a, np.ndarray):
        return np.array_equal(a, b)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return a == b
