"""Real-time priority: the thread that asks gets it, what it starts does not; the lateness window.
(The pacer's grid and overruns: tests/edge/runtime/test_tick_on_a_fake_clock.py.)"""
import os
import subprocess
import sys
import threading

import numpy as np
import pytest

from imitate.edge.clock import LatenessWindow, try_realtime


def in_a_thread(fn):
    """Run fn in a fresh thread (so the test's own thread keeps normal scheduling); its result."""
    out = []
    thread = threading.Thread(target=lambda: out.append(fn()))
    thread.start()
    thread.join()
    return out[0]


def test_threads_and_processes_started_by_the_real_time_thread_get_normal_scheduling():
    def real_time_parent():
        if not try_realtime(10):
            return None
        own = os.sched_getscheduler(0)
        child_thread = in_a_thread(lambda: os.sched_getscheduler(0))
        child_process = subprocess.run([sys.executable, "-c", "import os; print(os.sched_getscheduler(0))"],
                                       capture_output=True, text=True, check=True).stdout.strip()
        return own, child_thread, int(child_process)

    result = in_a_thread(real_time_parent)
    if result is None:
        pytest.skip("SCHED_FIFO is not permitted here (needs root or an RLIMIT_RTPRIO)")
    own, child_thread, child_process = result
    assert own & ~getattr(os, "SCHED_RESET_ON_FORK", 0) == os.SCHED_FIFO
    # an encoder thread or a subprocess at the same real-time priority would compete with the loop
    assert child_thread == os.SCHED_OTHER and child_process == os.SCHED_OTHER


def test_no_priority_asked_changes_nothing():
    assert in_a_thread(lambda: (try_realtime(0), os.sched_getscheduler(0))) == (False, os.SCHED_OTHER)


def test_the_lateness_window_gives_percentiles_within_a_bin_and_forgets_old_ticks():
    window = LatenessWindow(size=1000, max_s=0.05)
    assert window.percentile(99) == 0.0  # no tick yet
    rng = np.random.default_rng(0)
    old = rng.exponential(0.003, 1000)  # a bad spell: ms late
    for x in old:
        window.add(x)
    for q in (50, 99):
        assert window.percentile(q) == pytest.approx(np.percentile(old, q), abs=2e-5)  # within a 10 µs bin
    recent = rng.exponential(0.0001, 1000)  # then 1,000 good ticks push the bad spell out of the window
    for x in recent:
        window.add(x)
    assert len(window) == 1000 and window.hist.sum() == 1000
    assert window.percentile(99) == pytest.approx(np.percentile(recent, 99), abs=2e-5)
    window.add(1.0)  # beyond max_s: counted in the last bin, never lost
    assert window.percentile(100) == pytest.approx(0.05 + 1e-5)
