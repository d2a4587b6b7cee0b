"""`imitate demo`: the whole pipeline on the simulated robot, each stage through its real command.

1. record demonstrations from the simulated AI Worker and its scripted leader (the real recorder)
2. validate the dataset with lerobot 0.4.4 and plot every episode's joints
3. train ACT with the cpu_small preset (a GPU if there is one)
4. export a policy package, parity proven (a TensorRT engine too, where TensorRT is installed)
5. run it in closed loop on the simulated robot and measure success beside the baselines
6. print a summary table, and keep the page up until Ctrl-C (on a terminal, without --quick)
The control page runs the whole time (`imitate serve` on the simulated robot, WORKDIR as its data
folder): the recording happens through it, live; the training run, the package and the dataset
appear on it as they are made.
"""
import importlib.util
import json
import os
import random
import sys
import time
from pathlib import Path


def register(sub):
    """Add `imitate demo` to the parser."""
    p = sub.add_parser("demo", help="the main job: the whole pipeline on the simulated robot")
    p.add_argument("--episodes", type=int, default=40, help="demonstrations to record (default 40)")
    p.add_argument("--steps", type=int, default=1000, help="training steps (default 1000)")
    p.add_argument("--eval-episodes", type=int, default=20, help="closed-loop episodes (default 20)")
    p.add_argument("--quick", action="store_true", help="a few episodes and steps, success not judged (CI)")
    p.add_argument(
        "--workdir", default="demo_run", help="where data, runs and packages go (default demo_run)"
    )
    p.add_argument(
        "--port", type=int, default=8080, help="the control page's port (default 8080, or a free one)"
    )
    p.add_argument("--open-page", action="store_true", help="open the page in the default web browser")
    p.add_argument("--no-page", action="store_true", help="record in this process, with no page")
    p.set_defaults(handler=demo_command)


def demo_command(args):
    """Run the whole pipeline on the simulated robot; returns 0."""
    # lazy: imitate.cli imports this module; the page and trainer load when the demo runs
    from imitate.cli import main

    if args.quick:
        args.episodes, args.steps, args.eval_episodes = 3, 20, 1
    work = Path(args.workdir)
    work.mkdir(parents=True, exist_ok=True)
    # the page's layout (datasets/, runs/, policies/): `imitate serve --data WORKDIR` browses it all
    data, run, package = work / "datasets" / "demo", work / "runs" / "act", work / "policies" / "act"
    report = work / "eval.json"
    summary, clock = {}, time.monotonic()

    # lazy: imitate.cli imports this module; the simulated robot's modules load when the demo runs
    from .demo_robot import SimProcess, private_domain

    domain = private_domain()
    sim = SimProcess(work / "sim.log")
    print(
        f"\n>>> the simulated AI Worker runs in its own process, as a robot does (imitate sim --transport "
        f"dds, ROS domain {domain}, loopback only; log: {work / 'sim.log'})",
        flush=True,
    )
    page = None
    try:
        page = None if args.no_page else start_page(work, args)
        summary["page"] = page.login_url if page else None
        stage("1/5 recording demonstrations from the simulated AI Worker (scripted leader, real recorder)")
        if page:
            page.record("demo", "pick up the ball", args.episodes, episode_time_s=8.0)
        else:
            _call(
                main,
                [
                    "record",
                    "--transport",
                    "dds",
                    "--dataset",
                    str(data),
                    "--task",
                    "pick up the ball",
                    "--episodes",
                    str(args.episodes),
                    "--episode-time",
                    "8",
                    "--reset-time",
                    "0.5",
                    "--codec",
                    "h264",
                    "--resume",
                ],
            )
        summary["recording"] = time.monotonic() - clock
        sim.close()
        print("the simulated robot rests until the closed loop: its cameras would take a core from training")
        run_stages(main, args, work, data, run, package, report, summary, clock, sim)
        if page and not args.quick and sys.stdin.isatty():
            print(
                f"\nthe control page stays up at {page.login_url} (Datasets, Train, Inference): Ctrl-C to "
                "stop"
            )
            try:
                page.proc.wait()
            except KeyboardInterrupt:
                pass
    finally:
        if page:
            page.close()
        sim.close()
    if not page:
        print(
            f"\nbrowse the dataset, the training run and the policy on the control page:\n"
            f"  imitate serve --transport sim --data {work}   # then open http://127.0.0.1:8080"
        )
    return 0


