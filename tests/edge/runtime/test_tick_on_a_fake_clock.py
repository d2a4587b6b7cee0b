"""The control tick on a fake clock: the grid, overruns, lateness, the inference timeout and the
e-stop, exactly (no wall clock). The one loop both ticks run, run_ticks(), drives it."""
import numpy as np
import pytest

from imitate.edge.clock import Pacer
from imitate.edge.runtime.control import Controller
from imitate.edge.runtime.safety import SafetyFilter
from imitate.edge.runtime.schedule import ActionSchedule
from imitate.edge.runtime.tick import control_mode, run_ticks

from ...fake_clock import FakeClock
from .rigs import PROFILE


class StillRobot:
    """A sampler whose robot stands at `pose` with fresh joint states and cameras."""

    def __init__(self, pose):
        self.pose = pose

    def state_now(self, now=None):
        return self.pose.copy(), 0.0, 0.0


class Wire:
    """A transport that keeps what the tick publishes on the first group's topic, as it is published."""

    def __init__(self, clock):
        self.clock, self.sent = clock, []

    def advertise(self, topic, msgtype):
        pass

    def publish(self, topic, msgtype, msg):
        if topic == PROFILE.groups[0].command.topic:
            self.sent.append(self.clock())


@pytest.fixture
def bench():
    """(controller, clock, times of the commands sent to the first group)."""
    clock = FakeClock()
    wire = Wire(clock)
    pose = np.zeros(len(PROFILE.joint_names))
    controller = Controller(PROFILE, wire, StillRobot(pose), SafetyFilter(PROFILE),
                            ActionSchedule(1 / 30), inference_timeout_s=0.5, clock=clock, sleep=clock.sleep)
    return controller, clock, wire.sent


def ticks_for(controller, n, work=None):
    """Run n ticks through run_ticks; work(k) runs after tick k (its time on the fake clock)."""
    done = []

    def on_tick(now, command):
        done.append((now, command))
        if work:
            work(len(done) - 1)

    run_ticks(controller, on_tick, lambda: len(done) < n)
    return done


def test_the_pacer_keeps_its_grid_and_counts_the_ticks_a_stall_missed_without_a_burst():
    clock = FakeClock(now=0.0)
    pacer = Pacer(100, clock, clock.sleep)
    assert [pacer.wait() for _ in range(3)] == pytest.approx([0.01, 0.02, 0.03])
    clock.advance(0.035)  # the work overran: the ticks due at 0.04, 0.05, 0.06 meet a clock at 0.065
    resumed = pacer.wait()
    assert pacer.missed == 2 and clock() - pacer.due_t == pytest.approx(0.025)  # one runs now, for 0.06
    assert resumed == pytest.approx(0.065)  # the grid resumes from now: no burst to catch up
    assert pacer.wait() == pytest.approx(0.075) and pacer.missed == 2
    clock.advance(0.0195)  # the tick due at 0.085 starts 9.5 ms late: run late, nothing missed
    assert pacer.wait() == pytest.approx(0.085) and pacer.missed == 2
    clock.advance(1.0)  # now 1.0945: 100 ticks were due since 0.095; one runs now, 99 are missed
    pacer.wait()
    assert pacer.missed == 2 + 99


def test_ticks_run_on_the_grid_and_a_late_one_is_kept_with_its_lateness(bench):
    controller, clock, _ = bench
    controller.begin()
    start = clock()
    done = ticks_for(controller, 200, work=lambda k: clock.advance(0.0035 if k == 99 else 0.0002))
    times = np.array([now for now, _ in done])
    assert times[0] == pytest.approx(start + 0.01)
    assert np.diff(times)[:99] == pytest.approx(0.01)  # on the grid, however long the work took
    stats = controller.stats()
    assert stats["ticks"] == 200 and stats["missed_ticks"] == 0
    # 3.5 ms of work fits in a 10 ms period: the next tick is on time
    assert stats["ticks_late_over_1ms"] == 0
    controller.pacer.wait()  # a tick that starts 1.5 ms late: the sleep came back late
    clock.advance(0.0015)
    controller.tick()
    assert controller.stats()["ticks_late_over_1ms"] == 1
    assert controller.stats()["late_ticks"][0][1] == pytest.approx(1.5, abs=0.01)
    assert controller.stats()["period_error_p99_ms"] <= 0.01 + 1e-9  # one late tick in 201 is not the p99


def test_when_the_plan_runs_out_the_last_command_is_held_and_counted(bench):
    controller, clock, sent = bench
    controller.begin()
    first = clock()
    chunk = np.linspace(0, 0.05, 10)[:, None] * np.ones(len(PROFILE.joint_names))  # 0.3 s of plan at 30 fps
    controller.schedule.insert(chunk, first, first)
    controller.chunk_arrived()
    done = ticks_for(controller, 100)  # 1 s of ticks
    commands = np.array([command for _, command in done])  # none is None: a hold sends the last command again
    moving = np.abs(np.diff(commands[:, 0])) > 1e-9
    assert moving[:25].all()  # following the plan (soft-started)
    after_plan = [k for k, (now, _) in enumerate(done) if now - first > 0.3 + 1e-6]
    assert not moving[after_plan[0] :].any()  # held where the plan ended
    assert controller.stats()["safety"]["inference"] == len(after_plan) == 70
    assert len(sent) == 100


def test_the_estop_sends_one_hold_then_nothing_until_cleared(bench):
    controller, clock, sent = bench
    controller.begin()
    controller.schedule.insert(np.zeros((300, len(PROFILE.joint_names))), clock(), clock())
    ticks_for(controller, 10)
    before = len(sent)
    controller.hold_here()
    assert len(sent) == before + 1  # commanded to where it stands
    assert ticks_for(controller, 50)[-1][1] is None
    assert len(sent) == before + 1
    controller.clear_estop()
    controller.schedule.insert(np.zeros((300, len(PROFILE.joint_names))), clock(), clock())
    ticks_for(controller, 10)
    assert len(sent) > before + 1


@pytest.mark.parametrize(
    "control, transport, expected",
    [
        ("auto", "sim", "thread"),
        ("auto", "dds", "process"),
        ("thread", "dds", "thread"),
        ("process", "ros2", "process"),
    ],
)
def test_the_control_mode_follows_the_transport(control, transport, expected):
    assert control_mode(control, transport) == expected


def test_a_process_tick_on_the_in_process_bus_is_refused_with_the_reason():
    with pytest.raises(ValueError, match="needs a transport other processes reach"):
        control_mode("process", "sim")
    with pytest.raises(ValueError, match="expected one of auto, thread, process"):
        control_mode("fast", "dds")
