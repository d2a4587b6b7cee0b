"""Action chunks on the clock: aligned to their observation's time, blended, interpolated.

A chunk of actions is a trajectory: step k is meant for time obs_time + k / fps. When a new chunk
arrives its steps already in the past are skipped, it is blended into the running one over
`blend_s` so a new chunk never jumps, and between steps actions are interpolated linearly, so a
100 Hz loop sees a smooth path from 30 Hz actions. With `ensemble_coeff` set, ACT's temporal
ensembling replaces blending: every chunk covering a time votes with weight exp(-coeff * i), the
oldest chunk having i = 0.
"""
import threading

import numpy as np


class Trajectory:
    """One chunk: (H, A) actions, step k at start_s + k * step_s."""

    def __init__(self, actions, start_s, step_s):
        self.actions, self.start_s, self.step_s = np.asarray(actions, float), start_s, step_s

    @property
    def end_s(self):
        """Time the last action of the chunk is due."""
        return self.start_s + (len(self.actions) - 1) * self.step_s

    def at(self, t):
        """Linearly interpolated action at time t; None outside the chunk."""
        x = (t - self.start_s) / self.step_s
        if x < 0 or x > len(self.actions) - 1:
            return None
        k = min(int(x), len(self.actions) - 2) if len(self.actions) > 1 else 0
        w = x - k
        return (
            self.actions[k] if len(self.actions) == 1 else (1 - w) * self.actions[k] + w * self.actions[k + 1]
        )


class ActionSchedule:
    """The running plan of actions; thread-safe (inference inserts, the control loop samples)."""

    def __init__(self, step_s, blend_s=0.2, ensemble_coeff=None):
        self.step_s, self.blend_s, self.ensemble_coeff = step_s, blend_s, ensemble_coeff
        self._lock = threading.Lock()
        self._chunks = []  # Trajectory, oldest first (only the newest two matter without ensembling)
        self._blend_from = None  # (old Trajectory, blend start time)

    def insert(self, actions, obs_time_s, now_s):
        """A new chunk computed from the observation taken at obs_time_s."""
        chunk = Trajectory(actions, obs_time_s, self.step_s)
        with self._lock:
            if self.ensemble_coeff is None:
                old = self._current(now_s)
                self._blend_from = (old, now_s) if old is not None else None
                self._chunks = [chunk]
            else:
                self._chunks = [c for c in self._chunks if c.end_s >= now_s] + [chunk]

    def _current(self, t):
        if self._blend_from and t - self._blend_from[1] < self.blend_s:
            return _Blend(self._blend_from[0], self._chunks[-1], self._blend_from[1], self.blend_s)
        return self._chunks[-1] if self._chunks else None

    def sample(self, t):
        """The action for time t (A,), or None when no chunk covers t."""
        with self._lock:
            if self.ensemble_coeff is not None:
                votes = [(i, c.at(t)) for i, c in enumerate(self._chunks)]
                votes = [(i, a) for i, a in votes if a is not None]
                if not votes:
                    return None
                w = np.exp(-self.ensemble_coeff * np.arange(len(votes)))
                return sum(wi * a for wi, (_, a) in zip(w, votes, strict=True)) / w.sum()
            current = self._current(t)
            return current.at(t) if current is not None else None

    def remaining_s(self, t):
        """Seconds of plan left after t (0 when exhausted)."""
        with self._lock:
            return max(0.0, self._chunks[-1].end_s - t) if self._chunks else 0.0

    def clear(self):
        """Forget every chunk: the next one starts a new plan."""
        with self._lock:
            self._chunks, self._blend_from = [], None


class _Blend:
    """Old and new chunk mixed with a weight rising from 0 to 1 over the blend window."""

    def __init__(self, old, new, start_s, blend_s):
        self.old, self.new, self.start_s, self.blend_s = old, new, start_s, blend_s

    def at(self, t):
        """The plan's action at time t: the newest chunk, blended in over blend_s from the one before."""
        a_new, a_old = self.new.at(t), self.old.at(t) if hasattr(self.old, "at") else None
        if a_new is None or a_old is None:
            return a_new if a_new is not None else a_old
        w = min(
            1.0, max(0.0, (t - self.start_s) / self.blend_s)
        )  # blend over 0.2 s so a new chunk never jumps
        return (1 - w) * a_old + w * a_new
