"""`imitate record --raw-bag`: every recorded episode's original messages as an MCAP rosbag2 folder.

The tap takes the sampler's messages as the sampler stores them (`ObservationSampler.tap`), so a
message is stamped before a frame exactly when that frame has it, however late a thread runs; it
subscribes itself only to the profile's other topics (commands, trigger). It listens to the recorder.
An episode gets `<dataset>/raw/episode_NNNNNN/` (`ros2 bag play` replays it): the newest message of
every topic from before its start, then everything until it is saved, plus a std_msgs/Header on
/imitate/frames at each frame the recorder took (frame_id: the task), so `imitate import-bag`
rebuilds that episode frame for frame. A discarded episode's bag is deleted. Writing runs on its own thread.
"""

import logging
import queue
import shutil
import threading
import time
from pathlib import Path

from rosbags.rosbag2 import StoragePlugin, Writer

from ..messages import msg_class, serialize, typestore
from .reader import FRAME_TICKS

log = logging.getLogger(__name__)
HEADER = "std_msgs/msg/Header"
EPOCH_OFFSET_NS = time.time_ns() - time.monotonic_ns()  # bag times are wall-clock, as ros2 bag writes them


class RawBagTap:
    """Subscribe with `RawBagTap(profile, transport, sampler, dataset_root)`, then
    `recorder.listen(tap.on_event)` and `recorder.listen_frames(tap.on_frame)`; `close()` at the end."""

    def __init__(self, profile, transport, sampler, dataset_root):
        self.profile, self.clock = profile, sampler.clock
        self.folder = Path(dataset_root) / "raw"
        self.types = dict(profile.topics())
        self._latest = {}  # topic -> (t_ns, msg): the pre-roll of the next episode
        self._lock = threading.Lock()
        self._open = self._saving = False
        self._queue = queue.Queue()
        self.errors = []
        self._thread = threading.Thread(target=self._write_loop, name="raw-bag", daemon=True)
        self._thread.start()
        sampler.tap(self._on_message)
        for topic, msgtype in self.types.items():
            if topic not in sampler.topics:
                qos = "sensor_data" if msgtype.endswith("CompressedImage") else "default"
                transport.subscribe(
                    topic, msgtype, lambda msg, t=topic: self._on_message(t, msg, self.clock()), qos=qos
                )

    def _on_message(self, topic, msg, arrival_s):
        stamp = self._ns(arrival_s)
        with self._lock:
            self._latest[topic] = (stamp, msg)
            if self._open:
                self._queue.put(("message", topic, stamp, msg))

    def _ns(self, t_s):
        return int(t_s * 1e9) + EPOCH_OFFSET_NS

    # recorder events ------------------------------------------------------------------------------
    def on_event(self, event):
        """Recorder listener: open a bag when an episode starts, keep or delete it when it ends."""
        phase = event["phase"]
        with self._lock:
            if phase == "recording" and not self._open:
                self._open, self._saving = True, False
                self._queue.put(("begin", dict(self._latest), event["task"], event["episode"]))
            elif phase == "saving":
                self._open, self._saving = False, True
            elif phase in ("reset", "finished", "error") and self._saving:
                self._saving = False
                self._queue.put(("saved", event["last_saved"]["index"]) if phase != "error" else ("discard",))
            elif phase in ("reset", "finished", "error") and self._open:  # retry, skip, nothing recorded
                self._open = False
                self._queue.put(("discard",))

    def on_frame(self, frame):
        """Recorder frame listener: write the frame's tick to /imitate/frames."""
        self._queue.put(("message", FRAME_TICKS, self._ns(frame.read_s), frame))

    def close(self):
        """Finish writing (a bag still open is discarded) and stop the writer thread."""
        self._queue.put(("close",))
        self._thread.join(timeout=30)

    # writer thread ------------------------------------------------------------------------------
    def _write_loop(self):
        writer, partial = None, None
        while True:
            item = self._queue.get()
            try:
                if item[0] == "begin":
                    # the file is named after the episode
                    partial = self.folder / ".partial" / f"episode_{item[3]:06d}"
                    writer, self._task = self._begin(partial, item[1]), item[2]
                elif item[0] == "message" and writer is not None:
                    self._write(writer, *item[1:])
                elif item[0] == "saved" and writer is not None:
                    writer.close()
                    writer = None
                    target = self.folder / f"episode_{item[1]:06d}"
                    shutil.rmtree(target, ignore_errors=True)
                    partial.rename(target)
                    partial.parent.rmdir()
                elif item[0] in ("discard", "close") and writer is not None:
                    writer.close()
                    writer = None
                    shutil.rmtree(partial, ignore_errors=True)
                if item[0] == "close":
                    return
            except Exception as err:  # the dataset matters more than its raw copy: log, keep recording
                log.exception("raw bag: %s", err)
                self.errors.append(str(err))
                writer = None

    def _begin(self, partial, latest):
        shutil.rmtree(partial, ignore_errors=True)
        partial.parent.mkdir(parents=True, exist_ok=True)
        writer = Writer(partial, version=9, storage_plugin=StoragePlugin.MCAP)
        writer.open()
        ts = typestore(self.profile.ros_distro)
        self._connections = {t: writer.add_connection(t, k, typestore=ts) for t, k in self.types.items()}
        self._connections[FRAME_TICKS] = writer.add_connection(FRAME_TICKS, HEADER, typestore=ts)
        for topic, (stamp, msg) in sorted(latest.items(), key=lambda kv: kv[1][0]):
            self._write(writer, topic, stamp, msg)
        return writer

    def _write(self, writer, topic, stamp, msg):
        if topic == FRAME_TICKS:  # msg is the recorder's Frame: write its tick and task
            header = msg_class(HEADER, self.profile.ros_distro)
            time_msg = msg_class("builtin_interfaces/msg/Time", self.profile.ros_distro)
            msg = header(stamp=time_msg(sec=stamp // 10**9, nanosec=stamp % 10**9), frame_id=self._task)
            data = serialize(msg, HEADER, self.profile.ros_distro)
        else:
            data = serialize(msg, self.types[topic], self.profile.ros_distro)
        writer.write(self._connections[topic], stamp, data)
