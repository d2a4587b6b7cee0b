"""Success per simulated task: the scripted leader, the blind replay, and `cpu_small` ACT trained on
one task (single) or on all three (multi), each evaluated in closed loop on held-out seeds.

    .venv/bin/python bench/sim_tasks.py [--steps 1500] [--demos 40] [--episodes 20] [--workdir DIR]

Demonstrations are written by the scripted leader straight into datasets (edge/sim/synthetic.py,
seeds 0 on, faster than real time): `--demos` per task for each single-task policy, and a mixed
dataset of the three by turns, `--demos` of each, for the multi-task one. Every policy gets the
same preset and steps, is exported with parity, and is evaluated with `imitate eval --transport sim`
on seeds 10000 on (never demonstrated). Prints one markdown table.
"""

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from imitate.edge.profile import load_profile
from imitate.edge.sim.synthetic import write_demonstrations
from imitate.edge.sim.tasks import TASKS

EVAL_SEED = 10_000


def imitate(*argv):
    """Run an imitate command; its output goes to this process's stderr."""
    subprocess.run([sys.executable, "-m", "imitate.cli", *map(str, argv)], check=True, stdout=sys.stderr)


def train_and_eval(work, name, sim_task, episodes, args):
    """Demonstrations, training, export and closed-loop evaluation of one policy; the eval report."""
    data, run, package, report = (work / f"{name}-{kind}" for kind in ("data", "run", "pkg", "eval.json"))
    t = time.monotonic()
    write_demonstrations(data, load_profile("sim"), episodes=episodes, seconds=None, sim_task=sim_task)
    t_data = time.monotonic()
    imitate("train", "--dataset", data, "--output", run, "--preset", "cpu_small", "--steps", args.steps,
            "--save-freq", args.steps)  # fmt: skip
    t_train = time.monotonic()
    imitate("export", run, "--out", package, "--dataset", data)
    imitate("eval", "--transport", "sim", "--policy", package, "--sim-task", sim_task, "--episodes",
            args.episodes, "--seed", EVAL_SEED, "--report", report)  # fmt: skip
    print(
        f"{name}: {episodes} demonstrations in {t_data - t:.0f} s, training {t_train - t_data:.0f} s, "
        f"export and eval {time.monotonic() - t_train:.0f} s",
        file=sys.stderr,
        flush=True,
    )
    return json.loads(report.read_text())["by_task"]


def cell(result):
    return f"{result['rate']:.0%} ({round(result['rate'] * result['episodes'])}/{result['episodes']})"


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--steps", type=int, default=1500, help="training steps of every policy")
    p.add_argument("--demos", type=int, default=40, help="demonstrations per task")
    p.add_argument("--episodes", type=int, default=20, help="evaluation episodes per task")
    p.add_argument("--workdir", help="keep datasets, runs and packages here (default: a temporary folder)")
    args = p.parse_args()
    work = Path(args.workdir or tempfile.mkdtemp(prefix="sim-tasks-"))
    work.mkdir(parents=True, exist_ok=True)
    single = {task: train_and_eval(work, task, task, args.demos, args)[task] for task in TASKS}
    multi = train_and_eval(work, "mixed", "mixed", args.demos * len(TASKS), args)
    print("\n| task | scripted leader | blind replay | ACT, one task | ACT, three tasks |")
    print("|---|---|---|---|---|")
    for task in TASKS:
        m = multi[task]
        print(
            f"| `{task}` | {cell(m['scripted leader'])} | {cell(m['blind replay'])} | "
            f"{cell(single[task]['policy'])} | {cell(m['policy'])} |"
        )
    print(
        f"\n`cpu_small` ACT, {args.steps} steps each; {args.demos} demonstrations per task; "
        f"{args.episodes} episodes per task on seeds {EVAL_SEED}-{EVAL_SEED + args.episodes - 1}; "
        f"work in {work}"
    )


if __name__ == "__main__":
    main()
