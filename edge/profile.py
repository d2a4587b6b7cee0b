"""Robot profiles: a robot's joints, topics, cameras, rates and limits, loaded from YAML.

A profile is data (edge/profiles/*.yaml, or any file a user points at): adding a robot needs no
code. Everything is validated once at load time (profile_yaml.py); errors name the file, the field
and the fix.
"""
import os
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from .suggest import did_you_mean

BUILTIN_DIR = Path(__file__).parent / "profiles"
DEFAULT_USER_DIR = Path("~/.config/imitate/profiles")
_user_dir = [DEFAULT_USER_DIR.expanduser()]  # set once by the command line (IMITATE_PROFILE_DIR)


def set_user_dir(path):
    """Where a user's own profiles are (and `profile from-graph` writes); None: the default."""
    _user_dir[0] = Path(path or DEFAULT_USER_DIR).expanduser()


def user_dir():
    """The folder of the user's own profiles."""
    return _user_dir[0]


JOINT_STATE = "sensor_msgs/msg/JointState"
TRAJECTORY = "trajectory_msgs/msg/JointTrajectory"
TWIST = "geometry_msgs/msg/Twist"
ODOMETRY = "nav_msgs/msg/Odometry"
COMPRESSED_IMAGE = "sensor_msgs/msg/CompressedImage"
STRING = "std_msgs/msg/String"
FLOAT64_ARRAY = (
    "std_msgs/msg/Float64MultiArray"  # ros2_control's forward_position_controller: values in joint order
)
COMMAND_TYPES = (TRAJECTORY, FLOAT64_ARRAY, TWIST)  # what a group's command topic may carry
LEADER_TYPES = (TRAJECTORY, JOINT_STATE, FLOAT64_ARRAY, TWIST)  # what a group's leader topic may carry
STATE_TYPES = (JOINT_STATE, ODOMETRY)  # what a group's state topic may carry


class ProfileError(ValueError):
    """A profile file is missing, malformed or inconsistent; the message says how to fix it."""


@dataclass(frozen=True)
class Endpoint:
    """One ROS 2 topic and its message type (`pkg/msg/Name`)."""

    topic: str
    type: str


@dataclass(frozen=True)
class JointLimit:
    """Limits of one joint; units follow the joint (rad, m, or m/s for base pseudo-joints)."""

    min: float  # lowest position
    max: float  # highest position
    velocity: float  # largest |speed|, unit/s
    acceleration: float  # largest |acceleration|, unit/s^2


@dataclass(frozen=True)
class JointGroup:
    """Joints commanded together on one topic (one JointTrajectory controller, or the base)."""

    name: str
    joints: tuple  # joint names, in dataset order
    command: Endpoint  # where a policy sends this group's targets (the follower's controller listens)
    state: Endpoint  # where the follower reports this group's positions
    leader: Endpoint = None  # where the leader's targets are read (the action); None: the command topic

    def __post_init__(self):
        if self.leader is None:  # the AI Worker's leader publishes on the follower's own command topics
            object.__setattr__(self, "leader", self.command)


@dataclass(frozen=True)
class Camera:
    """A camera stream; `name` is the dataset key suffix (observation.images.<name>)."""

    name: str
    topic: str  # sensor_msgs/msg/CompressedImage (JPEG)
    height: int  # pixels, as the camera sends them
    width: int  # pixels, as the camera sends them
    fps: float  # nominal frame rate
    rotate: int = 0  # degrees clockwise (0, 90, 180, 270) applied before storing and before inference
    crop: tuple = None  # (top, left, height, width) of the turned image kept; None: all of it

    @property
    def turned_size(self):
        """(height, width) after `rotate`, before `crop`."""
        return (self.width, self.height) if self.rotate in (90, 270) else (self.height, self.width)

    @property
    def stored_size(self):
        """(height, width) of the images as recorded and as the policy sees them (after rotate and crop)."""
        return tuple(self.crop[2:]) if self.crop else self.turned_size

    @property
    def view(self):
        """(rotate, crop): what images.orient() does to this camera's images."""
        return self.rotate, self.crop


@dataclass(frozen=True)
class RobotProfile:
    """Everything imitate needs to know about a robot's ROS 2 interface."""

    name: str
    description: str
    robot_type: str  # written to the dataset's info.json
    ros_distro: str  # jazzy | humble: message definitions and type hashes
    dataset_fps: int  # frames per second recorded
    control_rate_hz: float  # command loop rate
    joint_states: str  # follower JointState topic (all joints, any order)
    trigger_topic: str  # leader buttons (std_msgs/String), "" for none
    groups: tuple  # JointGroup, in dataset order
    cameras: tuple  # Camera
    limits: MappingProxyType = field(repr=False)  # joint name -> JointLimit
    source: str = ""  # file it was loaded from

    def __reduce__(self):  # picklable (to a control process): the read-only limits as a plain dict
        fields = {k: getattr(self, k) for k in self.__dataclass_fields__}
        return _unpickle_profile, (fields | {"limits": dict(self.limits)},)

    @property
    def joint_names(self):
        """All joints in dataset order: the layout of observation.state and action."""
        return tuple(j for g in self.groups for j in g.joints)

    @property
    def camera_names(self):
        """Camera names in profile order."""
        return tuple(c.name for c in self.cameras)

    def camera(self, name):
        """The camera called `name`; ProfileError with the known names otherwise."""
        for cam in self.cameras:
            if cam.name == name:
                return cam
        raise ProfileError(
            f"profile {self.name} has no camera {name!r}{did_you_mean(name, self.camera_names)}"
        )

    def topics(self):
        """Every topic this robot publishes or listens to, mapped to its message type."""
        out = {self.joint_states: JOINT_STATE}
        for g in self.groups:
            out[g.state.topic] = g.state.type
            out[g.command.topic] = g.command.type
            out[g.leader.topic] = g.leader.type
        for cam in self.cameras:
            out[cam.topic] = COMPRESSED_IMAGE
        if self.trigger_topic:
            out[self.trigger_topic] = STRING
        return out


def _unpickle_profile(fields):
    return RobotProfile(**(fields | {"limits": MappingProxyType(fields["limits"])}))


def available_profiles():
    """Names of the built-in and user profiles, sorted."""
    names = {p.stem for d in (BUILTIN_DIR, user_dir()) if d.is_dir() for p in d.glob("*.yaml")}
    return sorted(names)


def load_profile(name_or_path):
    """Load a profile by name (built-in or user folder) or by path to a YAML file."""
    from .profile_yaml import build, read_merged  # the reader builds this module's classes

    path = _find(str(name_or_path))
    return build(read_merged(path, _find), path)


def _find(name):
    candidate = Path(name).expanduser()
    if candidate.suffix in (".yaml", ".yml") or os.sep in name:
        if not candidate.is_file():
            raise ProfileError(f"profile file {candidate} does not exist")
        return candidate
    for folder in (user_dir(), BUILTIN_DIR):  # a user's file overrides a built-in one
        path = folder / f"{name}.yaml"
        if path.is_file():
            return path
    raise ProfileError(
        f"unknown profile {name!r}{did_you_mean(name, available_profiles())}; "
        f"known: {', '.join(available_profiles())} (or give a path to a YAML file)"
    )
