"""The control tick in its own process, over real DDS: commands, e-stop, listeners, a dying parent or
child."""

import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

pytest.importorskip("cyclonedds")

from imitate.edge.policy import make_policy  # noqa: E402
from imitate.edge.runtime.control_process import RING, Board, ControlSpec, ProcessTick  # noqa: E402
from imitate.edge.runtime.loop import CommandLoop, LoopConfig  # noqa: E402
from imitate.edge.runtime.safety import SafetyConfig, SafetyFilter  # noqa: E402
from imitate.edge.sampler import ObservationSampler  # noqa: E402
from imitate.edge.transport import RosEnvironment, make_transport  # noqa: E402

from .rigs import PROFILE, TRAJECTORY, TickState, robot_rig  # noqa: E402
from .test_loop_without_lerobot import assert_ticks_follow_time, run_for  # noqa: E402


@pytest.fixture
def rig():
    """The simulated robot on DDS, and a transport + sampler for the loop's side of it."""
    yield from robot_rig(make_transport("dds"), make_transport("dds"))


@pytest.fixture(params=["dds", pytest.param("ros2", marks=pytest.mark.ros2), "zenoh"])
def any_rig(request):
    """The simulated robot on DDS and the loop over DDS, or through rclpy (Fast DDS) to it; or both
    on Zenoh through the tests' router."""
    if request.param == "ros2":
        pytest.importorskip("rclpy", reason="the ROS 2 wheels: pip install 'imitate[ros2]' (x86_64)")
    robot = "dds"
    if request.param == "zenoh":
        pytest.importorskip("zenoh", reason="the zenoh extra: pip install 'imitate[zenoh]'")
        request.getfixturevalue("router")
        robot = "zenoh"
    yield from robot_rig(make_transport(robot), make_transport(request.param))


def process_loop(packages, transport, sampler):
    return CommandLoop(
        PROFILE,
        transport,
        sampler,
        make_policy(packages["act"].root, "ort-cpu"),
        SafetyFilter(PROFILE),
        LoopConfig(control="process"),
    )


@pytest.mark.realtime
def test_the_tick_runs_in_its_own_process_and_drives_the_robot(packages, any_rig):
    transport, sampler, commands = any_rig
    loop = process_loop(packages, transport, sampler)
    heard = []
    loop.listeners.append(lambda now, cmd: heard.append((now, cmd)))
    try:
        assert loop.tick.alive and loop.tick.pid != os.getpid()
        inner, outer, stats = run_for(loop, 4.0)
    finally:
        loop.close()
    print(f"\n{stats}")
    assert stats["control"] == "process"
    # every period ticked or counted missed; few missed. The child hears start and stop over a pipe, so
    # its span may trail the caller's by that latency at each end: 5 periods of slack (2 for a thread)
    assert_ticks_follow_time(inner, outer, stats, slack=5)
    assert stats["infer_p50_ms"] > 0 and stats["inference_errors"] == 0
    assert (
        stats["safety"]["soft_start"] >= 80
    )  # a 1 s ramp: ~100 ticks, the first few hold for the first chunk
    assert len(commands) >= stats["ticks"] - 20  # published by the child, received by the robot
    sent = np.array(
        [cmd for _, cmd in heard if cmd is not None]
    )  # every tick reached the listeners, in order
    assert len(heard) == stats["ticks"] and np.all(np.diff([now for now, _ in heard]) > 0)
    vmax = np.array([PROFILE.limits[n].velocity for n in PROFILE.joint_names])
    assert (
        np.abs(np.diff(sent, axis=0)) <= vmax * 0.01 + 1e-9
    ).all()  # chunks arrive over the pipe, still smooth
    assert loop.stats()["control_process"].startswith("closed")


def test_estop_through_the_process_stops_commands(packages, rig):
    transport, sampler, commands = rig
    loop = process_loop(packages, transport, sampler)
    try:
        loop.start()
        time.sleep(1.0)
        loop.estop()
        time.sleep(0.2)
        after = len(commands)
        time.sleep(1.0)
        assert len(commands) == after, "commands were published during an e-stop"
        assert loop.stats()["estop"] and loop.stats()["safety"]["estop"] == 1
        loop.clear_estop()
        time.sleep(0.5)
        assert len(commands) > after and not loop.stats()["estop"]
    finally:
        loop.close()


def test_nothing_is_sent_once_stop_returns(packages, rig):
    """As after a thread's join: a command sent after stop() would land after whatever the caller does
    next (an evaluation resets the scene, and a late command put the arm back where it was)."""
    from imitate.edge import messages as m

    transport, sampler, _ = rig
    stamps = []
    transport.subscribe(
        PROFILE.groups[1].command.topic, TRAJECTORY, lambda msg: stamps.append(m.stamp_ns(msg))
    )
    loop = process_loop(packages, transport, sampler)
    try:
        for _ in range(3):
            loop.start()
            time.sleep(0.5)
            loop.stop()
            stopped_ns = time.time_ns()
            time.sleep(0.3)  # what was in flight has arrived
            assert stamps and max(stamps) < stopped_ns, "a command was published after stop() returned"
    finally:
        loop.close()