def start_page(work, args):
    """Start the control page on WORKDIR and say where it is."""
    # lazy: imitate.cli imports this module; the page and trainer load when the demo runs
    from .demo_page import Page, free_port

    page = Page(work, free_port(args.port), work / "page.log", transport="dds")
    print(
        f"\n>>> the control page is up: open {page.login_url}&next=/record to watch (log: "
        f"{work / 'page.log'})",
        flush=True,
    )
    if args.open_page:
        import webbrowser

        webbrowser.open(page.login_url + "&next=/record")
    return page


def run_stages(main, args, work, data, run, package, report, summary, clock, sim):
    """Stages 2 to 5 and the summary; `sim`, the simulated robot's process, is started for stage 5."""
    stage("2/5 validating the dataset with lerobot 0.4.4 and plotting the episodes")
    summary.update(validate(data, work / "episodes.png"))

    stage("3/5 training ACT (preset cpu_small)")
    t = time.monotonic()
    resume = ["--resume"] if (run / "checkpoints" / "last").exists() else []
    _call(
        main,
        [
            "train",
            "--dataset",
            str(data),
            "--output",
            str(run),
            "--preset",
            "cpu_small",
            "--steps",
            str(args.steps),
            "--save-freq",
            str(args.steps),
            *resume,
        ],
    )
    summary["training_s"] = time.monotonic() - t
    # lazy: imitate.cli imports this module; the page and trainer load when the demo runs
    from imitate.trainer.events import read_events

    losses = [e for e in read_events(run) if e["event"] == "step"]
    summary["final_loss"] = losses[-1]["loss"] if losses else float("nan")

    stage("4/5 exporting the policy package (parity against lerobot)")
    _call(main, ["export", str(run), "--out", str(package), "--dataset", str(data)])
    if importlib.util.find_spec("tensorrt"):
        _call(main, ["build-engine", str(package)])
    summary["parity"] = json.loads((package / "policy.json").read_text())["parity"]["max_abs_error"]

    sim.start()
    # the control tick on SCHED_FIFO, as the Jetson unit runs it (where permitted; else a warning says so)
    os.environ.setdefault("IMITATE_RT_PRIORITY", "50")
    seed = held_out_seed()
    stage(
        f"5/5 closed loop on the simulated robot, {args.eval_episodes} episodes on held-out scenes (seeds "
        f"{seed}..{seed + args.eval_episodes - 1}: drawn for this run, never recorded or trained on)"
    )
    _call(
        main,
        [
            "eval",
            "--transport",
            "dds",
            "--policy",
            str(package),
            "--episodes",
            str(args.eval_episodes),
            "--seed",
            str(seed),
            "--report",
            str(report),
        ],
    )
    summary["eval"] = json.loads(report.read_text())
    summary["total_s"] = time.monotonic() - clock
    summary.update(data=data, run=run, package=package, report=report, curve=run / "loss.png")
    # lazy: imitate.cli imports this module; pyarrow loads when the demo runs
    from .demo_summary import frame_drops, print_summary

    summary["drops"] = frame_drops(data)
    print_summary(summary, args.quick)


def held_out_seed():
    """The first evaluation seed: random per run, far above the recording's (0, 1, 2, ...)."""
    return random.randrange(1_000_000, 2_000_000)


def _call(main, argv):
    code = main(argv)
    if code:
        raise RuntimeError(f"`imitate {' '.join(argv)}` failed with exit code {code}")


def stage(text):
    """Print a stage's heading."""
    print(f"\n=== {text}", flush=True)


def validate(data, plot_path):
    """lerobot loads the dataset; one figure with every episode's joint trajectories."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np
    import pyarrow.parquet as pq
    from lerobot.datasets.lerobot_dataset import LeRobotDataset

    ds = LeRobotDataset("local/demo", root=data, video_backend="pyav")
    ds[len(ds) - 1]  # decode a frame of the last episode: the videos are readable
    fig, ax = plt.subplots(figsize=(7, 3.5), dpi=100)
    for path in sorted(data.glob("data/*/*.parquet")):
        state = np.array(pq.read_table(path, columns=["observation.state"])["observation.state"].to_pylist())
        ax.plot(np.arange(len(state)) / ds.fps, state[:, :8], lw=0.6, alpha=0.6)
    ax.set_xlabel("s")
    ax.set_ylabel("left arm joints, rad")
    ax.set_title(f"{ds.num_episodes} episodes")
    fig.tight_layout()
    fig.savefig(plot_path)
    plt.close(fig)
    size = sum(p.stat().st_size for p in data.rglob("*") if p.is_file())
    print(f"lerobot loads {ds.num_episodes} episodes, {len(ds)} frames; plot: {plot_path}")
    return {"episodes": ds.num_episodes, "frames": len(ds), "dataset_mb": size / 1e6}
