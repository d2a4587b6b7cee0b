"""Loops paced on the monotonic clock: never drift, never burst to catch up, count the ticks they miss."""
import logging
import os
import time

import numpy as np

log = logging.getLogger(__name__)


class Pacer:
    """Yields once per period. A tick that would start more than a period late is not run late: the
    ticks due meanwhile are counted in `missed` and the grid resumes from now (no burst to catch up).
    `clock` and `sleep` are the monotonic clock's (a test passes a fake clock's)."""

    def __init__(self, rate_hz, clock=time.monotonic, sleep=time.sleep):
        self.period_s = 1.0 / rate_hz
        self.clock, self.sleep = clock, sleep
        self.missed = 0  # ticks skipped because the loop fell a whole period (or more) behind
        self.next_t = clock()
        self.due_t = self.next_t  # when the last tick was due on the grid (before an overrun moved it)

    def wait(self):
        """Sleep until the next tick; returns its scheduled time (now, after an overrun)."""
        self.next_t += self.period_s
        self.due_t = self.next_t
        delay = self.next_t - self.clock()
        if delay > 0:
            self.sleep(delay)
        elif delay < -self.period_s:
            self.missed += int(-delay / self.period_s + 1e-9)  # the tick run now stands for the last one due
            self.next_t = self.clock()
        return self.next_t

    def shift(self, seconds):
        """Move the schedule (positive: later); how a grid locks its phase to a camera."""
        self.next_t += seconds


class LatenessWindow:
    """How late the last `size` ticks started, as a histogram of 10 µs bins up to `max_s` (the last bin
    holds anything later). Adding a tick is O(1); a percentile takes microseconds. A status request
    must not turn 60,000 floats into an array: that holds Python's interpreter lock for milliseconds in
    one C call, which the real-time control thread would then wait out (a late tick per request)."""

    BIN_S = 1e-5

    def __init__(self, size=60_000, max_s=0.1):
        self.bins = int(round(max_s / self.BIN_S)) + 1
        self.hist = np.zeros(self.bins, np.int64)  # ticks per bin, over the window
        self.ring = np.zeros(size, np.int32)  # each tick's bin, oldest overwritten first
        self.size, self.count = size, 0

    def add(self, lateness_s):
        """Count one tick that started `lateness_s` after it was due."""
        b = min(max(int(lateness_s / self.BIN_S), 0), self.bins - 1)
        i = self.count % self.size
        if self.count >= self.size:
            self.hist[self.ring[i]] -= 1  # the oldest tick leaves the window
        self.ring[i] = b
        self.hist[b] += 1
        self.count += 1

    def __len__(self):
        return min(self.count, self.size)

    def percentile(self, q):
        """The q-th percentile (0-100) of the window in seconds, to within a bin (10 µs): the upper
        edge of the bin its rank falls in; 0.0 before the first tick."""
        n = len(self)
        if not n:
            return 0.0
        return (int(np.searchsorted(np.cumsum(self.hist), q / 100 * n)) + 1) * self.BIN_S


def paced(rate_hz, running):
    """Yield at `rate_hz` while `running()` is true (a generator for simple loops)."""
    pacer = Pacer(rate_hz)
    while running():
        yield pacer
        pacer.wait()


def try_realtime(priority):
    """Give the calling thread SCHED_FIFO at `priority` (1-99) where permitted; returns whether it did.

    Needs CAP_SYS_NICE or an RLIMIT_RTPRIO (systemd: LimitRTPRIO=) of at least `priority`; without
    them the thread keeps normal scheduling and a warning says so.
    """
    if not priority:
        return False
    try:
        # 0: this thread (Linux). RESET_ON_FORK: threads and processes it starts get normal scheduling,
        # not a real-time priority that would compete with it (an encoder, a subprocess).
        policy = os.SCHED_FIFO | getattr(os, "SCHED_RESET_ON_FORK", 0)
        os.sched_setscheduler(0, policy, os.sched_param(int(priority)))
    except (OSError, AttributeError) as err:
        log.warning("real-time priority %s refused (%s): the loop runs with normal scheduling", priority, err)
        return False
    return True
