"""Simulated-robot camera cost: render and JPEG-encode time per frame, per camera, one core.

    .venv/bin/python bench/sim_render.py

Target (issue 3): rendering <= 5 ms per frame per camera at the default sizes. The arm moves
between frames, so the wrist cameras pay their full cost (the head camera reuses its table).
"""
import time

import cv2
import numpy as np

from imitate.edge.profile import load_profile
from imitate.edge.sim import SimWorld
from imitate.edge.sim.baselines import LeaderCommander

cv2.setNumThreads(1)


def main(frames=200):
    world = SimWorld(load_profile("sim"))
    world.reset(1)
    leader = LeaderCommander()
    leader.start(world, 1)
    snaps = []
    for i in range(frames):  # states along a real demonstration, 1/30 s apart
        world.command(world.profile.joint_names, leader.targets(i / 30))
        for _ in range(3):
            world.step(1 / 90)
        snaps.append(world.snapshot())
    print(f"{'camera':<12} {'size':>9} {'render ms p50':>14} {'p99':>7} {'jpeg ms p50':>12} {'p99':>7}")
    for name, cam in world.cameras.items():
        render_ms, jpeg_ms = [], []
        for snap in snaps:
            t0 = time.perf_counter()
            img = world.render(name, snap)
            t1 = time.perf_counter()
            cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, 90])
            render_ms.append((t1 - t0) * 1e3)
            jpeg_ms.append((time.perf_counter() - t1) * 1e3)
        print(
            f"{name:<12} {cam.width:>4}x{cam.height:<4} {np.median(render_ms):14.2f} "
            f"{np.percentile(render_ms, 99):7.2f} "
            f"{np.median(jpeg_ms):12.2f} {np.percentile(jpeg_ms, 99):7.2f}"
        )


if __name__ == "__main__":
    main()
