"""Cyclone DDS transport, wire-compatible with ROS 2 nodes on rmw_cyclonedds and rmw_fastrtps.

ROS 2 conventions (shared reference ros2-wire-dds.md): DDS topic `rt/<name>`, type
`pkg::msg::dds_::Name_`, plain CDR (XCDR1 only), keyless, Jazzy's `typehash=RIHS01_...;` in
USER_DATA, domain from ROS_DOMAIN_ID. Samples are written and taken as raw CDR made by rosbags
(cyclonedds' own serializer is 40x slower for images); that uses two functions of cyclonedds'
C layer, which is why the `dds` extra pins cyclonedds to one version.
"""
import logging
import threading

from cyclonedds._clayer import ddspy_take, ddspy_write  # internal API: the dds extra pins the version
from cyclonedds.builtin import BuiltinDataReader, BuiltinTopicDcpsPublication
from cyclonedds.core import (
    GuardCondition,
    InstanceState,
    Policy,
    Qos,
    ReadCondition,
    SampleState,
    ViewState,
    WaitSet,
)
from cyclonedds.domain import DomainParticipant
from cyclonedds.pub import DataWriter
from cyclonedds.sub import DataReader
from cyclonedds.topic import Topic
from cyclonedds.util import duration

from ..messages import ros_type_name, type_hash
from . import dds_config
from .base import Subscription, Transport
from .dds_types import idl_class
from .ros_environment import RosEnvironment

log = logging.getLogger(__name__)
ANY_SAMPLE = SampleState.Any | ViewState.Any | InstanceState.Any


def ros_qos(qos, msgtype, distro):
    """Cyclone QoS as the RMWs set it: reliability, keep-last depth, XCDR1, type hash."""
    policies = [
        Policy.Reliability.Reliable(max_blocking_time=duration(milliseconds=100)) if qos.reliable
        else Policy.Reliability.BestEffort,
        Policy.History.KeepLast(qos.depth),
        Policy.Durability.Volatile,
        Policy.WriterDataLifecycle(autodispose=False),
        Policy.DataRepresentation(use_cdrv0_representation=True),  # XCDR1 only, like the RMWs
    ]
    digest = type_hash(msgtype, distro)
    if digest:
        policies.append(Policy.Userdata(data=f"typehash={digest};".encode()))
    return Qos(*policies)


class DdsTransport(Transport):
    """ROS 2 topics over Cyclone DDS; callbacks run on this transport's receive thread."""

    name = "dds"

    def __init__(self, distro="jazzy", ros=None):
        super().__init__(distro)
        self.ros = ros = ros or RosEnvironment()
        self.domain_id = ros.domain_id
        dds_config.configure(ros)  # before the first participant: Cyclone reads CYCLONEDDS_URI then
        self._participant = DomainParticipant(self.domain_id)
        self._topics = {}  # ROS topic name -> cyclonedds Topic
        self._readers = {}  # Subscription -> DataReader
        self._waitset = WaitSet(self._participant)
        self._wake = GuardCondition(self._participant)
        self._waitset.attach(self._wake)
        self._discovery = BuiltinDataReader(self._participant, BuiltinTopicDcpsPublication)
        self._discovered = {}  # writer key -> (topic, msgtype)
        self._closed = False
        self._thread = threading.Thread(target=self._receive, name="dds-transport", daemon=True)
        self._thread.start()

    def _topic(self, topic, msgtype):
        with self._lock:
            found = self._topics.get(topic)
            if found is None:
                found = self._topics[topic] = Topic(
                    self._participant, "rt" + topic, idl_class(msgtype, self.distro)
                )
        if found.data_type.__idl_typename__ != idl_class(msgtype, self.distro).__idl_typename__:
            raise TypeError(
                f"topic {topic} is used as {found.data_type.__idl_typename__} here, not {msgtype}"
            )
        return found

    def subscribe(self, topic, msgtype, callback, qos="default"):
        """Call `callback(msg)` for each message on `topic`; QoS by profile name."""
        sub = Subscription(topic, msgtype, callback, qos, self.distro)
        reader = DataReader(
            self._participant, self._topic(topic, msgtype), qos=ros_qos(sub.qos, msgtype, self.distro)
        )
        condition = ReadCondition(reader, ANY_SAMPLE)
        with self._lock:
            self._readers[sub] = (reader, condition)
            self.subscriptions.append(sub)
        self._waitset.attach(condition)
        self._wake.set(True)  # let the receive thread see the new reader
        return sub

    def _make_writer(self, topic, msgtype, qos):
        return DataWriter(
            self._participant, self._topic(topic, msgtype), qos=ros_qos(qos, msgtype, self.distro)
        )

    def _write(self, writer, raw):
        padded = raw.ljust((len(raw) + 3) & ~3, b"\0")  # Cyclone and the RMWs pad samples to 4 bytes
        ret = ddspy_write(writer._ref, padded)
        if ret < 0:
            raise OSError(f"DDS write failed with code {ret}")

    def _receive(self):
        while not self._closed:
            self._waitset.wait(duration(milliseconds=200))
            self._wake.set(False)
            with self._lock:
                readers = list(self._readers.items())
            for sub, (reader, _) in readers:
                self._take_all(sub, reader)

    def _take_all(self, sub, reader):
        while not self._closed:
            samples = ddspy_take(reader._ref, ANY_SAMPLE, 64)
            if isinstance(samples, int) or not samples:
                return
            for data, info in samples:
                if info.valid_data:
                    sub.deliver(data)

    def topic_types(self):
        """{topic: type} of every topic seen on the DDS domain."""
        for sample in self._discovery.take(N=256):
            key = str(sample.key)
            if sample.sample_info.instance_state != InstanceState.Alive:
                self._discovered.pop(key, None)
                continue
            msgtype = ros_type_name(sample.type_name)
            if sample.topic_name.startswith("rt/") and msgtype:
                self._discovered[key] = (sample.topic_name[2:], msgtype)
        return {topic: msgtype for topic, msgtype in self._discovered.values()}

    def close(self):
        """Delete the DDS participant and its readers and writers."""
        if self._closed:
            return
        self._closed = True
        self._wake.set(True)
        if threading.current_thread() is not self._thread:
            self._thread.join(timeout=2.0)
        with self._lock:  # dropping the last references deletes the DDS entities
            self._readers.clear()
            self._publishers.clear()
            self._topics.clear()
        self._waitset = self._wake = self._discovery = self._participant = None
