"""What makes the demo's policy succeed within its budget: the table's first `cpu_small` ACT
(BASELINE_*) with one lever changed at a time, each trained on the same demonstrations and evaluated
on the same held-out scenes, one table.

    .venv/bin/python bench/demo_levers.py [--steps 1000] [--demos 20] [--episodes 20] [--levers a,b]
        [--layout random|spread] [--train-seed 1000] [--seed FIRST_HELD_OUT] [--profile sim]

Demonstrations are written by the scripted leader straight into a dataset (edge/sim/synthetic.py,
seeds 0 on: the scenes the demo records; `--layout spread`: scenes spread over the table,
edge/sim/layout.py). Each lever trains in this process (`imitate train`'s job,
with the preset's fields and lerobot's ACT fields changed), is exported with parity, and is evaluated
with `imitate eval --transport sim` on the same seeds, drawn at random for the run (printed) far from
the demonstrations'. The table gives each lever's training time, samples/s, final loss and success
with its 95% interval; the results go to docs/demo-levers.md by hand.
"""

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from imitate.demo_summary import wilson_interval
from imitate.edge.profile import load_profile
from imitate.edge.sim.layout import spread_seeds
from imitate.edge.sim.synthetic import write_demonstrations
from imitate.trainer.events import read_events
from imitate.trainer.loop import TrainJob, train
from imitate.trainer.presets import get_preset

# Every lever changes the recipe the table started from (cpu_small before it took the levers that
# won): head camera 96x168, ACT with its VAE, whole 30-action chunks. The `sim` profile's head camera
# is cropped since; the rows measured before that are repeated with `--profile ai_worker_bg2`.
BASELINE_FIELDS = {"image_size": (96, 168)}
BASELINE_ACT = {"use_vae": True, "n_action_steps": 30}

TODAY = ({"image_size": (64, 112)}, {"use_vae": False, "n_action_steps": 10})  # cpu_small's levers today

LEVERS = {  # name: (preset fields, lerobot ACT config fields[, `imitate eval` arguments])
    "cpu_small as is": ({}, {}),
    "cpu_small today": TODAY,
    "batch 16": ({"batch_size": 16}, {}),
    # the from-scratch backbone learns its batch norms (lerobot freezes them at the identity)
    "cpu_small today + batch norm": ({**TODAY[0], "batch_norm": True}, TODAY[1]),
    # a shorter chunk: the policy executes 10 actions of each, the far ones only cost capacity
    "cpu_small today + chunk 15": (TODAY[0], {**TODAY[1], "chunk_size": 15}),
    # today's recipe with a cosine learning-rate decay (to a tenth, after a 5% warm-up)
    "cpu_small today + cosine": ({**TODAY[0], "lr_schedule": "cosine"}, TODAY[1]),
    # an under-fitting policy (it fails a third of its own demonstrations' scenes): no dropout, or a
    # wider transformer (the backbone takes three quarters of a step, so it costs little)
    "cpu_small today + no dropout": (TODAY[0], {**TODAY[1], "dropout": 0.0}),
    "cpu_small today + dim 256": (TODAY[0], {**TODAY[1], "dim_model": 256, "dim_feedforward": 1024}),
    # with --demos 60: the 20 more demonstrations take the demo about 100 s to record, 300 steps' time
    "cpu_small today + 700 steps": ({**TODAY[0], "steps": 700}, TODAY[1]),
    # batch 16 trains more samples/s on CPU (the convolutions' backward pass is faster per sample):
    # 650 steps take about the time of 1,000 at batch 8
    "cpu_small today + batch 16 + 650 steps": ({**TODAY[0], "batch_size": 16, "steps": 650}, TODAY[1]),
    "batch 4": ({"batch_size": 4}, {}),
    "learning rate 3e-4": ({}, {"optimizer_lr": 3e-4, "optimizer_lr_backbone": 3e-4}),
    "images 64x112": ({"image_size": (64, 112)}, {}),
    "images 128x224": ({"image_size": (128, 224)}, {}),
    "head + left wrist camera": ({"cameras": ("cam_head", "cam_wrist_1")}, {}),
    "chunk 20": ({}, {"chunk_size": 20, "n_action_steps": 20}),
    "one worker process": ({"num_workers": 1}, {}),
    "images 64x112 + 2000 steps": ({"image_size": (64, 112), "steps": 2000}, {}),
    "images 64x112 + 2000 steps + chunk 20": (
        {"image_size": (64, 112), "steps": 2000},
        {"chunk_size": 20, "n_action_steps": 20},
    ),
    # ACT without its variational encoder: the decoder cannot read the demonstration's own actions
    # through the latent in training, so it has to find the ball in the image.
    "images 64x112 + no VAE": ({"image_size": (64, 112)}, {"use_vae": False}),
    "images 64x112 + no VAE + 2000 steps": ({"image_size": (64, 112), "steps": 2000}, {"use_vae": False}),
    # The same training as "images 64x112", run differently: a new chunk every 10 or 5 actions (its
    # observation newer), or ACT's temporal ensembling over chunks asked for every 2 actions.
    "images 64x112 + replan every 10": ({"image_size": (64, 112)}, {}, ("--replan-steps", "10")),
    "images 64x112 + replan every 5": ({"image_size": (64, 112)}, {}, ("--replan-steps", "5")),
    "images 64x112 + ensemble 0.01": (
        {"image_size": (64, 112)},
        {},
        ("--replan-steps", "2", "--ensemble", "0.01"),
    ),
}  # a lever's own "steps" replaces --steps; levers that differ only in how they run share one training


