"""Live rate and age of ROS 2 topics, like `ros2 topic list` + `ros2 topic hz` in one table.

Used by `imitate topics` and by the control page's status bar.
"""
import collections
import threading
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class TopicStats:
    """What one topic did over the last window."""

    topic: str
    msgtype: str
    rate_hz: float  # messages per second over the window (0 when fewer than two arrived)
    age_s: float  # seconds since the last message arrived (inf when none has)
    count: int  # messages received since watching began


class TopicMonitor:
    """Counts arrivals per topic on a transport; discovers topics as they appear."""

    def __init__(self, transport, window_s=2.0):
        self.transport = transport
        self.window_s = window_s  # rate is measured over this many seconds
        self._lock = threading.Lock()
        self._arrivals = {}  # topic -> deque of monotonic arrival times within the window
        self._types = {}  # topic -> msgtype
        self._counts = collections.Counter()

    def watch(self, topic, msgtype):
        """Start counting `topic` (best effort, so it matches reliable and best-effort publishers)."""
        with self._lock:
            if topic in self._types:
                return
            self._types[topic] = msgtype
            self._arrivals[topic] = collections.deque()
        self.transport.subscribe(topic, msgtype, lambda _msg, t=topic: self._arrived(t), qos="sensor_data")

    def discover(self):
        """Watch every topic the transport has seen that is not watched yet; returns their count."""
        found = self.transport.topic_types()
        for topic, msgtype in found.items():
            self.watch(topic, msgtype)
        return len(found)

    def _arrived(self, topic):
        now = time.monotonic()
        with self._lock:
            self._arrivals[topic].append(now)
            self._counts[topic] += 1

    def snapshot(self):
        """TopicStats for every watched topic, sorted by name."""
        now = time.monotonic()
        out = []
        with self._lock:
            for topic, times in sorted(self._arrivals.items()):
                while times and times[0] < now - self.window_s:
                    times.popleft()
                rate = (
                    (len(times) - 1) / (times[-1] - times[0])
                    if len(times) > 1 and times[-1] > times[0]
                    else 0.0
                )
                age = now - times[-1] if times else float("inf")
                out.append(TopicStats(topic, self._types[topic], rate, age, self._counts[topic]))
        return out


def format_table(stats):
    """The stats as an aligned text table."""
    if not stats:
        return "no topics seen yet"
    width = max(len(s.topic) for s in stats)
    twidth = max(len(s.msgtype) for s in stats)
    lines = [f"{'topic':<{width}}  {'type':<{twidth}}  {'rate Hz':>8}  {'age s':>7}  {'count':>7}"]
    for s in stats:
        age = f"{s.age_s:7.3f}" if s.age_s != float("inf") else "      -"
        lines.append(f"{s.topic:<{width}}  {s.msgtype:<{twidth}}  {s.rate_hz:8.1f}  {age}  {s.count:7d}")
    return "\n".join(lines)
