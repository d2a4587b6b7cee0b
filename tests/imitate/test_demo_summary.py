"""The demo's summary: success with its 95% interval, and each camera's stale and repeated frames read
back from the dataset the recorder wrote."""

import cv2
import numpy as np
import pytest

from imitate.demo_summary import frame_drops, summary_rows, wilson_interval
from imitate.edge.dataset import DatasetWriter
from imitate.edge.profile import load_profile


@pytest.mark.parametrize(
    "wins, n, low, high",
    [(12, 20, 0.3866, 0.7812), (0, 10, 0.0, 0.2775), (10, 10, 0.7225, 1.0), (1, 1, 0.2065, 1.0)],
)
def test_the_wilson_interval_matches_its_published_values(wins, n, low, high):
    got = wilson_interval(wins, n)
    assert got == pytest.approx((low, high), abs=1e-4)


def test_no_episodes_say_nothing_about_success():
    assert wilson_interval(0, 0) == (0.0, 1.0)


def test_drops_are_counted_per_camera_and_a_frame_both_stale_and_repeated_once(tmp_path):
    profile = load_profile("sim")
    writer = DatasetWriter(tmp_path / "ds", profile, codec="h264")
    jpegs = {
        c.name: cv2.imencode(".jpg", np.zeros((c.height, c.width, 3), np.uint8))[1].tobytes()
        for c in profile.cameras
    }
    zeros = np.zeros(len(profile.joint_names), np.float32)
    for episode in range(2):
        writer.begin_episode("pick up the ball")
        for i in range(10):
            stale = ("cam_head",) if i in (1, 2, 3) else ()
            repeated = ("cam_head",) if i in (3, 4) else ("cam_wrist_1",) if episode and i == 9 else ()
            writer.add_frame(zeros, zeros, jpegs, stale=stale, repeated=repeated)
        writer.save_episode()
    writer.close()
    drops = frame_drops(tmp_path / "ds")
    assert drops["cam_head"] == (6, 4, 8, 20)  # frame 3 is both: counted once of the 8 bad ones
    assert drops["cam_wrist_1"] == (0, 1, 1, 20) and drops["cam_wrist_2"] == (0, 0, 0, 20)


def summary(rate=0.6, episodes=20):
    result = {"rate": rate, "episodes": episodes, "mean_time_s": 3.0}
    return {
        "eval": {
            "infer_p50_ms": 10.0,
            "infer_p99_ms": 12.0,
            "backend": "OrtPolicy/ort-cpu",
            "control": "process",
            "period_error_p99_ms": 0.4,
            "missed_ticks": 0,
            "ticks": 1000,
            "safety_by_joint": {
                "position": {"gripper_l_joint1": 900, "gripper_r_joint1": 500, "lift_joint": 20, "head": 3},
                "velocity": {"arm_r_joint2": 30},
            },
            "success": {"policy": result, "scripted leader": result | {"rate": 1.0}, "blind replay": result},
        },
        "episodes": 20,
        "frames": 2000,
        "dataset_mb": 9.0,
        "drops": {"cam_head": (3, 2, 5, 2000)},
        "training_s": 300,
        "final_loss": 0.1,
        "curve": "runs/act/loss.png",
        "parity": 2e-7,
        "total_s": 800,
        "data": "d",
        "run": "runs/act",
        "package": "policies/act",
        "report": "eval.json",
        "page": "http://127.0.0.1:8080/login?token=abc",
    }


def test_the_summary_says_what_a_person_wants_after_a_run():
    rows = dict(summary_rows(summary(), quick=False))
    assert rows["success: policy"] == "60% of 20 (95% interval 39%-78%)"
    assert rows["  cam_head: stale / repeated frames"] == "3 / 2 (0.2% of 2000)"
    assert rows["control loop (process) p99 period error"] == "0.40 ms, 0 missed ticks"
    assert "runs/act/loss.png" in rows["training"]
    assert rows["safety filter: ticks it acted, by joint"] == (
        "position: gripper_l_joint1 90%, gripper_r_joint1 50%, lift_joint 2% (+1 more); "
        "velocity: arm_r_joint2 3%"
    )
    assert rows["control page (while it runs)"].endswith("token=abc")
    assert rows["on a real robot"].startswith("imitate run --profile ai_worker_bg2 --transport dds --policy")
    quick = dict(summary_rows(summary(), quick=True))
    assert quick["success"].startswith("not judged") and "success: policy" not in quick
