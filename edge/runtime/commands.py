"""`imitate run` and `imitate eval`: a policy package driving a robot (or the simulated one)."""

import json
import os
import time

from .. import messages as m
from ..policy.factory import BACKENDS, DEVICES
from ..profile import STRING
from ..sim import STATUS_TOPIC
from ..sim.baselines import EvalResult, baselines, format_results, task_names
from ..sim.robot import RESET_TOPIC
from ..sim.tasks import CHOICES, TASKS, task_for_text
from .service import register as register_serve
from .session import Session, runtime_config


def register(sub, add_transport_args):
    """Add `imitate run` and `imitate eval` to the parser."""
    register_serve(sub, add_transport_args)
    p = sub.add_parser("run", help="run a policy package on the robot through the safety filter")
    add_transport_args(p)
    add_policy_args(p)
    p.add_argument("--record", help="store the rollout as a dataset in this folder")
    p.add_argument("--duration", type=float, help="stop after this many seconds (default: until Ctrl-C)")
    p.set_defaults(handler=run_command)

    p = sub.add_parser("eval", help="success rate of a policy on the simulated robot, beside the baselines")
    add_transport_args(p)
    add_policy_args(p)
    p.add_argument("--episodes", type=int, default=20)
    p.add_argument(
        "--sim-task",
        choices=CHOICES,
        help="the simulated task to evaluate on, or mixed: each of them, --episodes each (default: the "
        "one --task names, else pick)",
    )
    p.add_argument(
        "--time-limit", type=float, help="seconds an episode may take (default: the task's, pick 8, place 12)"
    )
    p.add_argument("--seed", type=int, default=10_000, help="seed of the first episode's scene")
    p.add_argument("--record", help="store the rollouts as a dataset in this folder")
    p.add_argument("--report", help="also write the results as JSON to this file")
    p.set_defaults(handler=eval_command)


def add_policy_args(p):
    """--policy, --backend and the loop options shared by run and eval."""
    p.add_argument("--policy", required=True, help="policy package folder (from imitate export)")
    p.add_argument("--backend", default="auto", choices=["auto", *BACKENDS])
    p.add_argument("--device", default="auto", choices=DEVICES, help="where the torch backend runs")
    p.add_argument("--task", help="the instruction a VLA policy is prompted with, e.g. 'pick up the ball'")
    p.add_argument("--ensemble", type=float, help="ACT temporal ensembling coefficient (e.g. 0.01)")
    p.add_argument(
        "--replan-steps",
        type=int,
        help="actions of each chunk executed before the next takes over (default: the package's "
        "n_action_steps)",
    )
    p.add_argument(
        "--rtc",
        action="store_true",
        help="real-time chunking (SmolVLA on the torch backend): each chunk continues the one being executed",
    )


def run_command(args):
    """Run a policy on the robot until Ctrl-C; returns 0."""
    config = runtime_config(args, os.environ)
    session = Session(config)
    try:
        session.wait_ready()
        if session.rollouts:
            session.rollouts.begin(session.task or "policy rollout")
        session.loop.start()
        print(f"running {session.policy.package.policy_type} on {config.transport}; Ctrl-C stops", flush=True)
        end = time.monotonic() + (args.duration or float("inf"))
        while time.monotonic() < end:
            time.sleep(min(1.0, max(0.0, end - time.monotonic())))
    except KeyboardInterrupt:
        pass
    finally:
        session.close()
    print(json.dumps(session.loop.stats(), indent=1))
    return 0


