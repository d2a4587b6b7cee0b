"""Rollouts are written at the dataset's frame rate of the command loop's clock, whatever the loop's
rate, and a hold (no command) leaves a gap rather than a burst of frames after it. The writer and the
sampler here only count: the cadence is the recorder's own arithmetic (tests/edge/runtime/test_serve.py
records real rollouts through `imitate eval --record`)."""
import numpy as np

from imitate.edge.runtime.rollout import RolloutRecorder
from imitate.edge.sampler import Frame


class CountingWriter:
    """Keeps the time of each frame written (the stand-in sampler puts it in the state)."""

    fps = 30

    def __init__(self):
        self.times = []

    def begin_episode(self, task):
        pass

    def add_frame(self, state, action, images, stale=(), repeated=()):
        self.times.append(float(state[0]))


class Sampler:
    def sample(self, now):
        return Frame(now, np.array([now]), np.zeros(2), {}, {}, [], [], now)


def run(rate_hz, seconds, held=()):
    writer = CountingWriter()
    recorder = RolloutRecorder(writer, Sampler())
    recorder.begin("pick")
    for tick in range(round(seconds * rate_hz)):
        now = tick / rate_hz
        recorder(now, None if any(a <= now < b for a, b in held) else np.zeros(2))
    return np.array(writer.times), recorder


def test_thirty_frames_a_second_at_any_control_rate():
    for rate in (100, 50, 200, 30):
        times, _ = run(rate, 3.0)
        assert len(times) == 90, (rate, len(times))
        assert np.diff(times).max() < 1 / 30 + 1 / rate + 1e-9  # never a frame skipped
        assert abs(times[-1] - 89 / 30) < 1 / rate + 1e-9  # frame k at k/30, to within a tick


def test_a_hold_leaves_a_gap_and_no_burst_after_it():
    times, recorder = run(100, 3.0, held=[(1.0, 2.0)])
    assert recorder.held == 100
    assert not ((times >= 1.0) & (times < 2.0)).any()
    assert np.diff(times).min() > 1 / 30 - 0.01 - 1e-9  # frames after the hold keep their spacing
    assert len(times) == 60
