"""The control tick in a process of its own: no other Python thread can hold up a tick.

In one process every Python thread takes turns holding the interpreter lock (GIL). The control
thread at real-time priority wakes on time, then waits for the lock: for the page's server, the
recorder, inference. Worse, when the holder is a normal-priority thread that the kernel has
preempted (for a browser, an encoder), the real-time thread waits until the holder runs again:
a missed tick (docs/loop-timing.md). Here the tick runs in a process that has only the tick, its
own transport and sampler (joint states, cameras' ages), every thread of it real-time.

Parent -> child: a pipe of verbs (start, stop, chunk, estop, clear, close), read every tick.
Child -> parent: a shared-memory board the child writes after every tick and never waits on:
counters, timing, safety counts, the newest late ticks, and a ring of the last ticks' commands
that the parent hands to the loop's listeners (recording, the systemd watchdog) a few ms later.
If the parent dies, the pipe ends and the child stops sending: the robot holds the last command.
"""
import gc
import logging
import multiprocessing
import os
import sys
import threading
import time
from dataclasses import dataclass

import numpy as np

from ..clock import try_realtime
from ..sampler import ObservationSampler
from ..transport import make_transport
from .board import RING, Board
from .control import Controller
from .safety import SafetyFilter
from .schedule import ActionSchedule
from .tick import ControlTick, run_ticks

log = logging.getLogger(__name__)
ACK_TIMEOUT_S = 1.0  # start, stop, estop, clear return once the child has acted on them (one tick at most)


@dataclass(frozen=True)
class ControlSpec:
    """What the child needs to build its own tick: everything picklable."""

    profile: object
    transport: str
    cameras: tuple
    safety: object  # SafetyConfig
    step_s: float
    blend_s: float
    ensemble_coeff: float
    inference_timeout_s: float
    rt_priority: int
    gil_switch_ms: float
    ready_timeout_s: float = 10.0
    ros: object = None  # the parent transport's RosEnvironment (dds, zenoh)


