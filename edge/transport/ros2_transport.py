"""rclpy transport: imitate as a ROS 2 node beside the robot's own (on the robot, in its container).

A thin adapter. Messages cross as serialized CDR both ways (rclpy's `raw=True` subscriptions and
publishing bytes), so the conversion between rosbags dataclasses and rclpy messages is the same
rosbags serializer every other transport uses: one conversion, no per-field copying.

Callbacks run on one single-threaded executor. imitate's callbacks only decode CDR and store the
bytes (images are decoded later, off this thread), and rclpy's multi-threaded executor cannot keep
up with a robot: against a real rclpy publisher (JointState 200 Hz, JointTrajectory 100 Hz, a JPEG
30 Hz) it delivered 376 of 1,000 JointStates in 5 s; the single-threaded one delivered all of them
(tests/edge/test_rclpy_interop.py). rclpy comes with ROS 2, or as ROS 2 Kilted's wheels from PyPI
on x86_64 (`pip install 'imitate[ros2]'`); its tests are marked `ros2`.
"""
import importlib
import threading

from .base import Subscription, Transport

_open = [0]  # Ros2Transports alive in this process: the last one to close shuts rclpy's context down
_open_lock = threading.Lock()


def rclpy_qos(qos):
    """rclpy QoSProfile equal to a named imitate Qos."""
    from rclpy.qos import HistoryPolicy, QoSProfile, ReliabilityPolicy
    return QoSProfile(
        depth=qos.depth,
        history=HistoryPolicy.KEEP_LAST,
        reliability=ReliabilityPolicy.RELIABLE if qos.reliable else ReliabilityPolicy.BEST_EFFORT,
    )


def rclpy_type(msgtype):
    """The rclpy message class for `pkg/msg/Name` (its type support carries the wire format)."""
    pkg, kind, name = msgtype.split("/")
    return getattr(importlib.import_module(f"{pkg}.{kind}"), name)


class Ros2Transport(Transport):
    """Topics through rclpy; one node, one executor thread."""

    name = "ros2"

    def __init__(self, distro="jazzy", node_name="imitate"):
        import rclpy
        import rclpy.signals
        from rclpy.executors import SingleThreadedExecutor

        super().__init__(distro)
        with _open_lock:
            if not rclpy.ok():  # imitate's commands handle SIGINT/SIGTERM themselves, not rclpy
                rclpy.init(signal_handler_options=rclpy.signals.SignalHandlerOptions.NO)
            _open[0] += 1
        self._node = rclpy.create_node(node_name)
        self._executor = SingleThreadedExecutor()
        self._executor.add_node(self._node)
        self._thread = threading.Thread(target=self._executor.spin, name="ros2-transport", daemon=True)
        self._thread.start()
        self._handles = []

    def subscribe(self, topic, msgtype, callback, qos="default"):
        """An rclpy subscription delivering rosbags messages to `callback`."""
        sub = Subscription(topic, msgtype, callback, qos, self.distro)
        self._handles.append(
            self._node.create_subscription(
                rclpy_type(msgtype), topic, sub.deliver, rclpy_qos(sub.qos), raw=True
            )
        )
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
        """Stop the executor thread, destroy the node, and shut rclpy down after the last transport.

        The thread must have left rclpy before the interpreter exits, or its C++ side aborts the
        process ("terminate called without an active exception").
        """
        import rclpy

        if self._node is None:
            return
        self._executor.shutdown(timeout_sec=1.0)
        self._thread.join(timeout=2.0)
        self._node.destroy_node()
        self._node = None
        with _open_lock:
            _open[0] -= 1
            if _open[0] == 0:
                rclpy.try_shutdown()
