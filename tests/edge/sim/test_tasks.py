"""The simulated robot's three tasks: each is solved by its scripted leader, only by looking, and
fails for a blind replay or an arm that does not move."""

import json
import subprocess
import sys
import time

import numpy as np
import pytest

from imitate.edge import messages as m
from imitate.edge.profile import load_profile
from imitate.edge.sim import SimRobot, SimWorld
from imitate.edge.sim.baselines import (
    BlindCommander,
    LeaderCommander,
    baselines,
    evaluate,
    format_results,
    mean_demonstration,
    tiny_world,
)
from imitate.edge.sim.leader import ScriptedLeader
from imitate.edge.sim.robot import parse_reset
from imitate.edge.sim.scene import OBJECT_RADIUS, TABLE_Z
from imitate.edge.sim.tasks import TASKS, episode_task, task_for_text
from imitate.edge.sim.tasks.avoid import POST_COLOR, POST_HEIGHT, AvoidScene
from imitate.edge.sim.tasks.place import BIN_COLOR, BIN_RADIUS, PlaceScene
from imitate.edge.transport import make_transport
from imitate.edge.transport.sim_transport import SimBus

PROFILE = load_profile("sim")
SIDES = ("left", "right")


class FrozenCommander:
    """An arm that never moves from home."""

    name = "frozen arm"

    def start(self, world, seed):
        self.home = world.home.copy()

    def targets(self, t):
        return self.home


class DirectCommander(LeaderCommander):
    """The avoid leader without its detour: straight at the mark, as if it did not see the post."""

    name = "direct"

    def start(self, world, seed):
        self._leader = ScriptedLeader(world, np.random.default_rng(seed))
        self._leader.keys = world.scene.demonstration(world, np.random.default_rng(seed), detour=False).keys


@pytest.mark.parametrize("task", ["place", "avoid", "pick"])
def test_leader_always_succeeds_where_a_blind_replay_and_a_frozen_arm_fail(task):
    leader = evaluate(PROFILE, LeaderCommander(), episodes=20, seed=3000, task=task)
    blind = evaluate(
        PROFILE, BlindCommander(mean_demonstration(PROFILE, 20, task=task), 100.0), 20, 3000, task=task
    )
    frozen = evaluate(PROFILE, FrozenCommander(), episodes=20, seed=3000, task=task)
    print("\n" + format_results([leader, blind, frozen]))
    assert leader.success_rate == 1.0
    assert blind.success_rate <= 0.3
    assert frozen.successes == 0


def test_avoid_post_stands_in_the_way():
    """Going straight at the mark touches the post in most episodes, and a touch fails for good."""
    direct = evaluate(PROFILE, DirectCommander(), episodes=30, seed=4000, task="avoid")
    assert direct.success_rate <= 0.3, format_results([direct])
    world = tiny_world(PROFILE, "avoid")
    touched = 0
    for seed in range(4000, 4030):
        world.reset(seed)
        commander = DirectCommander()
        commander.start(world, seed)
        while world.time_s < 4.0 and not world.scene.failed:
            world.command(PROFILE.joint_names, commander.targets(world.time_s))
            world.step(0.01)
        touched += world.scene.failed
        if world.scene.failed:
            for _ in range(300):  # on to the mark after the touch: still failed
                world.command(PROFILE.joint_names, commander.targets(world.time_s))
                world.step(0.01)
            assert not world.scene.success and world.scene.touched_by == world.scene.nearer_side()
    assert touched >= 21


def arms_at(world, side, tip):
    """Both arms at home, except `side`'s hand moved so that its tip is at `tip` (pointing down)."""
    arms = {s: world.arm(s) for s in SIDES}
    (shoulder, elbow, wrist, old_tip), rot = arms[side]
    shift = np.asarray(tip) - old_tip
    arms[side] = ((shoulder, elbow, wrist + shift, old_tip + shift), rot)
    return arms


