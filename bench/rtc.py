"""Real-time chunking vs blending, on the same SmolVLA, on the simulated robot: how chunks join.

    .venv/bin/python bench/rtc.py [--seconds 30] [--steps 200]

A tiny SmolVLA (imitate.trainer.offline_smolvla) fine-tuned `--steps` on scripted pick
demonstrations, packaged for the torch backend, then run twice in one process on the simulated robot
(the tick a thread beside inference): once with imitate's blending (0.2 s), once with --rtc
(lerobot's guidance, no blending). At every control tick the plan's raw target (before the safety
filter) and the command sent are recorded; a chunk boundary is a tick where a new chunk took over.
Printed: chunks, the largest raw-target step of any joint at a boundary and elsewhere, the same for
commands after the filter, and the filter's velocity/acceleration interventions. The policy is tiny
and barely trained: what this compares is continuity, not success (a trained SmolVLA needs a GPU).
"""

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from imitate.edge.profile import load_profile
from imitate.edge.runtime.config import LoopConfig, RuntimeConfig
from imitate.edge.runtime.session import Session
from imitate.edge.sim.synthetic import write_demonstrations
from imitate.trainer.offline_smolvla import build_vlm, save_smolvla_base

TASK = "pick up the ball"


def imitate(*args):
    subprocess.run([sys.executable, "-m", "imitate.cli", *map(str, args)], check=True, capture_output=True)


def make_package(root, steps):
    profile = load_profile("sim")
    write_demonstrations(root / "data", profile, episodes=4, seconds=3.0, task=TASK)
    base = save_smolvla_base(root / "base", build_vlm(root / "vlm"))
    imitate(
        "train",
        "--dataset",
        root / "data",
        "--output",
        root / "run",
        "--policy",
        "smolvla",
        "--init",
        base,
        "--steps",
        steps,
        "--batch-size",
        4,
        "--save-freq",
        steps,
        "--image-size",
        "48x84",
    )
    imitate("export", root / "run", "--out", root / "pkg", "--format", "torch", "--dataset", root / "data")
    return root / "pkg"


def run(package, rtc, seconds):
    loop = LoopConfig(rtc=rtc, blend_s=0.0 if rtc else 0.2, control="thread")
    config = RuntimeConfig(
        profile="sim", transport="sim", policy=str(package), backend="torch", task=TASK, loop=loop
    )
    session = Session(config)
    ticks = []  # (chunk's observation time or None, raw target, command)

    def on_tick(now, command):
        chunk = session.loop.last_chunk
        raw = session.loop.schedule.sample(now)
        if command is not None and raw is not None:
            ticks.append((chunk[1] if chunk else None, np.array(raw), np.array(command)))

    session.loop.listeners.append(on_tick)
    try:
        session.wait_ready()
        session.loop.start()
        time.sleep(seconds)
        stats = session.loop.stats()
    finally:
        session.close()
    return ticks, stats


def summarize(ticks, stats):
    chunk_of = [t[0] for t in ticks]
    raw = np.stack([t[1] for t in ticks])
    sent = np.stack([t[2] for t in ticks])
    boundary = np.array([a != b for a, b in zip(chunk_of[:-1], chunk_of[1:], strict=True)])
    raw_steps, sent_steps = (
        np.abs(np.diff(raw, axis=0)).max(axis=1),
        np.abs(np.diff(sent, axis=0)).max(axis=1),
    )
    return {
        "chunks": int(boundary.sum()),
        "raw_boundary": float(raw_steps[boundary].max()) if boundary.any() else float("nan"),
        "raw_elsewhere": float(raw_steps[~boundary].max()),
        "sent_boundary": float(sent_steps[boundary].max()) if boundary.any() else float("nan"),
        "sent_elsewhere": float(sent_steps[~boundary].max()),
        "limited": stats["safety"].get("velocity", 0) + stats["safety"].get("acceleration", 0),
        "infer_p50_ms": stats["infer_p50_ms"],
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--steps", type=int, default=200, help="fine-tuning steps of the tiny SmolVLA")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        package = make_package(Path(tmp), args.steps)
        rows = {name: summarize(*run(package, name == "rtc", args.seconds)) for name in ("blend", "rtc")}
    print(
        f"\nSmolVLA (tiny, {args.steps} steps) on the simulated robot, {args.seconds:.0f} s each (rad)"
    )
    print(
        "| joining | chunks | largest raw step at a boundary | elsewhere | sent at a boundary | elsewhere | "
        "velocity/accel. limited ticks | inference p50 ms |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for name, r in rows.items():
        print(
            f"| {name} | {r['chunks']} | {r['raw_boundary']:.4f} | {r['raw_elsewhere']:.4f} | "
            f"{r['sent_boundary']:.4f} | {r['sent_elsewhere']:.4f} | {r['limited']} | "
            f"{r['infer_p50_ms']:.0f} |"
        )


if __name__ == "__main__":
    main()