class ProcessTick(ControlTick):
    """The parent's handle on the control process (a ControlTick)."""

    mode = "process"

    def __init__(self, spec, on_tick):
        self.spec, self.on_tick = spec, on_tick  # on_tick(now, command or None) in the parent
        self.board = Board(spec.profile.joint_names)
        ctx = multiprocessing.get_context("spawn")  # never fork a process with DDS threads in it
        self._conn, child_conn = ctx.Pipe()
        self._proc = ctx.Process(
            target=child_main, args=(spec, child_conn, self.board.name), name="imitate-control", daemon=True
        )
        self._proc.start()
        child_conn.close()
        self._send_lock = threading.Lock()
        self._sent = 0  # messages sent; the board's "handled" counts those the child has acted on
        self._read = 0
        self._final = None  # stats() when closed
        self.dropped_ticks = 0  # ticks the listeners never saw (the parent fell RING ticks behind)
        answer = self._wait_ready(time.monotonic() + spec.ready_timeout_s + 20.0)  # + imports, DDS
        if "error" in answer:
            self.close()
            raise RuntimeError(f"the control process could not start: {answer['error']}")
        self._pumping = True
        self._pump = threading.Thread(target=self._pump_ticks, name="control-ticks", daemon=True)
        self._pump.start()

    def _wait_ready(self, deadline):
        """The child's first message ({"ok"} or {"error"}); RuntimeError if it dies or is late."""
        while time.monotonic() < deadline:
            if self._conn.poll(0.1):  # its answer, even when it has exited since
                try:
                    return self._conn.recv()
                except EOFError:  # it closed the pipe without one: it is exiting
                    self._proc.join(timeout=5.0)
                    break
            elif not self._proc.is_alive():
                break
        why = (
            "did not start in time"
            if self._proc.is_alive()
            else f"exited while starting (code {self._proc.exitcode}, its traceback above); from a script of "
            "yours: a script that runs a policy over DDS needs `if __name__ == \"__main__\":` around its "
            "main code, because the control process is spawned by importing the script's module"
        )
        self.close()
        raise RuntimeError(f"the control process {why}")

    def _send(self, *msg, wait=False):
        """Send a verb; with wait, return once the child has acted on it (a tick at most): after
        stop() returns no command goes out, as after a thread's join. RuntimeError if it cannot."""
        if not self._proc.is_alive():
            raise RuntimeError(
                f"the control process has exited (code {self._proc.exitcode}): no command is sent"
            )
        with self._send_lock:
            self._conn.send(msg)
            self._sent += 1
            sent = self._sent
        deadline = time.monotonic() + ACK_TIMEOUT_S
        while wait and self.board.get("handled") < sent:
            if time.monotonic() > deadline or not self._proc.is_alive():
                raise RuntimeError(f"the control process did not act on {msg[0]!r} within {ACK_TIMEOUT_S} s")
            time.sleep(0.0005)

    def start(self):
        """Begin ticking: soft start from the current pose on a fresh plan."""
        self._send("start", wait=True)

    def stop(self):
        """Stop ticking; once this returns nothing more is sent (the robot keeps the last command)."""
        if not self._proc.is_alive():
            return
        try:
            self._send("stop", wait=True)
        except (RuntimeError, OSError) as err:  # it has exited meanwhile: nothing is being sent
            log.error("stopping the control process: %s", err)

    def insert(self, actions, obs_time_s):
        """A new chunk computed from the observation taken at obs_time_s."""
        self._send("chunk", np.asarray(actions, np.float64), obs_time_s)

    def estop(self):
        """Hold where the robot stands, then send nothing until clear_estop()."""
        try:
            self._send("estop", wait=True)
        except (RuntimeError, OSError) as err:  # no control process: nothing is being sent anyway
            log.error("e-stop: %s", err)

    def clear_estop(self):
        """Release the e-stop: soft start from the current pose."""
        self._send("clear", wait=True)

    @property
    def pid(self):
        """The control process's pid (for CPU accounting, or a test that kills it)."""
        return self._proc.pid

    @property
    def alive(self):
        """Whether the control process is running."""
        return self._proc.is_alive()

    def stats(self):
        """The child's tick numbers, and whether it is alive (the last ones once closed)."""
        if self._final is not None:
            return self._final
        out = self.board.stats()
        out["control"] = self.mode
        out["control_process"] = "running" if self.alive else f"exited with code {self._proc.exitcode}"
        out["listener_ticks_dropped"] = self.dropped_ticks
        return out

    def _pump_ticks(self):
        board = self.board
        while self._pumping:
            time.sleep(0.005)
            written = int(board.get("written"))
            if written - self._read > RING:
                self.dropped_ticks += written - self._read - RING
                self._read = written - RING
            while self._read < written:
                row = board.ring[self._read % RING].copy()
                self._read += 1
                self.on_tick(float(row[0]), None if np.isnan(row[1]) else row[1:])
            if not self._proc.is_alive():
                log.error(
                    "the control process exited (code %s): the robot holds its last command",
                    self._proc.exitcode,
                )
                return

    def close(self):
        """End the child (it stops sending: the robot holds) and free the board."""
        if self._final is not None:
            return
        self._pumping = False
        if self._proc.is_alive():
            try:
                with self._send_lock:
                    self._conn.send(("close",))
            except OSError:
                pass
            self._proc.join(timeout=3.0)
            if self._proc.is_alive():
                self._proc.terminate()
                self._proc.join(timeout=2.0)
        if getattr(self, "_pump", None) is not None and self._pump is not threading.current_thread():
            self._pump.join(timeout=1.0)
        self._conn.close()
        self._final = {**self.stats(), "control_process": f"closed (code {self._proc.exitcode})"}
        self.board.close(unlink=True)


