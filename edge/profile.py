"""Robot profiles: a robot's joints, topics, cameras, rates and limits, loaded from YAML.

A profile is data (edge/profiles/*.yaml, or any file a user points at): adding a robot needs no
code. Everything is validated once at load time; errors name the file, the field and the fix.
"""
import os
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

import yaml

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
    path = _find(str(name_or_path))
    return _build(_read_merged(path, seen=()), path)


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


def _read_merged(path, seen):
    try:
        data = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as err:
        raise ProfileError(f"{path}: not valid YAML: {err}") from None
    if not isinstance(data, dict):
        raise ProfileError(f"{path}: expected a mapping of fields at the top level")
    parent = data.pop("extends", None)
    if parent is None:
        return data
    if parent in seen:
        raise ProfileError(f"{path}: 'extends: {parent}' makes a cycle")
    base = _read_merged(_find(parent), seen + (parent,))
    limits = {**base.get("limits", {}), **data.get("limits", {})}  # limits merge, the rest replaces
    return {**base, **data, "limits": limits}


def _build(data, path):
    where = f"{path}"
    known = {
        "name",
        "description",
        "robot_type",
        "ros_distro",
        "dataset_fps",
        "control_rate_hz",
        "joint_states",
        "trigger_topic",
        "groups",
        "cameras",
        "limits",
    }
    for key in data:
        if key not in known:
            raise ProfileError(f"{where}: unknown field {key!r}{did_you_mean(key, known)}")
    need = _required(data, where)
    joint_states = str(data.get("joint_states", "/joint_states"))
    groups = tuple(
        _group(n, g, joint_states, f"{where}: groups.{n}")
        for n, g in _mapping(need("groups"), f"{where}: groups").items()
    )
    cameras = tuple(
        _camera(n, c, f"{where}: cameras.{n}") for n, c in (data.get("cameras") or {}).items()
    )  # a robot may have none
    profile = RobotProfile(
        name=str(need("name")),
        description=str(data.get("description", "")),
        robot_type=str(data.get("robot_type", need("name"))),
        ros_distro=str(data.get("ros_distro", "jazzy")),
        dataset_fps=_number(need("dataset_fps"), f"{where}: dataset_fps", int),
        control_rate_hz=_number(need("control_rate_hz"), f"{where}: control_rate_hz", float),
        joint_states=joint_states,
        trigger_topic=str(data.get("trigger_topic") or ""),
        groups=groups,
        cameras=cameras,
        limits=MappingProxyType(_limits(data.get("limits") or {}, f"{where}: limits")),
        source=str(path),
    )
    _check(profile, where)
    return profile


def _required(data, where):
    def need(key):
        if key not in data:
            raise ProfileError(
                f"{where}: missing field {key!r}: add it (see edge/profiles/ai_worker_bg2.yaml)"
            )
        return data[key]

    return need


def _mapping(value, where):
    if not isinstance(value, dict) or not value:
        raise ProfileError(f"{where}: expected a non-empty mapping of name -> fields")
    return value


def _number(value, where, kind):
    try:
        out = kind(value)
    except (TypeError, ValueError):
        raise ProfileError(f"{where}: expected a number, found {value!r}") from None
    if out <= 0:
        raise ProfileError(f"{where}: expected a positive number, found {value!r}")
    return out


def _endpoint(value, default_type, where):
    if isinstance(value, str):
        return Endpoint(value, default_type)
    if isinstance(value, dict) and "topic" in value:
        return Endpoint(str(value["topic"]), str(value.get("type", default_type)))
    raise ProfileError(f"{where}: expected a topic name or {{topic: ..., type: ...}}, found {value!r}")


def _group(name, spec, joint_states, where):
    spec = _mapping(spec, where)
    joints = spec.get("joints")
    if not isinstance(joints, list) or not joints:
        raise ProfileError(f"{where}.joints: expected a non-empty list of joint names")
    unknown = set(spec) - {"joints", "command", "state", "leader"}
    if unknown:
        raise ProfileError(
            f"{where}: unknown field {sorted(unknown)[0]!r}; a group has joints, command, leader, state"
        )
    if "command" not in spec:
        raise ProfileError(
            f"{where}: missing field 'command' (the topic the follower's controller listens to)"
        )
    command = _endpoint(spec["command"], TRAJECTORY, f"{where}.command")
    state = _endpoint(spec.get("state", joint_states), JOINT_STATE, f"{where}.state")
    leader = _endpoint(spec["leader"], TRAJECTORY, f"{where}.leader") if "leader" in spec else command
    for endpoint, allowed, label in (
        (command, COMMAND_TYPES, "command"),
        (state, STATE_TYPES, "state"),
        (leader, LEADER_TYPES, "leader"),
    ):
        if endpoint.type not in allowed:
            raise ProfileError(
                f"{where}.{label}: unknown topic type {endpoint.type!r}"
                f"{did_you_mean(endpoint.type, allowed)}; supported: {', '.join(allowed)}"
            )
    if (command.type == TWIST) != (leader.type == TWIST):
        raise ProfileError(
            f"{where}: a Twist command needs a Twist leader (and the other way round): the base "
            "is driven by velocities"
        )
    return JointGroup(str(name), tuple(str(j) for j in joints), command, state, leader)


