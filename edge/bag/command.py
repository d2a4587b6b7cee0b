"""`imitate import-bag BAG --profile P --dataset DIR`: a rosbag2 recording into a LeRobot v3.0 dataset."""


def register(sub):
    """Add `imitate import-bag` to the parser."""
    p = sub.add_parser("import-bag", help="convert a rosbag2 recording (MCAP or SQLite3) into a dataset")
    p.add_argument("bag", help="rosbag2 folder (metadata.yaml + .mcap or .db3 files)")
    p.add_argument("--profile", default="sim", help="the robot profile it was recorded with (default: sim)")
    p.add_argument("--dataset", required=True, help="dataset folder to write (or add to, with --resume)")
    p.add_argument("--fps", type=int, help="frames per second (default: the profile's dataset fps)")
    p.add_argument("--task", default="demonstration", help="task description of the episodes")
    p.add_argument("--episode-split", default="whole", choices=["trigger", "gap", "whole"],
                   help="trigger: the leader's buttons, as in a live session; gap: the leader silent longer "
                        "than --gap seconds ends an episode; whole: the bag is one episode (default)")
    p.add_argument(
        "--gap", type=float, default=1.0, help="seconds of leader silence that end an episode (gap)"
    )
    p.add_argument("--codec", default="av1", choices=["av1", "h264"])
    p.add_argument("--resume", action="store_true", help="add the episodes to an existing dataset")
    p.set_defaults(handler=import_bag_command)


def import_bag_command(args):
    """Import a bag and print what was converted; returns 0."""
    from ..profile import load_profile  # lazy: rosbags and pyarrow load only when a bag is imported
    from .importer import import_bag  # lazy: rosbags and pyarrow load only when a bag is imported

    report = import_bag(
        args.bag,
        load_profile(args.profile),
        args.dataset,
        fps=args.fps,
        task=args.task,
        split=args.episode_split,
        gap_s=args.gap,
        codec=args.codec,
        resume=args.resume,
    )
    for note in report.notes:
        print(f"note: {note}")
    for index, frames, task in report.episodes:
        print(f"episode {index}: {frames} frames, task {task!r}")
    if report.truncated:
        print(f"warning: {args.bag} is truncated ({report.truncated}); everything before it was converted")
    print(f"{len(report.episodes)} episodes from {args.bag} -> {args.dataset}")
    return 0
