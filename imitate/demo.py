"""`imitate demo`: the main job on the simulated robot.

Today it shows the robot side of the pipeline: the simulated AI Worker with its scripted leader
demonstrating the pick task, every topic's live rate, and the reference success rates (scripted
leader vs blind replay). Recording, training, export and closed-loop inference join as they land.
"""


def register(sub):
    p = sub.add_parser("demo", help="the main job: the pipeline on the simulated robot")
    p.add_argument("--duration", type=float, default=10.0, help="seconds to run the simulated robot (default 10)")
    p.add_argument("--episodes", type=int, default=20, help="episodes for the reference success rates")
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(handler=demo_command)


def demo_command(args):
    import argparse

    from imitate.edge.commands import sim_command
    print("imitate demo: the simulated AI Worker, its scripted leader demonstrating 'pick', live topics\n")
    common = dict(profile="sim", seed=args.seed, task="pick", camera_fps=None, image_size=[])
    sim_command(argparse.Namespace(transport="sim", leader="auto", duration=args.duration, baselines=None, **common))
    print("\nreference success rates on the pick task (a learned policy must beat the blind replay):")
    return sim_command(argparse.Namespace(transport="sim", leader="off", duration=None, baselines=args.episodes,
                                          **common))