def _camera(name, spec, where):
    spec = _mapping(spec, where)
    if "topic" not in spec:
        raise ProfileError(f"{where}: missing field 'topic' (a sensor_msgs/CompressedImage topic)")
    unknown = set(spec) - {"topic", "height", "width", "fps", "rotate", "crop"}
    if unknown:
        raise ProfileError(
            f"{where}: unknown field {sorted(unknown)[0]!r}; a camera has topic, height, width, fps, "
            "rotate, crop"
        )
    rotate = spec.get("rotate", 0)
    if rotate not in (0, 90, 180, 270):
        raise ProfileError(
            f"{where}.rotate: expected 0, 90, 180 or 270 (degrees clockwise), found {rotate!r}"
        )
    camera = Camera(
        str(name),
        str(spec["topic"]),
        _number(spec.get("height"), f"{where}.height", int),
        _number(spec.get("width"), f"{where}.width", int),
        _number(spec.get("fps", 30), f"{where}.fps", float),
        int(rotate),
    )
    crop = spec.get("crop")
    if crop is not None:
        turned_h, turned_w = camera.turned_size
        if not (
            isinstance(crop, list)
            and len(crop) == 4
            and all(isinstance(v, int) and v >= 0 for v in crop)
            and crop[2] > 0
            and crop[3] > 0
            and crop[0] + crop[2] <= turned_h
            and crop[1] + crop[3] <= turned_w
        ):
            raise ProfileError(
                f"{where}.crop: expected [top, left, height, width] inside the {turned_w}x{turned_h} "
                f"image (after rotate), found {crop!r}"
            )
        camera = Camera(
            camera.name, camera.topic, camera.height, camera.width, camera.fps, camera.rotate, tuple(crop)
        )
    return camera


def _limits(spec, where):
    out = {}
    for joint, lim in spec.items():
        if not isinstance(lim, dict):
            raise ProfileError(f"{where}.{joint}: expected {{min, max, velocity, acceleration}}")
        try:
            out[str(joint)] = JointLimit(
                float(lim["min"]), float(lim["max"]), float(lim["velocity"]), float(lim["acceleration"])
            )
        except (KeyError, TypeError, ValueError) as err:
            raise ProfileError(
                f"{where}.{joint}: needs numbers min, max, velocity, acceleration ({err})"
            ) from None
        if not out[joint].min < out[joint].max or out[joint].velocity <= 0 or out[joint].acceleration <= 0:
            raise ProfileError(f"{where}.{joint}: expected min < max and positive velocity, acceleration")
    return out


def _check(profile, where):
    seen = {}
    for g in profile.groups:
        for j in g.joints:
            if j in seen:
                raise ProfileError(
                    f"{where}: groups.{g.name}.joints: duplicate joint {j!r} "
                    f"(already in group {seen[j]}); list each joint once"
                )
            seen[j] = g.name
    missing = [j for j in profile.joint_names if j not in profile.limits]
    if missing:
        raise ProfileError(
            f"{where}: limits: missing joint {missing[0]!r}: add "
            f"'{missing[0]}: {{min: .., max: .., velocity: .., acceleration: ..}}' "
            f"(mark a guess '# assumed')"
        )
    for j in profile.limits:
        if j not in seen:
            raise ProfileError(f"{where}: limits.{j}: not a joint of any group{did_you_mean(j, seen)}")
    if profile.ros_distro not in ("jazzy", "humble"):
        raise ProfileError(f"{where}: ros_distro: expected jazzy or humble, found {profile.ros_distro!r}")
    names = [c.name for c in profile.cameras]
    if len(set(names)) != len(names):
        raise ProfileError(f"{where}: cameras: duplicate camera name")