def test_place_counts_only_a_ball_released_in_the_bin():
    world = tiny_world(PROFILE, "place")
    scene = PlaceScene(1, np.array([0.40, 0.10, TABLE_Z + OBJECT_RADIUS]), "red", (0.42, -0.10))
    world.scene = scene
    shut, open_ = {s: 1.0 for s in SIDES}, {s: 0.0 for s in SIDES}
    scene.step(arms_at(world, "left", scene.object_pos), shut)  # grasped
    assert scene.held_by == "left" and not scene.success
    over_bin = np.array([0.43, -0.09, TABLE_Z + 0.08])
    scene.step(arms_at(world, "left", over_bin), shut)  # carried over the bin, still held
    assert not scene.success
    scene.step(arms_at(world, "left", over_bin), open_)  # released: it lands in the bin
    assert scene.success and world.scene.status()["in_bin"]
    assert np.linalg.norm(scene.object_pos[:2] - scene.bin_xy) < BIN_RADIUS
    outside = PlaceScene(2, np.array([0.40, 0.10, TABLE_Z + OBJECT_RADIUS]), "red", (0.42, -0.10))
    outside.step(arms_at(world, "left", outside.object_pos), shut)
    outside.step(arms_at(world, "left", [0.42, -0.10 + BIN_RADIUS + 0.01, TABLE_Z + 0.08]), open_)
    assert not outside.held_by and not outside.success  # dropped beside the bin


def test_a_ball_scene_says_how_near_a_gripper_came():
    """What an evaluation prints of a failed episode: the closest a fingertip came to the ball."""
    world = tiny_world(PROFILE, "pick")
    scene = world.scene
    open_ = {s: 0.0 for s in SIDES}
    assert scene.status()["nearest_m"] is None  # nothing has moved yet
    beside = scene.object_pos + np.array([0.0, 0.05, 0.0])
    scene.step(arms_at(world, "left", beside), open_)
    scene.step(arms_at(world, "left", beside + [0.0, 0.05, 0.0]), open_)  # moved away again
    assert scene.status()["nearest_m"] == pytest.approx(0.05, abs=1e-4)
    assert scene.status()["lifted_m"] == 0.0 and not scene.held_by


def test_avoid_touch_is_the_hand_below_the_posts_top():
    world = tiny_world(PROFILE, "avoid")
    scene = AvoidScene(1, (0.50, 0.05), (0.42, 0.14))
    world.scene = scene
    grip = {s: 0.0 for s in SIDES}
    scene.step(arms_at(world, "left", [0.42, 0.14, TABLE_Z + POST_HEIGHT + 0.15]), grip)  # high above it
    assert not scene.failed
    scene.step(arms_at(world, "left", [0.50, 0.05, TABLE_Z + 0.03]), grip)  # on the mark, clear of it
    assert scene.success
    scene.step(arms_at(world, "left", [0.43, 0.15, TABLE_Z + 0.10]), grip)  # into the post
    assert scene.failed and not scene.success and scene.touched_by == "left"


@pytest.mark.parametrize("task", ["place", "avoid"])
def test_the_objects_are_only_in_the_images(task):
    """Another seed moves the task's objects in the head camera's image; the joint state stays."""
    world = SimWorld(PROFILE, task=task)
    world.reset(1)
    q1, image1 = world.q.copy(), world.render("cam_head")
    world.reset(2)
    q2, image2 = world.q.copy(), world.render("cam_head")
    assert np.array_equal(q1, q2)
    assert (np.abs(image1.astype(int) - image2).max(axis=2) > 40).sum() > 200


def test_mixed_takes_the_tasks_by_turns():
    world = tiny_world(PROFILE, "mixed")
    seen = []
    for seed in range(6):
        world.reset(seed)
        seen.append(world.scene.name)
    assert seen == ["pick", "place", "avoid"] * 2 == [episode_task("mixed", s) for s in range(6)]
    world.reset(7, "avoid")  # a named task wins over the world's
    assert world.scene.name == "avoid"
    with pytest.raises(ValueError, match="expected one of pick, place, avoid, mixed"):
        world.reset(1, "stack")


