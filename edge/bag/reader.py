"""Reading a rosbag2 recording: which topics it has, and its messages in time order.

A bag cut short (a recording killed midway) is read up to the break: `truncated` says where and why.
"""
from pathlib import Path

from rosbags.rosbag2 import Reader
from rosbags.rosbag2.errors import ReaderError

from ..messages import deserialize_tolerant, typestore
from .mcap_scan import scan_mcap

FRAME_TICKS = "/imitate/frames"  # std_msgs/Header per recorded frame, in bags from `record --raw-bag`


class BagError(ValueError):
    """A bag that cannot be imported as it is; the message says what is wrong and what to do."""


class BagReader:
    """`with BagReader(path) as bag:` topics, duration, messages(topics) -> (t_ns, topic, msg)."""

    def __init__(self, path, distro="jazzy"):
        self.path = Path(path)
        self.store = typestore(distro)
        self.truncated = ""  # why the messages stopped early, "" when the bag was read to its end
        self.trailing = {}  # topic -> [messages with bytes after their CDR payload, most such bytes]
        if not self.path.exists():
            raise BagError(
                f"{self.path} does not exist: give a rosbag2 folder (metadata.yaml + .mcap or .db3)"
            )
        if self.path.is_dir() and not (self.path / "metadata.yaml").exists():
            raise BagError(
                f"{self.path} has no metadata.yaml: the recording was stopped before it was closed. "
                f"Run `ros2 bag reindex {self.path}` on a machine with ROS 2, then import again"
            )
        self._reader, self._scan = Reader(self.path), None
        try:
            self._reader.open()
        except ReaderError as err:
            self._reader, self._scan = None, self._recover(err)

    def _recover(self, err):
        """An MCAP file without its footer: read what was written (mcap_scan), say it is truncated."""
        files = sorted(self.path.glob("*.mcap")) if self.path.is_dir() else [self.path]
        if not files or files[0].suffix != ".mcap":
            raise BagError(f"{self.path} cannot be read as a rosbag2 recording ({err})")

        channels, messages, why = scan_mcap(files[-1])
        if not messages:
            raise BagError(f"{self.path} cannot be read ({err}) and no message could be recovered ({why})")
        self.truncated = (
            f"{files[-1].name} has no footer ({err}); {len(messages)} messages recovered "
            f"({(messages[-1][0] - messages[0][0]) / 1e9:.2f} s of recording), then {why or 'the file ends'}"
        )
        return channels, messages

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self._reader:
            self._reader.close()

    @property
    def topics(self):
        """{topic: message type} of every topic in the bag."""
        if self._scan:
            return {topic: msgtype for topic, msgtype in self._scan[0].values()}
        return {c.topic: c.msgtype for c in self._reader.connections}

    def _deserialize(self, raw, topic, msgtype):
        msg, extra = deserialize_tolerant(self.store, raw, msgtype)
        if extra:
            seen = self.trailing.setdefault(topic, [0, 0])
            seen[0], seen[1] = seen[0] + 1, max(seen[1], extra)
        return msg

    def trailing_note(self):
        """One line naming the topics whose messages carried trailing bytes ("" when none did)."""
        return "; ".join(
            f"{n} messages on {t} carry up to {b} bytes after their CDR payload (ignored, as ROS 2 "
            f"middleware does)"
            for t, (n, b) in sorted(self.trailing.items())
        )

    def messages(self, topics):
        """(t_ns, topic, message) of the given topics in receive-time order, up to a break if any."""
        if self._scan:
            channels, messages = self._scan
            for t_ns, cid, raw in messages:
                topic, msgtype = channels[cid]
                if topic in topics:
                    try:
                        msg = self._deserialize(raw, topic, msgtype)
                    except Exception as err:
                        self.truncated += f"; a {topic} message is damaged ({err}): stopped there"
                        return
                    yield t_ns, topic, msg
            return
        connections = [c for c in self._reader.connections if c.topic in topics]
        try:
            for connection, t_ns, raw in self._reader.messages(connections=connections):
                try:
                    msg = self._deserialize(raw, connection.topic, connection.msgtype)
                except Exception as err:  # a message cut in two by a crash: stop here
                    self.truncated = f"a {connection.topic} message at {t_ns / 1e9:.3f} s is damaged ({err})"
                    return
                yield t_ns, connection.topic, msg
        except Exception as err:  # rosbags' MCAP / SQLite errors on a file that ends early
            self.truncated = f"the bag ends early ({type(err).__name__}: {err})"
