"""Recording rollouts: the frames a policy saw and the commands it sent, as a LeRobot dataset.

A listener of the command loop: every control_rate / fps ticks it writes one frame (state and
images from the sampler, action = the command sent). For evaluation, and for correcting a policy
with more data.
"""
import logging

import numpy as np

from ..sampler import NotReady

log = logging.getLogger(__name__)


class RolloutRecorder:
    """Call begin(task) and end(save) around an episode; attach to CommandLoop.listeners."""

    def __init__(self, writer, sampler, control_rate_hz):
        self.writer, self.sampler = writer, sampler
        self.every = max(1, round(control_rate_hz / writer.fps))
        self._tick = 0
        self.held = 0  # ticks of this episode on which the safety filter sent nothing (held)
        self.active = False

    def flag(self, name):
        """Mark the rollout being recorded (`imitate/flags`: "estop", "success", "failure"); from any
        thread."""
        if self.active:
            self.writer.flag(name)

    def begin(self, task):
        """Start recording a rollout episode of `task`."""
        self.writer.begin_episode(task)
        self._tick, self.held, self.active = 0, 0, True

    def __call__(self, now_s, command):
        if not self.active:
            return
        if command is None:
            self.held += 1
            return
        self._tick += 1
        if self._tick % self.every:
            return
        try:
            frame = self.sampler.sample(now_s)
        except NotReady:
            return
        self.writer.add_frame(
            frame.state, np.asarray(command, np.float32), frame.images, frame.stale, frame.repeated
        )

    def end(self, save=True):
        """Finish the rollout episode: save it (or discard it with save=False)."""
        self.active = False
        if save and self.writer.frames:
            if (
                self.held
            ):  # the safety filter held the robot this many ticks (E-STOP, stale data, late inference)
                self.writer.flag(f"safety_held_ticks:{self.held}")
            return self.writer.save_episode()
        self.writer.discard_episode()
        return None
