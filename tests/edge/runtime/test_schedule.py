"""Chunks aligned to their observation time, blended and interpolated: a continuous command."""
import numpy as np

from imitate.edge.runtime.schedule import ActionSchedule

STEP = 1 / 30


def test_interpolates_between_steps():
    s = ActionSchedule(STEP)
    s.insert(np.arange(10.0)[:, None], obs_time_s=0.0, now_s=0.0)
    assert s.sample(0.5 * STEP)[0] == 0.5 and s.sample(3 * STEP)[0] == 3.0
    assert s.sample(20 * STEP) is None and s.remaining_s(0.0) == 9 * STEP


def test_steps_in_the_past_are_skipped():
    s = ActionSchedule(STEP, blend_s=0.0)
    s.insert(np.arange(30.0)[:, None], obs_time_s=0.0, now_s=0.2)  # inference took 0.2 s
    assert abs(s.sample(0.2)[0] - 6.0) < 1e-9  # step 6 is due at 0.2 s: steps 0-5 are never used


def test_a_new_chunk_never_jumps():
    s = ActionSchedule(STEP, blend_s=0.2)
    s.insert(np.zeros((30, 1)), 0.0, 0.0)
    s.insert(np.ones((30, 1)), 0.4, 0.5)  # disagrees by 1 rad with the running plan
    t = np.arange(0.3, 0.9, 0.01)
    cmd = np.array([s.sample(x)[0] for x in t])
    assert np.abs(np.diff(cmd)).max() <= 0.01 / 0.2 + 1e-9  # the gap spread over 0.2 s of 10 ms ticks
    assert cmd[0] == 0.0 and cmd[-1] == 1.0


def test_temporal_ensembling_weights_older_chunks_more():
    s = ActionSchedule(STEP, ensemble_coeff=0.01)
    s.insert(np.zeros((30, 1)), 0.0, 0.0)
    s.insert(np.ones((30, 1)), 0.0, 0.0)
    w = np.exp(-0.01 * np.arange(2))
    assert abs(s.sample(0.1)[0] - w[1] / w.sum()) < 1e-9
