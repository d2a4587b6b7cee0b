"""rclpy transport: imitate as a ROS 2 node beside the robot's own (on the robot, in its container).

A thin adapter. Messages cross as serialized CDR both ways (rclpy's `raw=True` subscriptions and
publishing bytes), so the conversion between rosbags dataclasses and rclpy messages is the same
rosbags serializer every other transport uses: one conversion, no per-field copying. Callbacks run
in a reentrant callback group on a multi-threaded executor, so a slow camera callback cannot delay
joint states. Needs a ROS 2 install (rclpy is not on PyPI): its tests are marked `ros2`.
"""
import importlib
import threading

from .base import Subscription, Transport


def rclpy_qos(qos):
    """rclpy QoSProfile equal to a named imitate Qos."""
    from rclpy.qos import HistoryPolicy, QoSProfile, ReliabilityPolicy
    return QoSProfile(depth=qos.depth, history=HistoryPolicy.KEEP_LAST,
                      reliability=ReliabilityPolicy.RELIABLE if qos.reliable else ReliabilityPolicy.BEST_EFFORT)


def rclpy_type(msgtype):
    """The rclpy message class for `pkg/msg/Name` (its type support carries the wire format)."""
    pkg, kind, name = msgtype.split("/")
    return getattr(importlib.import_module(f"{pkg}.{kind}"), name)


class Ros2Transport(Transport):
    """Topics through rclpy; one node, one executor thread pool."""

    name = "ros2"

    def __init__(self, distro="jazzy", node_name="imitate"):
        import rclpy
        from rclpy.callback_groups import ReentrantCallbackGroup
        from rclpy.executors import MultiThreadedExecutor
        super().__init__(distro)
        if not rclpy.ok():
            rclpy.init()
        self._node = rclpy.create_node(node_name)
        self._group = ReentrantCallbackGroup()
        self._executor = MultiThreadedExecutor(num_threads=4)
        self._executor.add_node(self._node)
        self._thread = threading.Thread(target=self._executor.spin, name="ros2-transport", daemon=True)
        self._thread.start()
        self._handles = []

    def subscribe(self, topic, msgtype, callback, qos="default"):
        """An rclpy subscription delivering rosbags messages to `callback`."""
        sub = Subscription(topic, msgtype, callback, qos, self.distro)
        self._handles.append(self._node.create_subscription(
            rclpy_type(msgtype), topic, sub.deliver, rclpy_qos(sub.qos), callback_group=self._group, raw=True))
        self.subscriptions.append(sub)
        return sub

    def _make_writer(self, topic, msgtype, qos):
        return self._node.create_publisher(rclpy_type(msgtype), topic, rclpy_qos(qos))

    def _write(self, writer, raw):
        writer.publish(raw)  # rclpy publishes bytes as an already-serialized message

    def topic_types(self):
        """{topic: type} from the ROS 2 graph."""
        return {name: types[0] for name, types in self._node.get_topic_names_and_types()}

    def close(self):
        """Destroy the node and shut rclpy down."""
        if self._node is None:
            return
        self._executor.shutdown(timeout_sec=1.0)
        self._node.destroy_node()
        self._node = None
