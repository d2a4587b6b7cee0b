"""Cyclone DDS topic types generated from rosbags' message definitions.

Cyclone needs a Python IDL class to register a topic (it advertises the type's name and shape).
We never let Cyclone (de)serialize: samples go through as raw CDR made by rosbags. So the classes
only have to describe the type exactly, with the RMW's names (`pkg::msg::dds_::Name_`).
"""
import dataclasses
import types as pytypes
from functools import cache

import cyclonedds.idl.types as t
from cyclonedds.idl import IdlStruct

from ..messages import dds_type_name, typestore

_BASE = {
    "bool": bool, "byte": t.uint8, "char": t.uint8, "octet": t.uint8,
    "int8": t.int8, "uint8": t.uint8, "int16": t.int16, "uint16": t.uint16,
    "int32": t.int32, "uint32": t.uint32, "int64": t.int64, "uint64": t.uint64,
    "float32": t.float32, "float64": t.float64,
}


@cache
def idl_class(msgtype, distro):
    """The IdlStruct class for `pkg/msg/Name` in `distro`."""
    _, fields = typestore(distro).fielddefs[msgtype]
    annotations = {name: _field_type(spec, distro) for name, spec in fields}
    cls = pytypes.new_class(msgtype.split("/")[-1], (IdlStruct,), {"typename": dds_type_name(msgtype)},
                            lambda ns: ns.update(__annotations__=annotations))
    return dataclasses.dataclass(cls)


def _field_type(spec, distro):
    kind, detail = spec
    kind = getattr(kind, "name", kind)
    if kind == "BASE":
        name, bound = detail
        if name == "string":
            return t.bounded_str[bound] if bound else str
        return _BASE[name]
    if kind == "NAME":
        return idl_class(detail, distro)
    if kind == "ARRAY":
        sub, length = detail
        return t.array[_field_type(sub, distro), length]
    if kind == "SEQUENCE":
        sub, bound = detail
        inner = _field_type(sub, distro)
        return t.sequence[inner, bound] if bound else t.sequence[inner]
    raise ValueError(f"unsupported field kind {kind} in a ROS 2 message definition")
