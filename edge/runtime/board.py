"""The shared-memory board the control process writes after every tick and its parent reads:
counters, timing, safety counts (per rule and per joint), the newest late ticks, and a ring of the last
ticks' commands (control_process.py says how the two processes use it)."""
from multiprocessing import shared_memory

import numpy as np

from .safety import JOINT_RULES, RULES, by_joint

SCALARS = (
    "ticks",
    "commands_sent",
    "missed_ticks",
    "p50_ms",
    "p99_ms",
    "late_count",
    "estop",
    "written",
    "handled",
)
LATE_KEPT = 100  # as Controller.late_ticks
RING = 256  # ticks the parent may fall behind before listeners miss some (2.5 s at 100 Hz)


class Board:
    """Float64 slots in shared memory: scalars, safety counts, late ticks, the tick ring."""

    def __init__(self, joint_names, name=None):
        self.joint_names = tuple(joint_names)
        joints = len(self.joint_names)
        sizes = [len(SCALARS), len(RULES), LATE_KEPT * 2, RING * (1 + joints), len(JOINT_RULES) * joints]
        nbytes = 8 * sum(sizes)
        # the child, spawned by the parent, shares its resource tracker: only the parent unlinks
        self.shm = shared_memory.SharedMemory(
            name=name, create=name is None, size=nbytes if name is None else 0
        )
        flat = np.ndarray(sum(sizes), np.float64, buffer=self.shm.buf)
        if name is None:
            flat[:] = 0.0
        at = np.cumsum([0] + sizes)
        self.scalars = flat[at[0] : at[1]]
        self.rules = flat[at[1] : at[2]]
        self.late = flat[at[2] : at[3]].reshape(LATE_KEPT, 2)
        self.ring = flat[at[3] : at[4]].reshape(RING, 1 + joints)
        self.joint_rules = flat[at[4] : at[5]].reshape(len(JOINT_RULES), joints)
        self._at = {k: i for i, k in enumerate(SCALARS)}

    @property
    def name(self):
        """The shared memory's name, for the child to attach."""
        return self.shm.name

    def get(self, key):
        """One scalar."""
        return float(self.scalars[self._at[key]])

    def put(self, key, value):
        """Set one scalar."""
        self.scalars[self._at[key]] = value

    # child side ------------------------------------------------------------------------------
    def after_tick(self, ctl, now, command):
        """Publish a tick's outcome: a few stores, never a wait."""
        written = int(self.get("written"))
        row = self.ring[written % RING]
        row[0] = now
        row[1:] = np.nan if command is None else command
        self.put("written", written + 1)  # after the row: the parent reads rows below this count
        if ctl.late_tick_count != self.get("late_count"):
            for k in range(int(self.get("late_count")), ctl.late_tick_count):
                self.late[k % LATE_KEPT] = ctl.late_ticks[k - ctl.late_tick_count]
            self.put("late_count", ctl.late_tick_count)
        self.after_verb(ctl)
        if ctl.ticks % 50 == 0:  # percentiles twice a second: 0.1 ms, not every tick
            self.put("p50_ms", ctl.lateness.percentile(50) * 1e3)
            self.put("p99_ms", ctl.lateness.percentile(99) * 1e3)

    def after_verb(self, ctl):
        """Counters and safety counts (the e-stop's included) as they are now."""
        self.put("ticks", ctl.ticks)
        self.put("commands_sent", ctl.commands_sent)
        self.put("missed_ticks", ctl.pacer.missed if ctl.pacer else 0)
        self.put("estop", float(ctl.safety.estopped))
        counts = ctl.safety.counts
        for i, rule in enumerate(RULES):
            self.rules[i] = counts.get(rule, 0)
        for i, rule in enumerate(JOINT_RULES):
            self.joint_rules[i] = ctl.safety.joint_counts[rule]

    # parent side -----------------------------------------------------------------------------
    def stats(self):
        """As Controller.stats(), read from the board (a torn read is one tick off, no worse)."""
        late_count = int(self.get("late_count"))
        late = [
            list(map(float, self.late[k % LATE_KEPT]))
            for k in range(max(0, late_count - LATE_KEPT), late_count)
        ]
        return {
            "ticks": int(self.get("ticks")),
            "commands_sent": int(self.get("commands_sent")),
            "missed_ticks": int(self.get("missed_ticks")),
            "period_error_p50_ms": self.get("p50_ms"),
            "period_error_p99_ms": self.get("p99_ms"),
            "ticks_late_over_1ms": late_count,
            "late_ticks": late,
            "safety": {rule: int(n) for rule, n in zip(RULES, self.rules, strict=True) if n},
            "safety_by_joint": by_joint(
                dict(zip(JOINT_RULES, self.joint_rules, strict=True)), self.joint_names
            ),
            "estop": bool(self.get("estop")),
        }

    def close(self, unlink=False):
        """Detach (and remove, from the side that created it)."""
        self.scalars = self.rules = self.late = self.ring = self.joint_rules = None
        self.shm.close()
        if unlink:
            self.shm.unlink()
