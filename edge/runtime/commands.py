"""`imitate run` and `imitate eval`: a policy package driving a robot (or the simulated one)."""
import json
import os
import time

from .. import messages as m
from ..policy.factory import BACKENDS, DEVICES
from ..profile import STRING
from ..sim import STATUS_TOPIC
from ..sim.baselines import (
    BlindCommander,
    EvalResult,
    LeaderCommander,
    evaluate,
    format_results,
    mean_demonstration,
)
from ..sim.robot import RESET_TOPIC
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
    p.add_argument("--time-limit", type=float, default=8.0, help="seconds an episode may take")
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
    """Closed-loop episodes with success judged by the simulated robot; prints (and writes) a report."""
    session = Session(runtime_config(args, os.environ))
    status = {}
    session.transport.subscribe(STATUS_TOPIC, STRING, lambda msg: status.update(json.loads(msg.data)))
    times = []
    try:
        session.wait_ready()
        for k in range(args.episodes):
            seed = args.seed + k
            reset_sim(session.transport, status, seed)
            if session.rollouts:
                session.rollouts.begin(session.task or "pick up the ball")
            session.loop.start()
            start = time.monotonic()
            while time.monotonic() - start < args.time_limit and not status.get("success"):
                time.sleep(0.02)
            session.loop.stop()
            if status.get("success"):
                times.append(time.monotonic() - start)
            if session.rollouts:  # the Datasets page tags the rollout with the outcome
                session.rollouts.flag("success" if status.get("success") else "failure")
                session.rollouts.end(save=True)
            print(
                f"episode {k + 1}/{args.episodes} seed {seed}: "
                f"{'success' if status.get('success') else 'failed'}",
                flush=True,
            )
    finally:
        stats = session.loop.stats()
        session.close()
    mean_t = sum(times) / len(times) if times else float("nan")
    policy_result = EvalResult(
        f"policy ({session.policy.package.policy_type})", args.episodes, len(times), mean_t
    )
    profile = session.profile
    blind = BlindCommander(mean_demonstration(profile), 100.0)
    baselines = [
        evaluate(profile, c, args.episodes, args.seed, args.time_limit) for c in (LeaderCommander(), blind)
    ]
    print(format_results([policy_result, *baselines]))
    if args.report:
        results = {
            "policy" if r is policy_result else r.name: {
                "rate": r.success_rate,
                "episodes": r.episodes,
                "mean_time_s": r.mean_time_to_success_s,
            }
            for r in (policy_result, *baselines)
        }
        backend = type(session.policy).__name__ + "/" + getattr(session.policy, "backend", "tensorrt")
        with open(args.report, "w", encoding="utf-8") as f:
            json.dump({**stats, "backend": backend, "success": results}, f, indent=1)
    print(
        f"inference p50 {stats['infer_p50_ms']:.1f} ms, p99 {stats['infer_p99_ms']:.1f} ms; loop period "
        "error "
        f"p99 {stats['period_error_p99_ms']:.2f} ms, missed ticks {stats['missed_ticks']}; safety "
        f"{stats['safety']}"
    )
    return 0


def reset_sim(transport, status, seed, timeout_s=3.0):
    """Ask the simulated robot for episode `seed` and wait until it reports it."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        transport.publish(RESET_TOPIC, STRING, m.string(str(seed)))
        stop = time.monotonic() + 0.3
        while time.monotonic() < stop:
            if status.get("seed") == seed and not status.get("success"):
                return
            time.sleep(0.02)
    raise RuntimeError("the simulated robot does not answer /sim/reset: is `imitate sim` running?")
