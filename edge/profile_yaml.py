"""Reading a profile's YAML: its `extends` chain merged, every field checked once, each error naming the
file, the field and the fix (edge/profile.py holds what a profile is, and finds the files)."""
from types import MappingProxyType

import yaml

from .profile import (
    COMMAND_TYPES,
    JOINT_STATE,
    LEADER_TYPES,
    STATE_TYPES,
    TRAJECTORY,
    TWIST,
    Camera,
    Endpoint,
    JointGroup,
    JointLimit,
    ProfileError,
    RobotProfile,
)
from .suggest import did_you_mean


def read_merged(path, find, seen=()):
    """The profile at `path` as one mapping: its `extends` chain merged (limits merge, the rest replaces),
    parents found by `find(name)`."""
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
    base = read_merged(find(parent), find, seen + (parent,))
    limits = {**base.get("limits", {}), **data.get("limits", {})}  # limits merge, the rest replaces
    return {**base, **data, "limits": limits}


def build(data, path):
    """A RobotProfile from a merged mapping, every field checked."""
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
