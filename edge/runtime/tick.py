"""Where the control tick runs, behind one interface: a thread beside inference, or a process of its own.

`ControlTick` is what the command loop drives: start(), stop(), insert(chunk), estop(),
clear_estop(), stats(), close(). `ThreadTick` runs a Controller in a thread of this process;
`ProcessTick` (control_process.py) runs one in a process of its own. Both tick through
`run_ticks()`, the one loop that paces the 100 Hz tick. The loop (loop.py) picks one.
"""
import logging
import sys
import threading

from ..clock import try_realtime

log = logging.getLogger(__name__)
CONTROL_MODES = ("auto", "thread", "process")


def run_ticks(controller, on_tick, keep_going):
    """The control loop, the same in a thread and in a process: wait until the next tick is due,
    tick, hand (now, command or None) to `on_tick`; until `keep_going()` says otherwise (it is
    asked before every tick, where the process reads its verbs)."""
    while keep_going():
        controller.wait()
        on_tick(*controller.tick())


def control_mode(control, transport_name):
    """"thread" or "process" for a configured mode ("auto": a process where other processes reach
    the transport, a thread on the in-process simulated bus)."""
    if control not in CONTROL_MODES:
        raise ValueError(f"control {control!r}: expected one of {', '.join(CONTROL_MODES)}")
    if control == "auto":
        return "thread" if transport_name == "sim" else "process"
    if control == "process" and transport_name == "sim":
        raise ValueError("control 'process' needs a transport other processes reach (dds, ros2): "
                         "the simulated bus lives inside this process")
    return control


class ControlTick:
    """The interface both ticks implement. `on_tick(now, command or None)` is called in the
    loop's process after every tick (recording, the systemd watchdog)."""

    mode = None  # "thread" or "process"

    def start(self):
        """Soft-start from the robot's current pose on a fresh plan; ticking begins."""
        raise NotImplementedError

    def stop(self):
        """Stop ticking; once this returns nothing more is sent (the robot keeps the last command)."""
        raise NotImplementedError

    def insert(self, actions, obs_time_s):
        """A new chunk, computed from the observation taken at obs_time_s, joins the plan."""
        raise NotImplementedError

    def estop(self):
        """Command the robot to where it stands, then send nothing until clear_estop()."""
        raise NotImplementedError

    def clear_estop(self):
        """Release the e-stop: a fresh plan, soft-started from the current pose."""
        raise NotImplementedError

    def stats(self):
        """Ticks, timing (ms) and safety counts, as Controller.stats() names them."""
        raise NotImplementedError

    @property
    def ticks(self):
        """Ticks run so far."""
        return self.stats()["ticks"]

    def close(self):
        """Stop and free what the tick holds."""
        self.stop()


class ThreadTick(ControlTick):
    """The tick in a thread of this process. Its plan is the loop's own ActionSchedule: a chunk the
    loop inserted is already there, and insert() only restarts the inference timeout."""

    mode = "thread"

    def __init__(self, controller, on_tick, rt_priority=0, gil_switch_ms=0.2):
        self.controller, self.on_tick = controller, on_tick
        self.rt_priority, self.gil_switch_ms = rt_priority, gil_switch_ms
        self._running = False
        self._thread = None

    def start(self):
        self.controller.begin()
        self._running = True
        self._thread = threading.Thread(target=self._run, name="control", daemon=True)
        self._thread.start()

    def _run(self):
        default_switch = sys.getswitchinterval()
        # at real-time priority, the longest this thread waits for the interpreter lock while
        # another thread runs Python (Python's default, 5 ms, would delay a tick by up to that)
        if try_realtime(self.rt_priority) and self.gil_switch_ms > 0:
            sys.setswitchinterval(self.gil_switch_ms / 1e3)
        try:
            run_ticks(self.controller, self.on_tick, lambda: self._running)
        finally:
            sys.setswitchinterval(default_switch)

    def stop(self):
        self._running = False
        if self._thread is not None:
            self._thread.join(timeout=2.0)

    def insert(self, actions, obs_time_s):
        self.controller.chunk_arrived()

    def estop(self):
        self.controller.hold_here()

    def clear_estop(self):
        self.controller.clear_estop()

    def stats(self):
        return {**self.controller.stats(), "control": self.mode}

    @property
    def ticks(self):
        return self.controller.ticks