def eval_command(args):
    """Closed-loop episodes on each simulated task asked for, success judged by the simulated robot, beside
    the baselines; prints (and writes) a report."""
    tasks = task_names(args.sim_task or task_for_text(args.task) or "pick")
    session = Session(runtime_config(args, os.environ))
    status = {}
    session.transport.subscribe(STATUS_TOPIC, STRING, lambda msg: status.update(json.loads(msg.data)))
    policy_results = []
    try:
        session.wait_ready()
        for task in tasks:
            if session.task and len(tasks) > 1:  # a VLA is prompted with each task's own instruction
                session.loop.task = TASKS[task].text
            policy_results.append(eval_task(session, status, task, args))
    finally:
        stats = session.loop.stats()
        session.close()
    profile = session.profile
    references = baselines(profile, args.sim_task or tasks[0], args.episodes, args.seed, args.time_limit)
    print(format_results(sorted([*policy_results, *references], key=lambda r: tasks.index(r.task))))
    if args.report:
        with open(args.report, "w", encoding="utf-8") as f:
            json.dump(
                {**stats, "backend": backend_name(session.policy), **report(policy_results, references)},
                f,
                indent=1,
            )
    print(
        f"inference p50 {stats['infer_p50_ms']:.1f} ms, p99 {stats['infer_p99_ms']:.1f} ms; loop period "
        "error "
        f"p99 {stats['period_error_p99_ms']:.2f} ms, missed ticks {stats['missed_ticks']}; safety "
        f"{stats['safety']}, by joint {stats.get('safety_by_joint', {})}"
    )
    return 0


def eval_task(session, status, task, args):
    """`args.episodes` closed-loop episodes of one simulated task; its EvalResult."""
    times = []
    time_limit = args.time_limit or TASKS[task].time_limit_s
    for k in range(args.episodes):
        seed = args.seed + k
        reset_sim(session.transport, status, seed, task)
        if session.rollouts:
            session.rollouts.begin(session.loop.task or TASKS[task].text)
        session.loop.start()
        start = time.monotonic()
        while (
            time.monotonic() - start < time_limit and not status.get("success") and not status.get("failed")
        ):
            time.sleep(0.02)
        session.loop.stop()
        if status.get("success"):
            times.append(time.monotonic() - start)
        if session.rollouts:  # the Datasets page tags the rollout with the outcome
            session.rollouts.flag("success" if status.get("success") else "failure")
            session.rollouts.end(save=True)
        outcome = "success" if status.get("success") else "failed"
        print(f"episode {k + 1}/{args.episodes} {task} seed {seed}: {outcome}{_how_near(status)}", flush=True)
    mean_t = sum(times) / len(times) if times else float("nan")
    policy_type = session.policy.package.policy_type
    return EvalResult(f"policy ({policy_type})", args.episodes, len(times), mean_t, task)


def _how_near(status):
    """What a ball task's status says of the episode: how close a gripper came, how high the ball rose."""
    if status.get("nearest_m") is None:
        return ""
    return f" (nearest gripper {status['nearest_m'] * 100:.1f} cm, lifted {status['lifted_m'] * 100:.1f} cm)"


def report(policy_results, references):
    """The report's success part: over every task ("success"), and per task ("by_task")."""

    def entry(results):
        episodes = sum(r.episodes for r in results)
        successes = sum(r.successes for r in results)
        times = [r.mean_time_to_success_s * r.successes for r in results if r.successes]
        return {
            "rate": successes / episodes if episodes else 0.0,
            "episodes": episodes,
            "mean_time_s": sum(times) / successes if successes else float("nan"),
        }

    named = [("policy", r) for r in policy_results] + [(r.name, r) for r in references]
    names = dict.fromkeys(name for name, _ in named)
    tasks = dict.fromkeys(r.task for _, r in named)
    return {
        "success": {n: entry([r for name, r in named if name == n]) for n in names},
        "by_task": {
            t: {n: entry([r for name, r in named if name == n and r.task == t]) for n in names} for t in tasks
        },
    }


def backend_name(policy):
    """The policy's class and backend, as the report names it: OrtPolicy/CPUExecutionProvider, ..."""
    return type(policy).__name__ + "/" + getattr(policy, "backend", "tensorrt")


def reset_sim(transport, status, seed, task="pick", timeout_s=3.0):
    """Ask the simulated robot for episode `seed` of `task` and wait until it reports it."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        transport.publish(RESET_TOPIC, STRING, m.string(f"{task} {seed}"))
        stop = time.monotonic() + 0.3
        while time.monotonic() < stop:
            fresh = status.get("seed") == seed and status.get("task", "pick") == task
            if fresh and not status.get("success") and not status.get("failed"):
                return
            time.sleep(0.02)
    raise RuntimeError("the simulated robot does not answer /sim/reset: is `imitate sim` running?")
