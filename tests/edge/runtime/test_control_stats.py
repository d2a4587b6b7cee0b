"""Controller.stats() is read by the page's thread while the control thread ticks."""
import sys
import threading
from collections import Counter, deque

from imitate.edge.clock import LatenessWindow
from imitate.edge.runtime.control import Controller


class TickState:
    """The fields Controller.stats() reads, without a robot."""

    def __init__(self):
        self.ticks = self.commands_sent = self.late_tick_count = 0
        self.late_ticks, self.lateness, self.pacer = deque(maxlen=100), LatenessWindow(100), None
        self.safety = type("S", (), {"estopped": False, "counts": Counter()})()


def test_stats_can_be_read_while_late_ticks_are_appended():
    state, stop = TickState(), threading.Event()

    def tick():
        k = 0
        while not stop.is_set():
            state.late_ticks.append((float(k), 2.5))
            state.late_tick_count += 1
            k += 1

    switch = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # hand the interpreter lock over as often as it can be
    ticker = threading.Thread(target=tick, daemon=True)
    ticker.start()
    try:
        for _ in range(3000):
            late = Controller.stats(state)["late_ticks"]
            assert len(late) <= 100 and all(ms == 2.5 for _, ms in late)
    finally:
        stop.set()
        ticker.join()
        sys.setswitchinterval(switch)
    assert state.late_tick_count > 0