def test_a_killed_control_process_is_reported_and_nothing_is_sent(packages, rig):
    transport, sampler, commands = rig
    loop = process_loop(packages, transport, sampler)
    try:
        loop.start()
        time.sleep(1.0)
        os.kill(loop.tick.pid, signal.SIGKILL)
        time.sleep(0.5)
        after = len(commands)
        loop.estop()  # still answers (logs), raises nothing
        time.sleep(0.5)
        assert len(commands) == after
        assert loop.stats()["control_process"] == "exited with code -9"
    finally:
        loop.close()


def test_the_child_stops_when_its_parent_is_gone(rig):
    """The pipe ends (the runtime crashed): the child stops sending, so the robot holds its last command."""
    transport, sampler, commands = rig
    spec = ControlSpec(PROFILE, "dds", ("cam_head",), SafetyConfig(), 1 / 30, 0.2, None, 1.0, 0, 0.0)
    remote = ProcessTick(spec, lambda now, cmd: None)
    remote.start()
    remote.insert(np.tile(sampler.state_now()[0], (600, 1)), time.monotonic())  # hold still for 20 s
    deadline = time.monotonic() + 10  # DDS discovery between the child's writer and the robot's reader
    while len(commands) <= 20 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(commands) > 20
    remote._conn.close()  # as if the parent had died
    remote._proc.join(timeout=10.0)  # it closes its own DDS participant first
    assert remote._proc.exitcode == 0
    after = len(commands)
    time.sleep(0.3)
    assert len(commands) == after
    remote.board.close(unlink=True)


def test_a_robot_that_does_not_publish_is_named_when_the_process_starts():
    spec = ControlSpec(
        PROFILE, "dds", ("cam_head",), SafetyConfig(), 1 / 30, 0.2, None, 1.0, 0, 0.0, ready_timeout_s=0.5,
        ros=RosEnvironment(domain_id=77),  # the child's transport takes these settings: a silent domain
    )
    with pytest.raises(RuntimeError, match="could not start: RuntimeError: waiting for state of arm_left"):
        ProcessTick(spec, lambda now, cmd: None)


def test_a_script_without_a_main_guard_is_told_what_to_do(tmp_path):
    script = tmp_path / "unguarded.py"
    script.write_text(
        "from imitate.edge.profile import load_profile\n"
        "from imitate.edge.runtime.control_process import ProcessTick, ControlSpec\n"
        "from imitate.edge.runtime.safety import SafetyConfig\n"
        "spec = ControlSpec(load_profile('sim'), 'dds', ('cam_head',), SafetyConfig(), 1 / 30, 0.2, None,"
        " 1.0, 0, 0.0, ready_timeout_s=0.5)\n"
        "ProcessTick(spec, lambda now, cmd: None)\n"
    )
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120)
    assert out.returncode != 0 and 'needs `if __name__ == "__main__":`' in out.stderr, out.stderr[-2000:]


def test_process_control_needs_a_transport_other_processes_reach(packages):
    bus_transport = make_transport("sim")
    sampler = ObservationSampler(PROFILE, bus_transport, with_action=False)
    with pytest.raises(ValueError, match="needs a transport other processes reach"):
        process_loop(packages, bus_transport, sampler)
    bus_transport.close()


def test_the_board_carries_ticks_counts_and_late_ticks():
    board = Board(("a", "b", "c"))
    reader = Board(("a", "b", "c"), name=board.name)  # as the other process attaches it
    tick = TickState()
    for k in range(RING + 10):
        tick.ticks += 1
        if k % 100 == 7:
            tick.late_tick_count += 1
            tick.late_ticks.append((float(k), 2.5))
        tick.safety.counts["velocity"] += 1
        tick.safety.joint_counts["velocity"][1:] += (1, k % 2)
        board.after_tick(tick, float(k), None if k == 3 else np.full(3, k, float))
    stats = reader.stats()
    assert stats["ticks"] == RING + 10 and stats["safety"] == {"velocity": RING + 10}
    assert stats["safety_by_joint"] == {"velocity": {"b": RING + 10, "c": (RING + 10) // 2}}
    assert stats["ticks_late_over_1ms"] == 3 and stats["late_ticks"] == [
        [7.0, 2.5],
        [107.0, 2.5],
        [207.0, 2.5],
    ]
    assert reader.get("written") == RING + 10
    newest = reader.ring[(RING + 9) % RING]
    assert newest[0] == RING + 9 and (newest[1:] == RING + 9).all()
    reader.close()
    board.close(unlink=True)
