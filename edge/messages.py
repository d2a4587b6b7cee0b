"""ROS 2 messages from rosbags' type store: classes, CDR bytes, type hashes, and a few builders.

No message is defined by hand: rosbags carries the Jazzy and Humble definitions, serializes the
exact CDR that ROS 2 puts on the wire, and computes the RIHS01 type hashes Jazzy advertises.
"""
import time
from functools import cache

import numpy as np
from rosbags.typesys import Stores, get_typestore

from .suggest import did_you_mean

DISTROS = {"jazzy": Stores.ROS2_JAZZY, "humble": Stores.ROS2_HUMBLE}
DEFAULT_DISTRO = "jazzy"


class MessageError(ValueError):
    """Bytes that are not a valid message of the expected type, or an unknown type name."""


@cache
def typestore(distro=DEFAULT_DISTRO):
    """The rosbags type store for a ROS 2 distro (jazzy | humble)."""
    if distro not in DISTROS:
        raise MessageError(f"unknown ROS 2 distro {distro!r}: expected one of {', '.join(DISTROS)}")
    return get_typestore(DISTROS[distro])


def msg_class(msgtype, distro=DEFAULT_DISTRO):
    """The dataclass for `pkg/msg/Name`; MessageError naming close matches if unknown."""
    store = typestore(distro)
    try:
        return store.types[msgtype]
    except KeyError:
        raise MessageError(f"unknown message type {msgtype!r}{did_you_mean(msgtype, store.types)}") from None


def serialize(msg, msgtype, distro=DEFAULT_DISTRO):
    """CDR bytes (little-endian, with the 4-byte encapsulation header), as ROS 2 sends them."""
    check_type(msg, msgtype)
    return bytes(typestore(distro).serialize_cdr(msg, msgtype))


def deserialize(raw, msgtype, distro=DEFAULT_DISTRO):
    """The message in CDR bytes `raw`; MessageError if they are malformed."""
    try:
        return typestore(distro).deserialize_cdr(raw, msgtype)
    except Exception as err:  # rosbags raises struct.error, IndexError, ValueError, ... on bad bytes
        raise MessageError(f"{len(raw)} bytes are not a valid {msgtype}: {err}") from None


def deserialize_tolerant(store, raw, msgtype):
    """(message, trailing bytes) of CDR `raw`: bytes after the payload (beyond the 3 of alignment
    padding), which some recorders leave and ROS 2 middleware accepts, are counted, not refused.
    Anything else malformed raises as rosbags does."""
    if len(raw) < 4 or bytes(raw[:2]) not in (b"\x00\x00", b"\x00\x01"):
        raise MessageError(f"{len(raw)} bytes are not CDR (no encapsulation header) for {msgtype}")
    msgdef = store.get_msgdef(msgtype)
    func = msgdef.deserialize_cdr_le if raw[1] else msgdef.deserialize_cdr_be
    msg, pos = func(memoryview(raw)[4:], 0, msgdef.cls, store)
    extra = len(raw) - 4 - pos
    return msg, extra if extra > 3 else 0


def prepare(msgtype, distro=DEFAULT_DISTRO):
    """Generate the CDR code for `msgtype` and every type nested in it, now.

    rosbags writes each type's (de)serializer on first use: 10-20 ms for a JointState, which
    would otherwise land on the first message, a stalled receive thread or a late control tick.
    """
    store, todo, seen = typestore(distro), [msgtype], set()
    msg_class(msgtype, distro)  # MessageError for an unknown type
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        store.get_msgdef(name)
        todo.extend(_nested_types(store.fielddefs[name][1], store.types))


def _nested_types(node, types):
    """Message type names inside a rosbags field description (nested tuples)."""
    if isinstance(node, str):
        return [node] if node in types else []
    if isinstance(node, (tuple, list)):
        return [name for item in node for name in _nested_types(item, types)]
    return []


def check_type(msg, msgtype):
    """TypeError unless `msg` is a `msgtype` message: catches publishing the wrong type early."""
    found = getattr(msg, "__msgtype__", type(msg).__name__)
    if found != msgtype:
        raise TypeError(f"expected a {msgtype} message, got {found}: build it with "
                        f"imitate.edge.messages.msg_class({msgtype!r})")


