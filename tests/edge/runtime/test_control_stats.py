"""Controller.stats() is read by the page's thread while the control thread ticks."""
import sys
import threading

from imitate.edge.runtime.control import Controller

from .rigs import TickState


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