def test_instructions_map_to_tasks():
    for name, scene in TASKS.items():
        assert task_for_text(scene.text) == name and task_for_text(name.upper()) == name
    assert task_for_text("Put the red ball into the bin, please") == "place"
    assert task_for_text("reach the target, mind the obstacle") == "avoid"
    assert task_for_text("fold the towel") is None and task_for_text(None) is None


def test_reset_request_names_seed_task_or_both():
    assert parse_reset("") == (None, None)
    assert parse_reset("17") == (17, None)
    assert parse_reset("place 17") == (17, "place") == parse_reset("17 place")
    with pytest.raises(ValueError, match="expected a seed, a task"):
        parse_reset("stack 3")


def test_sim_reset_over_the_transport_sets_the_task():
    bus = SimBus()
    robot = SimRobot(PROFILE, make_transport("sim", bus=bus), seed=5, leader=False, task="pick").start()
    client = make_transport("sim", bus=bus)
    box = {}
    client.subscribe(
        "/sim/status", "std_msgs/msg/String", lambda msg: box.__setitem__("s", json.loads(msg.data))
    )
    try:
        client.publish("/sim/reset", "std_msgs/msg/String", m.string("avoid 21"))
        deadline = time.monotonic() + 5
        while box.get("s", {}).get("seed") != 21 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert box["s"]["task"] == "avoid" and box["s"]["failed"] is False and box["s"]["reached"] is False
        client.publish("/sim/reset", "std_msgs/msg/String", m.string("stack"))  # refused, nothing changes
        time.sleep(0.3)
        assert robot.status()["seed"] == 21 and robot.status()["task"] == "avoid"
        duration = robot.demonstrate()
        deadline = time.monotonic() + duration + 3
        while not robot.success and time.monotonic() < deadline:
            time.sleep(0.05)
        assert robot.success, robot.status()
    finally:
        robot.stop()
        client.close()
        robot.transport.close()


def test_sim_baselines_per_task():
    results = baselines(PROFILE, "mixed", episodes=4, seed=50)
    assert [(r.task, r.name) for r in results] == [
        (t, n) for t in ("pick", "place", "avoid") for n in ("scripted leader", "blind replay")
    ]
    assert all(r.success_rate == 1.0 for r in results if r.name == "scripted leader")


def colour_pixels(rgb, bgr, tolerance=20):
    """How many pixels of an RGB image are within `tolerance` of a BGR colour."""
    return int((np.abs(rgb.astype(int) - np.array(bgr[::-1])).max(axis=2) <= tolerance).sum())


@pytest.mark.slow
def test_a_mixed_recording_has_each_episodes_task_and_scene(tmp_path):
    """`imitate record` with the three tasks' texts: the recorder takes them by turns, the simulated
    operator sets up each one's scene, and lerobot loads the task of every episode."""
    lerobot_dataset = pytest.importorskip("lerobot.datasets.lerobot_dataset", reason="lerobot not installed")

    root = tmp_path / "mixed"
    texts = [TASKS[t].text for t in ("pick", "place", "avoid")]
    subprocess.run(
        [sys.executable, "-m", "imitate.cli", "record", "--transport", "sim", "--dataset", str(root),
         *[arg for text in texts for arg in ("--task", text)], "--episodes", "3", "--episode-time", "12",
         "--reset-time", "0.5"],
        check=True,
        capture_output=True,
        timeout=180,
    )  # fmt: skip
    ds = lerobot_dataset.LeRobotDataset("local/mixed", root=root, video_backend="pyav")
    assert ds.num_episodes == 3 and list(ds.meta.tasks.index) == texts
    starts = [int(ds.meta.episodes[k]["dataset_from_index"]) for k in range(3)]
    for episode, start in enumerate(starts):
        first = ds[start]
        assert first["task_index"].item() == episode and first["task"] == texts[episode]
        head = (
            (first["observation.images.cam_head"].numpy().transpose(1, 2, 0) * 255).round().astype(np.uint8)
        )
        has_bin, has_post = colour_pixels(head, BIN_COLOR) > 100, colour_pixels(head, POST_COLOR) > 100
        assert (has_bin, has_post) == ((False, False), (True, False), (False, True))[episode], episode
