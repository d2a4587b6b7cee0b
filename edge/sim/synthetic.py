"""Demonstrations of a simulated task written straight into a dataset, faster than real time.

The scripted leader drives a SimWorld step by step; each frame's images are rendered and JPEG-
encoded as the robot would send them, and go through the same DatasetWriter as a live recording.
For tests and benchmarks that need a dataset in seconds; `imitate record --transport sim` records
the same task live, through the transport and the sampler.
"""

import cv2
import numpy as np

from ..dataset import DatasetWriter
from .baselines import LeaderCommander
from .world import SimWorld

SETTLE_S = 0.5  # s recorded after a demonstration ends when `seconds` is None


def write_demonstrations(
    root,
    profile,
    episodes=3,
    seconds=5.0,
    seed=0,
    codec="h264",
    task=None,
    image_sizes=None,
    sim_task="pick",
    seeds=None,
):
    """Record `episodes` scripted demonstrations of `sim_task` (a task, or mixed: by turns) into a new
    dataset at `root`, each `seconds` long (None: as long as its demonstration, and SETTLE_S more), under
    the instruction `task` (None: the episode's task's own text). Episode k is scene `seeds[k]` if
    given (edge/sim/layout.py: spread_seeds), else `seed + k`."""
    seeds = list(seeds) if seeds is not None else [seed + k for k in range(episodes)]
    if len(seeds) < episodes:
        raise ValueError(f"{len(seeds)} seeds for {episodes} episodes: expected one seed per episode")
    world = SimWorld(profile, image_sizes=image_sizes, task=sim_task)
    writer = DatasetWriter(root, profile, codec=codec)
    fps, rate = profile.dataset_fps, profile.control_rate_hz
    for k in range(episodes):
        world.reset(seeds[k])
        leader = LeaderCommander()
        leader.start(world, seeds[k])
        writer.begin_episode(task or world.scene.text)
        action = world.q.copy()
        length_s = seconds or leader.duration_s + SETTLE_S
        for i in range(int(length_s * fps)):
            state = world.q.copy()  # observation at the frame's time, action = the leader's command then
            images = {
                c: cv2.imencode(".jpg", world.render(c), [cv2.IMWRITE_JPEG_QUALITY, 90])[1].tobytes()
                for c in world.cameras
            }
            for _ in range(ticks_before(i + 1, rate, fps) - ticks_before(i, rate, fps)):
                action = leader.targets(world.time_s)
                world.command(profile.joint_names, action)
                world.step(1.0 / rate)
            writer.add_frame(state, np.asarray(action, np.float32), images)
        writer.save_episode()
    return writer


def ticks_before(frame, rate_hz, fps):
    """Control ticks run before `frame` starts: frame k is k/fps into the episode, so at 100 Hz and
    30 fps the frames last 3, 4, 3, 3, 4, 3 ... ticks, never a constant 3 (which would record the
    scene at 33.3 fps under timestamps that say 30)."""
    return round(frame * rate_hz / fps)
