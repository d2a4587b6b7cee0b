"""An in-process bus with ROS 2 topic semantics: CDR bytes, keep-last queues, drops counted.

The simulated robot and everything that talks to it in one process share a SimBus. Messages are
serialized on publish, as on the wire, so a subscriber never shares an object with the publisher.
"""
import collections
import threading

from .base import Subscription, Transport


class SimBus:
    """Topics of one process: who subscribes to what, and each topic's message type."""

    _default = None

    def __init__(self):
        self._lock = threading.Lock()
        self._routes = collections.defaultdict(list)  # topic -> [(transport, subscription)]
        self.types = {}  # topic -> msgtype, from the first publisher or subscriber

    @classmethod
    def default(cls):
        """The process-wide bus used when none is given."""
        if cls._default is None:
            cls._default = cls()
        return cls._default

    def claim(self, topic, msgtype):
        """Record the topic's type; TypeError if it is already used with another type."""
        with self._lock:
            known = self.types.setdefault(topic, msgtype)
        if known != msgtype:
            raise TypeError(f"topic {topic} carries {known}, not {msgtype}")

    def attach(self, transport, sub):
        """Add a transport to the bus."""
        with self._lock:
            self._routes[sub.topic].append((transport, sub))

    def detach(self, transport):
        """Remove a transport from the bus."""
        with self._lock:
            for topic in self._routes:
                self._routes[topic] = [r for r in self._routes[topic] if r[0] is not transport]

    def send(self, topic, raw):
        """Deliver CDR bytes to every subscriber of `topic` on the bus."""
        with self._lock:
            routes = list(self._routes.get(topic, ()))
        for transport, sub in routes:
            transport._enqueue(sub, raw)


class SimTransport(Transport):
    """Transport over a SimBus; callbacks run on this transport's own dispatch thread."""

    name = "sim"

    def __init__(self, bus=None, distro="jazzy"):
        super().__init__(distro)
        self.bus = bus or SimBus.default()
        self._queues = {}  # Subscription -> deque of CDR bytes (bounded by the QoS depth)
        self._ready = threading.Condition()
        self._closed = False
        self._thread = threading.Thread(target=self._dispatch, name="sim-transport", daemon=True)
        self._thread.start()

    def subscribe(self, topic, msgtype, callback, qos="default"):
        """Call `callback(msg)` for each message on `topic` published on the bus."""
        self.bus.claim(topic, msgtype)
        sub = Subscription(topic, msgtype, callback, qos, self.distro)
        with self._ready:
            self._queues[sub] = collections.deque()
        self.subscriptions.append(sub)
        self.bus.attach(self, sub)
        return sub

    def _make_writer(self, topic, msgtype, qos):
        self.bus.claim(topic, msgtype)
        return topic

    def _write(self, writer, raw):
        self.bus.send(writer, raw)

    def _enqueue(self, sub, raw):
        with self._ready:
            queue = self._queues.get(sub)
            if queue is None or self._closed:
                return
            if len(queue) >= sub.qos.depth:  # keep-last: the oldest message makes room
                queue.popleft()
                sub.dropped += 1
            queue.append(raw)
            self._ready.notify()

    def _dispatch(self):
        while True:
            with self._ready:
                batch = [(s, q.popleft()) for s, q in self._queues.items() if q]
                while not batch and not self._closed:
                    self._ready.wait()
                    batch = [(s, q.popleft()) for s, q in self._queues.items() if q]
                if self._closed:
                    return
            for sub, raw in batch:  # one message per subscription per round: fair under load
                sub.deliver(raw)

    def topic_types(self):
        """{topic: type} of every topic on the bus."""
        return dict(self.bus.types)

    def close(self):
        """Leave the bus."""
        with self._ready:
            if self._closed:
                return
            self._closed = True
            self._ready.notify_all()
        self.bus.detach(self)
        if threading.current_thread() is not self._thread:
            self._thread.join(timeout=2.0)