def type_hash(msgtype, distro=DEFAULT_DISTRO):
    """The RIHS01 type hash Jazzy advertises for `msgtype` ('' for Humble, which has none)."""
    return typestore(distro).hash_rihs01(msgtype) if distro == "jazzy" else ""


def dds_type_name(msgtype):
    """'sensor_msgs/msg/JointState' -> 'sensor_msgs::msg::dds_::JointState_' (the RMW's mangling)."""
    pkg, kind, name = msgtype.split("/")
    return f"{pkg}::{kind}::dds_::{name}_"


def ros_type_name(dds_name):
    """Inverse of dds_type_name; None for a DDS type that is not a ROS 2 message."""
    parts = dds_name.split("::")
    if len(parts) != 4 or parts[2] != "dds_" or not parts[3].endswith("_"):
        return None
    return f"{parts[0]}/{parts[1]}/{parts[3][:-1]}"


def stamp(distro=DEFAULT_DISTRO, ns=None):
    """builtin_interfaces/Time for `ns` nanoseconds since the epoch (now by default)."""
    ns = time.time_ns() if ns is None else int(ns)
    sec, nanosec = divmod(ns, 1_000_000_000)
    return msg_class("builtin_interfaces/msg/Time", distro)(sec=sec, nanosec=nanosec)


def stamp_ns(msg):
    """Nanoseconds since the epoch of a message's header.stamp, or None if it has no header."""
    header = getattr(msg, "header", None)
    if header is None:
        return None
    return header.stamp.sec * 1_000_000_000 + header.stamp.nanosec


def header(frame_id="", distro=DEFAULT_DISTRO, ns=None):
    """A std_msgs/Header stamped now (or at `ns` nanoseconds since the epoch) with `frame_id`."""
    return msg_class("std_msgs/msg/Header", distro)(stamp=stamp(distro, ns), frame_id=frame_id)


def joint_state(names, positions, velocities=(), distro=DEFAULT_DISTRO, ns=None):
    """sensor_msgs/JointState with the given joint names and positions (float64)."""
    return msg_class("sensor_msgs/msg/JointState", distro)(
        header=header("", distro, ns),
        name=list(names),
        position=np.asarray(positions, dtype=np.float64),
        velocity=np.asarray(velocities, dtype=np.float64),
        effort=np.zeros(0, dtype=np.float64),
    )


def joint_trajectory(names, positions, distro=DEFAULT_DISTRO, ns=None):
    """trajectory_msgs/JointTrajectory with one point at time_from_start 0, as the leader sends."""
    duration = msg_class("builtin_interfaces/msg/Duration", distro)(sec=0, nanosec=0)
    empty = np.zeros(0, dtype=np.float64)
    point = msg_class("trajectory_msgs/msg/JointTrajectoryPoint", distro)(
        positions=np.asarray(positions, dtype=np.float64),
        velocities=empty,
        accelerations=empty,
        effort=empty,
        time_from_start=duration,
    )
    return msg_class("trajectory_msgs/msg/JointTrajectory", distro)(
        header=header("", distro, ns), joint_names=list(names), points=[point]
    )


def float64_multi_array(values, distro=DEFAULT_DISTRO):
    """std_msgs/Float64MultiArray with an empty layout and `values` (what forward_position_controller
    takes)."""
    layout = msg_class("std_msgs/msg/MultiArrayLayout", distro)(dim=[], data_offset=0)
    return msg_class("std_msgs/msg/Float64MultiArray", distro)(
        layout=layout, data=np.asarray(values, dtype=np.float64)
    )


def compressed_image(jpeg, frame_id="", distro=DEFAULT_DISTRO, ns=None):
    """sensor_msgs/CompressedImage carrying JPEG bytes."""
    data = np.frombuffer(jpeg, dtype=np.uint8) if isinstance(jpeg, (bytes, bytearray)) else jpeg
    return msg_class("sensor_msgs/msg/CompressedImage", distro)(
        header=header(frame_id, distro, ns), format="jpeg", data=data
    )


def string(text, distro=DEFAULT_DISTRO):
    """std_msgs/String."""
    return msg_class("std_msgs/msg/String", distro)(data=str(text))
