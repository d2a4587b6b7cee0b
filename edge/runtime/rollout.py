"""Recording rollouts: the frames a policy saw and the commands it sent, as a LeRobot dataset.

A listener of the command loop: at the first tick at or after each frame's time (k/fps from the
episode's first tick) it writes one frame (state and images from the sampler, action = the command
sent), so the dataset's 30 fps are 30 frames a second of the robot's time at any control rate.
For evaluation, and for correcting a policy with more data.
"""
import logging

import numpy as np

from ..sampler import NotReady

log = logging.getLogger(__name__)


class RolloutRecorder:
    """Call begin(task) and end(save) around an episode; attach to CommandLoop.listeners."""

    def __init__(self, writer, sampler):
        self.writer, self.sampler = writer, sampler
        self.period_s = 1.0 / writer.fps
        self._next_s = None  # when the next frame is due (the loop's clock); None: at the next tick
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
        self._next_s, self.held, self.active = None, 0, True

    def __call__(self, now_s, command):
        if not self.active:
            return
        if command is None:
            self.held += 1
            return
        if self._next_s is not None and now_s < self._next_s - 1e-6:
            return
        try:
            frame = self.sampler.sample(now_s)
        except NotReady:
            return
        due = now_s if self._next_s is None else self._next_s
        self._next_s = due + self.period_s
        if self._next_s <= now_s:  # a gap (the robot held, data not ready): the grid resumes from now
            self._next_s = now_s + self.period_s
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
