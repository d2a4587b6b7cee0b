"""Zenoh transport: ROS 2 topics as rmw_zenoh carries them (2026 AI Worker images), no ROS install.

Samples are the CDR bytes rosbags makes, on rmw_zenoh's key expressions, each with its attachment
(sequence number, source timestamp, publisher gid). Every publisher and subscription declares its
liveliness token, so `ros2 topic list` on the robot shows imitate, and `topic_types()` reads the
robot's graph from theirs (zenoh_graph.py). A subscription keeps the last `depth` samples, as
rmw_zenoh does on the receiving side, and its own thread hands them to the callback. The session
is an rmw_zenoh node's (zenoh_config.py): peer mode, connected to the router on tcp/localhost:7447.
"""
import itertools
import logging
import os
import struct
import threading
import time

import zenoh

from ..messages import dds_type_name, ros_type_name, type_hash
from . import zenoh_config
from . import zenoh_graph as graph
from .base import Subscription, Transport
from .ros_environment import RosEnvironment

log = logging.getLogger(__name__)
ATTACHMENT = struct.Struct("<qqB16s")  # sequence number, source timestamp (ns), gid length, gid


class ZenohWriter:
    """One publisher: its Zenoh publisher, liveliness token, gid and sequence numbers."""

    def __init__(self, publisher, token, gid):
        self.publisher, self.token, self.gid = publisher, token, gid
        self.sequence = itertools.count(1)


class ZenohTransport(Transport):
    """ROS 2 topics over Zenoh, as one rmw_zenoh node named `node_name`."""

    name = "zenoh"

    def __init__(self, distro="jazzy", ros=None, node_name="imitate"):
        super().__init__(distro)
        self.ros = ros = ros or RosEnvironment()
        self.domain_id = ros.domain_id
        self.node_name = node_name
        self._session = zenoh.open(zenoh_config.session_config(ros))
        self.zid = str(self._session.info.zid())
        self._entity_ids = itertools.count(1)
        self._tokens = [self._session.liveliness().declare_token(
            graph.node_token(self.domain_id, self.zid, 0, node_name))]
        self._graph = {}  # liveliness key -> Endpoint, kept by a liveliness subscriber
        self._graph_lock = threading.Lock()
        self._graph_sub = self._session.liveliness().declare_subscriber(
            f"{graph.ADMIN}/{self.domain_id}/**", self._on_graph, history=True)
        self._receivers = []  # (zenoh subscriber, thread)
        self._closed = False

    def _on_graph(self, sample):
        key = str(sample.key_expr)
        endpoint = graph.parse_endpoint(key)
        if endpoint is None:
            return
        with self._graph_lock:
            if sample.kind == zenoh.SampleKind.DELETE:
                self._graph.pop(key, None)
            else:
                self._graph[key] = endpoint

    def _token(self, kind, topic, msgtype, qos):
        key = graph.endpoint_token(
            self.domain_id,
            self.zid,
            0,
            next(self._entity_ids),
            kind,
            self.node_name,
            topic,
            dds_type_name(msgtype),
            type_hash(msgtype, self.distro),
            graph.qos_token(qos),
        )
        return self._session.liveliness().declare_token(key)

    def subscribe(self, topic, msgtype, callback, qos="default"):
        """Call `callback(msg)` for each message on `topic`, the last `depth` kept while it runs."""
        sub = Subscription(topic, msgtype, callback, qos, self.distro)
        key = graph.topic_key(
            self.domain_id, topic, dds_type_name(msgtype), "*"
        )  # any hash: Humble sends none
        receiver = self._session.declare_subscriber(key, zenoh.handlers.RingChannel(sub.qos.depth))
        token = self._token(graph.SUBSCRIPTION, topic, msgtype, sub.qos)
        thread = threading.Thread(
            target=self._receive, args=(sub, receiver), daemon=True, name=f"zenoh-{topic}"
        )
        with self._lock:
            self.subscriptions.append(sub)
            self._receivers.append((receiver, thread))
            self._tokens.append(token)
        thread.start()
        return sub

    def _receive(self, sub, receiver):
        while not self._closed:
            try:
                sample = receiver.recv()
            except Exception:  # the subscriber was undeclared: the transport is closing
                return
            sub.deliver(sample.payload.to_bytes())

    def _make_writer(self, topic, msgtype, qos):
        congestion = zenoh.CongestionControl.BLOCK if qos.reliable else zenoh.CongestionControl.DROP
        key = graph.topic_key(self.domain_id, topic, dds_type_name(msgtype), type_hash(msgtype, self.distro))
        publisher = self._session.declare_publisher(key, congestion_control=congestion)
        return ZenohWriter(publisher, self._token(graph.PUBLISHER, topic, msgtype, qos), os.urandom(16))

    def _write(self, writer, raw):
        attachment = ATTACHMENT.pack(next(writer.sequence), time.time_ns(), 16, writer.gid)
        writer.publisher.put(raw, attachment=attachment)

    def topic_types(self):
        """{topic: type} of every publisher and subscription in the ROS 2 graph on this domain."""
        with self._graph_lock:
            endpoints = list(self._graph.values())
        return {e.topic: ros_type_name(e.dds_type) for e in endpoints if ros_type_name(e.dds_type)}

    def endpoints(self):
        """Every publisher and subscription of the graph (zenoh_graph.Endpoint), this node's included."""
        with self._graph_lock:
            return list(self._graph.values())

    def close(self):
        """Close the session (its tokens leave the graph, its subscribers stop); the threads end."""
        if self._closed:
            return
        self._closed = True
        with self._lock:
            receivers, self._receivers = self._receivers, []
            self._publishers.clear()
        self._session.close()  # undeclares everything, and wakes receivers blocked in recv()
        for _, thread in receivers:
            if thread is not threading.current_thread():
                thread.join(timeout=2.0)
