"""The transport interface: subscribe, publish, close, over named QoS profiles.

Every transport moves CDR bytes (the ROS 2 wire format) and turns them into rosbags messages in one
place, Subscription.deliver, so counting malformed input and callback errors is the same everywhere.
"""
import logging
import threading
from abc import ABC, abstractmethod
from dataclasses import dataclass

from ..messages import DEFAULT_DISTRO, MessageError, deserialize, prepare, serialize

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Qos:
    """How a topic is delivered; the two profiles ROS 2 nodes use for robot data."""

    reliable: bool  # reliable retransmits; best effort drops under load
    depth: int  # keep-last queue length, messages


QOS = {
    "sensor_data": Qos(reliable=False, depth=5),  # rmw_qos_profile_sensor_data: cameras
    "default": Qos(reliable=True, depth=10),  # rmw_qos_profile_default: joint states, commands
}


def qos_profile(name):
    """The Qos called `name`; ValueError listing the names otherwise."""
    if isinstance(name, Qos):
        return name
    if name not in QOS:
        raise ValueError(f"unknown QoS profile {name!r}: expected one of {', '.join(QOS)}")
    return QOS[name]


class Subscription:
    """One subscription's callback and counters; a bad message never kills it."""

    def __init__(self, topic, msgtype, callback, qos, distro):
        self.topic = topic
        self.msgtype = msgtype
        self.qos = qos_profile(qos)
        self.callback = callback
        self.distro = distro
        prepare(msgtype, distro)  # the decoder is generated now, not while the first message waits
        self.received = 0  # messages handed to the callback
        self.malformed = 0  # byte strings that did not decode as msgtype
        self.dropped = 0  # messages pushed out of a full queue (where the transport can tell)
        self.callback_errors = 0  # exceptions raised by the callback
        self.closed = False

    def deliver(self, raw):
        """Decode CDR bytes and call the callback; count and log what goes wrong."""
        try:
            msg = deserialize(raw, self.msgtype, self.distro)
        except MessageError as err:
            self.malformed += 1
            if self.malformed == 1 or self.malformed % 100 == 0:
                log.warning("%s: %d malformed messages so far, dropped: %s", self.topic, self.malformed, err)
            return
        self.received += 1
        try:
            self.callback(msg)
        except Exception:  # a subscriber's bug must not stop the transport's thread
            self.callback_errors += 1
            if self.callback_errors == 1 or self.callback_errors % 100 == 0:
                log.exception("%s: callback failed (%d times so far)", self.topic, self.callback_errors)

    def counters(self):
        """Messages received, malformed and failed in the callback."""
        return {"received": self.received, "malformed": self.malformed, "dropped": self.dropped,
                "callback_errors": self.callback_errors}


class Transport(ABC):
    """Publish and subscribe ROS 2 messages (rosbags dataclasses) on named topics."""

    name = "base"
    ros = None  # the RosEnvironment it was made with (dds, zenoh); a control process makes its own from it

    def __init__(self, distro=DEFAULT_DISTRO):
        self.distro = distro
        self._lock = threading.RLock()  # writers are made under it, and may take it again
        self._publishers = {}  # topic -> (msgtype, transport-specific writer)
        self.subscriptions = []

    @abstractmethod
    def subscribe(self, topic, msgtype, callback, qos="default"):
        """Call `callback(msg)` for every `msgtype` message on `topic`; returns the Subscription."""

    def advertise(self, topic, msgtype, qos="default"):
        """Create `topic`'s publisher now, so peers discover it before the first message matters.

        publish() advertises on first use; a reliable subscriber that has not yet matched a new
        publisher misses its first messages, so long-lived publishers should advertise at start.
        """
        with self._lock:
            entry = self._publishers.get(topic)
            if entry is None:
                prepare(msgtype, self.distro)  # the encoder too: the first publish is not 10 ms late
                entry = self._publishers[topic] = (
                    msgtype,
                    self._make_writer(topic, msgtype, qos_profile(qos)),
                )
        if entry[0] != msgtype:
            raise TypeError(f"topic {topic} is published as {entry[0]} here, not {msgtype}")
        return entry[1]

    def publish(self, topic, msgtype, msg, qos="default"):
        """Send `msg` (a `msgtype` message) on `topic`; TypeError if it is another type."""
        self._write(self.advertise(topic, msgtype, qos), serialize(msg, msgtype, self.distro))

    def publish_raw(self, topic, msgtype, raw, qos="default"):
        """Send bytes already in CDR (a recorded message, or a test's malformed input) unchecked."""
        self._write(self.advertise(topic, msgtype, qos), bytes(raw))

    @abstractmethod
    def _make_writer(self, topic, msgtype, qos):
        """A transport-specific writer for one topic."""

    @abstractmethod
    def _write(self, writer, raw):
        """Send CDR bytes through a writer from _make_writer."""

    def topic_types(self):
        """Topics seen on this transport (published by anyone), mapped to their message type."""
        return {}

    @abstractmethod
    def close(self):
        """Stop delivering, release everything; safe to call twice."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