def lever_parts(name):
    """(preset fields, ACT fields, eval arguments) of a lever, over the baseline's."""
    fields, act, *rest = LEVERS[name]
    return {**BASELINE_FIELDS, **fields}, {**BASELINE_ACT, **act}, tuple(rest[0]) if rest else ()


def train_lever(work, data, name, steps, trained, seed=1000):
    """Train one lever, or reuse `trained`'s run of the same training; (run folder, steps, seconds,
    samples/s, final loss)."""
    fields, act, _ = lever_parts(name)
    steps = fields.get("steps", steps)
    key = repr((sorted(fields.items()), sorted(act.items()), steps))
    if key in trained:
        return trained[key]
    preset = get_preset("cpu_small")
    preset = replace(preset, **{**fields, "steps": steps, "save_freq": steps},
                     policy_overrides={**preset.policy_overrides, **act})  # fmt: skip
    run = work / (
        "run-" + "".join(c if c.isalnum() else "_" for c in name) + (f"-seed{seed}" if seed != 1000 else "")
    )
    start = time.monotonic()
    train(TrainJob(dataset=data, output=run, preset=preset, device="cpu", seed=seed))
    seconds = time.monotonic() - start
    logged = [e for e in read_events(run) if e["event"] == "step"]
    first, last = logged[1], logged[-1]  # the first steps warm up
    rate = (last["step"] - first["step"]) * preset.batch_size / (last["time"] - first["time"])
    trained[key] = run, steps, seconds, rate, logged[-1]["loss"]
    return trained[key]


def evaluate(run, data, seed, episodes, eval_args=(), profile="sim"):
    """Export (once) and evaluate in closed loop; the policy's success entry of the report."""
    package = run / "package"
    report = run / ("eval" + "".join("_" + a.strip("-") for a in eval_args) + ".json")
    cli = [sys.executable, "-m", "imitate.cli"]
    if not package.exists():
        subprocess.run([*cli, "export", str(run), "--out", str(package), "--dataset", str(data)],
                       check=True, stdout=sys.stderr)  # fmt: skip
    subprocess.run([*cli, "eval", "--transport", "sim", "--profile", profile, "--policy", str(package),
                    "--episodes", str(episodes),
                    "--seed", str(seed), "--report", str(report), *eval_args],
                   check=True, stdout=sys.stderr)  # fmt: skip
    return json.loads(report.read_text())["success"]["policy"]


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--steps", type=int, default=1000)
    p.add_argument("--demos", type=int, default=20, help="demonstrations (pick), as the demo records")
    p.add_argument("--episodes", type=int, default=20, help="closed-loop episodes per lever")
    p.add_argument("--levers", default=",".join(LEVERS), help="comma-separated lever names")
    p.add_argument("--workdir", help="keep everything here (default: a temporary folder)")
    p.add_argument(
        "--layout",
        choices=["random", "spread"],
        default="random",
        help="the demonstrations' scenes: seeds 0 on (random), or spread over the table (edge/sim/layout.py)",
    )
    p.add_argument("--train-seed", type=int, default=1000, help="the training's seed (imitate train --seed)")
    p.add_argument("--profile", default="sim", help="robot profile name or YAML file (default: sim)")
    p.add_argument(
        "--seed",
        type=int,
        help="first held-out seed, to repeat an earlier table's scenes (default: drawn at random)",
    )
    args = p.parse_args()
    names = [n.strip() for n in args.levers.split(",") if n.strip()]
    unknown = [n for n in names if n not in LEVERS]
    if unknown:
        p.error(f"unknown levers {unknown}: expected some of {', '.join(LEVERS)}")
    work = Path(args.workdir or tempfile.mkdtemp(prefix="demo-levers-"))
    work.mkdir(parents=True, exist_ok=True)
    profile = load_profile(args.profile)
    data = work / f"data-{profile.name}-{args.demos}"  # a reused workdir never mixes counts or profiles
    if args.layout == "spread":
        data = data.with_name(data.name + "-spread")
    if not data.exists():
        seeds = spread_seeds("pick", args.demos) if args.layout == "spread" else None
        write_demonstrations(data, profile, episodes=args.demos, seconds=None, seeds=seeds)
    seed = args.seed if args.seed is not None else random.randrange(1_000_000, 2_000_000)
    print(f"held-out seeds {seed}-{seed + args.episodes - 1}; {args.demos} demonstrations ({args.layout}); "
          f"work in {work}",
          flush=True)  # fmt: skip
    rows, trained = [], {}
    for name in names:
        run, steps, seconds, rate, loss = train_lever(work, data, name, args.steps, trained, args.train_seed)
        result = evaluate(run, data, seed, args.episodes, lever_parts(name)[2], args.profile)
        wins = round(result["rate"] * result["episodes"])
        low, high = wilson_interval(wins, result["episodes"])
        rows.append(f"| {name} | {steps} | {seconds:.0f} | {rate:.1f} | {loss:.3f} | "
                    f"{wins}/{result['episodes']} ({low:.0%}-{high:.0%}) |")  # fmt: skip
        print(rows[-1], flush=True)
    print("\n| lever | steps | training s | samples/s | final loss | success (95% interval) |")
    print("|---|---|---|---|---|---|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