# the child ------------------------------------------------------------------------------------
def child_main(spec, conn, board_name):
    """Entry point of the control process."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s control %(levelname)s %(message)s")
    board = Board(spec.profile.joint_names, name=board_name)
    transport = None
    try:
        transport, ctl = _build(spec)
    except Exception as err:  # said to the parent, which raises it where the policy was started
        conn.send({"error": f"{type(err).__name__}: {err}"})
        if transport:
            transport.close()
        board.close()
        return
    conn.send({"ok": True})
    _realtime(spec)
    gc.collect()
    gc.freeze()  # the transport, the profile and the modules: never scanned again
    try:
        _serve(ctl, conn, board)
    finally:
        transport.close()
        board.close()


def _build(spec):

    transport = make_transport(spec.transport, ros=spec.ros, distro=spec.profile.ros_distro)
    sampler = ObservationSampler(
        spec.profile, transport, cameras=list(spec.cameras), with_action=False, subscribe_commands=False
    )
    deadline = time.monotonic() + spec.ready_timeout_s
    while sampler.missing() and time.monotonic() < deadline:
        time.sleep(0.02)
    if sampler.missing():
        transport.close()
        raise RuntimeError("waiting for " + "; ".join(sampler.missing()) + ": is the robot publishing?")
    schedule = ActionSchedule(spec.step_s, spec.blend_s, spec.ensemble_coeff)
    ctl = Controller(
        spec.profile,
        transport,
        sampler,
        SafetyFilter(spec.profile, spec.safety),
        schedule,
        spec.inference_timeout_s,
    )
    return transport, ctl


def _realtime(spec):
    """SCHED_FIFO for the tick (spec.rt_priority) and one below for every other thread of this
    process (the transport's, DDS's own): none of them waits behind a normal-priority process."""
    if not try_realtime(spec.rt_priority):
        return
    me = threading.get_native_id()
    policy = os.SCHED_FIFO | getattr(os, "SCHED_RESET_ON_FORK", 0)
    for tid in os.listdir("/proc/self/task"):
        if int(tid) != me:
            try:
                os.sched_setscheduler(int(tid), policy, os.sched_param(max(1, spec.rt_priority - 1)))
            except OSError:  # a thread that ended meanwhile
                pass
    if spec.gil_switch_ms > 0:
        sys.setswitchinterval(spec.gil_switch_ms / 1e3)


class Verbs:
    """The parent's verbs, read from the pipe between ticks: ticking() is run_ticks' keep_going
    while the tick runs, and waits for a verb while it does not."""

    def __init__(self, ctl, conn, board):
        self.ctl, self.conn, self.board = ctl, conn, board
        self.running = False
        self.closed = False

    def ticking(self):
        """Act on every verb waiting (none: return at once); whether to tick now."""
        self.read(0.0)
        return self.running and not self.closed

    def read(self, timeout):
        """Act on the verbs that arrive within `timeout` s, then on any behind them."""
        ctl, board = self.ctl, self.board
        try:
            while not self.closed and self.conn.poll(timeout):
                timeout = 0.0
                verb, *args = self.conn.recv()
                if verb == "chunk":
                    ctl.schedule.insert(
                        args[0], args[1], time.monotonic()
                    )  # blended from now, when it can be used
                    ctl.chunk_arrived()
                elif verb == "start":
                    ctl.begin()
                    self.running = True
                elif verb == "stop":
                    self.running = False
                elif verb == "estop":
                    ctl.hold_here()
                elif verb == "clear":
                    ctl.clear_estop()
                elif verb == "close":
                    self.closed = True
                board.after_verb(ctl)
                board.put("handled", board.get("handled") + 1)  # after acting: the parent may go on
        except (EOFError, OSError):  # the parent is gone: send nothing more, the robot holds
            log.error(
                "the runtime process is gone: the control process stops; the robot holds its last command"
            )
            self.closed = True


def _serve(ctl, conn, board):
    verbs = Verbs(ctl, conn, board)
    while not verbs.closed:
        verbs.read(0.05)  # idle: wait for start (or close)
        run_ticks(ctl, lambda now, command: board.after_tick(ctl, now, command), verbs.ticking)
