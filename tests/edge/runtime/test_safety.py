"""Every rule of the safety filter, each driven by a test."""
import numpy as np
import pytest

from imitate.edge.profile import load_profile
from imitate.edge.runtime.safety import SafetyConfig, SafetyFilter, by_joint

PROFILE = load_profile("sim")
J = len(PROFILE.joint_names)
DT = 0.01
HOME = np.zeros(J)


def started(now=0.0):
    f = SafetyFilter(PROFILE)
    f.start(HOME, now)
    return f


def run(f, wanted, seconds, start=2.0, **kw):
    out = []
    for i in range(int(seconds / DT)):
        out.append(f.filter(wanted, start + i * DT, DT, kw.get("state_age", 0.0), kw.get("camera_age", 0.0),
                            kw.get("inference_ok", True)))
    return np.array(out)


def test_position_limits_clamp():
    f = started()
    cmds = run(f, np.full(J, 100.0), 10.0)  # the lift is slow: 0.5 m at 0.1 m/s
    hi = np.array([PROFILE.limits[n].max for n in PROFILE.joint_names])
    assert (cmds <= hi + 1e-12).all() and np.allclose(cmds[-1], hi) and f.counts["position"] > 0


def test_interventions_are_counted_per_joint_too():
    """A policy that asks an open gripper for a hair below its limit is clamped every tick: the counts
    say it is that gripper, not the arms."""
    f = started()
    wanted = HOME.copy()
    gripper = PROFILE.joint_names.index("gripper_l_joint1")
    wanted[gripper] = PROFILE.limits["gripper_l_joint1"].min - 0.01
    run(f, wanted, 2.0)
    assert f.counts["position"] == 200  # every tick of the 2 s
    assert by_joint(f.joint_counts, PROFILE.joint_names) == {"position": {"gripper_l_joint1": 200}}
    arm = PROFILE.joint_names.index("arm_r_joint2")
    wanted[arm] = 0.5  # a step: the velocity limit acts on that joint alone
    run(f, wanted, 1.0, start=4.0)
    counted = by_joint(f.joint_counts, PROFILE.joint_names)
    assert counted["position"] == {"gripper_l_joint1": 300}
    assert set(counted["velocity"]) | set(counted.get("acceleration", {})) == {"arm_r_joint2"}


def test_a_step_is_limited_in_velocity_and_acceleration():
    f = started()
    cmds = run(f, np.full(J, 0.5), 8.0)
    vmax = np.array([PROFILE.limits[n].velocity for n in PROFILE.joint_names])
    amax = np.array([PROFILE.limits[n].acceleration for n in PROFILE.joint_names])
    speed = np.diff(cmds, axis=0) / DT
    assert (np.abs(speed) <= vmax + 1e-9).all()
    assert (
        np.abs(np.diff(speed, axis=0)) / DT <= amax * 1.05
    ).all()  # the last tick lands on the target exactly
    hi = np.array([PROFILE.limits[n].max for n in PROFILE.joint_names])
    assert np.allclose(cmds[-1], np.minimum(0.5, hi), atol=1e-3)  # arrives, without overshoot past a limit
    assert f.counts["velocity"] > 0 or f.counts["acceleration"] > 0


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_nan_and_inf_are_never_published(bad):
    f = started()
    run(f, np.full(J, 0.1), 0.5)
    wanted = np.full(J, 0.1)
    wanted[3] = bad
    before = f._last.copy()
    cmd = f.filter(wanted, 3.0, DT, 0.0)
    assert np.all(np.isfinite(cmd)) and np.array_equal(cmd, before) and f.counts["not_finite"] == 1


@pytest.mark.parametrize(
    "kw,rule",
    [
        ({"state_age": 0.15}, "stale_state"),
        ({"camera_age": 0.8}, "stale_camera"),
        ({"inference_ok": False}, "inference"),
    ],
)
def test_stale_inputs_and_failed_inference_hold_the_last_command(kw, rule):
    f = started()
    run(f, np.full(J, 0.2), 1.5)
    held = f._last.copy()
    cmds = run(f, np.full(J, 1.0), 0.5, start=4.0, **kw)
    assert np.allclose(cmds, held) and f.counts[rule] == 50


def test_no_wanted_action_is_an_inference_hold():
    f = started()
    assert np.array_equal(f.filter(None, 1.0, DT, 0.0), HOME) and f.counts["inference"] == 1


def test_soft_start_ramps_from_the_current_pose_over_a_second():
    f = SafetyFilter(PROFILE)
    pose = np.full(J, 0.05)
    f.start(pose, 10.0)
    target = np.full(J, 0.15)
    cmds = np.array([f.filter(target, 10.0 + i * DT, DT, 0.0) for i in range(150)])
    assert np.allclose(cmds[0], pose, atol=0.01)
    half = cmds[50]  # half way through the ramp: half way there (within the rate limits)
    assert 0.06 < half[0] < 0.14 and f.counts["soft_start"] == 100
    with pytest.raises(ValueError, match="at least 1 s"):
        SafetyConfig(soft_start_s=0.5)


def test_estop_stops_every_command_until_cleared():
    f = started()
    run(f, np.full(J, 0.1), 1.5)
    f.estop()
    assert f.filter(np.full(J, 0.3), 5.0, DT, 0.0) is None
    pose = np.full(J, 0.07)
    f.clear_estop(pose, 6.0)
    assert np.allclose(f.filter(np.full(J, 0.3), 6.0, DT, 0.0), pose, atol=0.01)  # soft start again
