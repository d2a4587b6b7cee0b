"""`imitate dataset info|validate|delete-episodes|merge|split|convert`: check and edit LeRobot v3.0
datasets, and convert v2.1 ones."""
import json


def register(sub):
    """Add `imitate dataset` and its verbs to the parser."""
    p = sub.add_parser("dataset", help="check and edit datasets (info, validate, delete-episodes, merge, split)")
    verbs = p.add_subparsers(dest="verb", metavar="VERB", required=True)
    v = verbs.add_parser("info", help="episodes, frames, tasks, cameras, size")
    v.add_argument("dataset")
    v = verbs.add_parser("validate", help="what lerobot needs, plus imitate's drop flags")
    v.add_argument("dataset")
    v.add_argument("--quick", action="store_true", help="skip counting video frames")
    v = verbs.add_parser("delete-episodes", help="remove episodes (the rest are renumbered; safe rewrite)")
    v.add_argument("dataset")
    v.add_argument("episodes", type=int, nargs="+")
    v = verbs.add_parser("merge", help="a new dataset with every episode of several")
    v.add_argument("sources", nargs="+")
    v.add_argument("--out", required=True)
    v = verbs.add_parser("split", help="two new datasets: episodes before AT, and from AT on")
    v.add_argument("dataset")
    v.add_argument("--at", type=int, required=True, help="first episode of the second dataset")
    v.add_argument("--out", nargs=2, required=True, metavar=("FIRST", "SECOND"))
    v = verbs.add_parser("convert", help="a LeRobot v2.1 dataset to v3.0 in place (lerobot's converter, offline; "
                                         "the original kept as DIR_old)")
    v.add_argument("dataset")
    p.set_defaults(handler=dataset_command)


def dataset_command(args):
    """Run one `imitate dataset` verb; returns the exit code (1 when validate finds problems)."""
    from .dataset import tools
    if args.verb == "info":
        print(json.dumps(tools.info(args.dataset), indent=1))
    elif args.verb == "validate":
        problems, notes = tools.validate(args.dataset, check_videos=not args.quick)
        for line in notes:
            print(f"note: {line}")
        for line in problems:
            print(f"PROBLEM: {line}")
        print(f"{args.dataset}: {'valid' if not problems else f'{len(problems)} problems'} ({len(notes)} notes)")
        return 1 if problems else 0
    elif args.verb == "delete-episodes":
        report = tools.delete_episodes(args.dataset, args.episodes)
        print(f"deleted episodes {report['deleted']}; {report['episodes']} remain in {args.dataset}")
    elif args.verb == "merge":
        report = tools.merge(args.sources, args.out)
        print(f"{report['episodes']} episodes merged into {args.out}")
    elif args.verb == "convert":
        from .dataset.convert import convert_v21
        root, old = convert_v21(args.dataset)
        print(f"{root}: converted to LeRobot v3.0 and loaded; the v2.1 original is kept at {old} (delete it when done)")
    elif args.verb == "split":
        report = tools.split(args.dataset, args.out[0], args.out[1], args.at)
        print(f"{report['a']} episodes into {args.out[0]}, {report['b']} into {args.out[1]}")
    return 0
