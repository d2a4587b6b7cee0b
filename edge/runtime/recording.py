"""A recording session inside the long-running service: the page's Record tab, SIGTERM-safe.

The same Recorder and DatasetWriter as `imitate record`, over the service's transport, with a sampler
of its own (recording needs the leader's action topics, a policy does not). On the simulated robot
(in this process, or `imitate sim` in another, operated over /sim/operator) the scripted leader wears
the leader device and the simulated operator resets the scene and demonstrates; the page (or
keyboard) says when an episode is saved, unless `auto_next` is on.
"""
import logging
import re
import threading
from pathlib import Path

from ..dataset import DatasetWriter
from ..recorder import Recorder
from ..sim.operator import OperatorRelay, SimOperator

log = logging.getLogger(__name__)
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


def dataset_folder(data_dir, name):
    """data_dir/name for a dataset name of letters, digits, '_', '.', '-'; ValueError otherwise."""
    if not isinstance(name, str) or not NAME.match(name) or ".." in name:
        raise ValueError(f"dataset name {name!r}: use 1-64 letters, digits, '_', '.' or '-' (no '/' or '..')")
    return Path(data_dir) / name


class RecordingSession:
    """Recorder + writer on a running Base and a sampler with the leader's actions; `stop(save)` ends it and
    closes the dataset."""

    def __init__(self, base, sampler, folder, config, codec="h264", auto_next=False):

        self.base, self.folder, self.config = base, Path(folder), config
        self.writer = DatasetWriter(
            self.folder, base.profile, codec=codec, fps=round(1.0 / sampler.period_s), resume=True
        )
        self.recorder = Recorder(sampler, self.writer, config)
        self.events = []  # the last few recorder events, for the page
        self.recorder.listen(self._keep)
        self.operator = None
        if base.robot:  # simulated: the scripted leader and the simulated operator take part
            base.robot.leader_enabled = True
            self.operator = SimOperator(base.robot, auto_next=auto_next)
        else:  # a simulated robot in another process (imitate sim) is operated over the wire, once heard
            self.operator = OperatorRelay(base.transport, auto_next=auto_next, distro=base.profile.ros_distro)
        self.recorder.listen(self.operator)
        self._done_callbacks = []
        self._thread = self.recorder.start_thread()
        self._closed = threading.Event()
        threading.Thread(target=self._close_when_done, name="recording-close", daemon=True).start()

    def _keep(self, event):
        self.events = (self.events + [event])[-20:]

    @property
    def active(self):
        """True until the session has ended and its dataset is closed."""
        return not self._closed.is_set()

    def command(self, verb):
        """Pass a recorder verb (start, save, next, retry, skip, finish)."""
        self.recorder.command(verb)

    def when_done(self, callback):
        """Call `callback(self)` once the session has ended and the dataset is closed (push it, say)."""
        self._done_callbacks.append(callback)

    def status(self):
        """The newest recorder event plus dataset name, error and whether it is active."""
        event = dict(self.events[-1]) if self.events else {"phase": "waiting"}
        if self.active:  # the time in this phase now, not at the last event (the reset's countdown)
            event["elapsed_s"] = round(self.recorder.phase_elapsed_s(), 2)
        return {**event, "dataset": self.folder.name, "error": self.recorder.error, "active": self.active}

    def stop(self, save=True, timeout_s=30.0):
        """End the session: the episode being recorded is saved (or discarded); the dataset is closed."""
        if self.active:
            if not save:
                self.recorder.command("discard")
            self.recorder.command("finish")
        self._closed.wait(timeout_s)

    def _close_when_done(self):
        self._thread.join()
        try:
            self.writer.close()
        finally:
            if self.operator:
                self.operator.stop()
            if self.base.robot:
                self.base.robot.stop_leader()
                self.base.robot.leader_enabled = False
            self._closed.set()
            log.info("recording of %s ended: %s", self.folder, self.recorder.status.message)
            for callback in self._done_callbacks:
                try:
                    callback(self)
                except Exception:  # the recording is safe on disk whatever a follow-up does
                    log.exception("after recording %s", self.folder)
