"""`imitate dataset info|validate|delete-episodes|merge|split`: check and edit LeRobot v3.0 datasets
(`convert`, which needs lerobot, is the trainer part's: add_verb)."""
import json


def register(sub):
    """Add `imitate dataset` and its verbs to the parser."""
    p = sub.add_parser(
        "dataset", help="check and edit datasets (info, validate, delete-episodes, merge, split)"
    )
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
    p.set_defaults(handler=dataset_command)
    _VERBS.append(verbs)


_VERBS = []  # the `dataset` verbs' subparsers, once registered


def add_verb(name, help, handler):
    """A verb of `imitate dataset` from another part (the trainer's `convert`, which needs lerobot);
    returns its parser. Call it after edge has registered its commands."""
    if not _VERBS:
        raise RuntimeError("imitate dataset is not registered yet: register edge's commands first")
    verb = _VERBS[-1].add_parser(name, help=help)
    verb.set_defaults(handler=handler)
    return verb


def dataset_command(args):
    """Run one `imitate dataset` verb; returns the exit code (1 when validate finds problems)."""
    from .dataset import tools  # lazy: pyarrow loads only when a dataset command runs

    if args.verb == "info":
        print(json.dumps(tools.info(args.dataset), indent=1))
    elif args.verb == "validate":
        problems, notes = tools.validate(args.dataset, check_videos=not args.quick)
        for line in notes:
            print(f"note: {line}")
        for line in problems:
            print(f"PROBLEM: {line}")
        print(
            f"{args.dataset}: {'valid' if not problems else f'{len(problems)} problems'} ({len(notes)} notes)"
        )
        return 1 if problems else 0
    elif args.verb == "delete-episodes":
        report = tools.delete_episodes(args.dataset, args.episodes)
        print(f"deleted episodes {report['deleted']}; {report['episodes']} remain in {args.dataset}")
    elif args.verb == "merge":
        report = tools.merge(args.sources, args.out)
        print(f"{report['episodes']} episodes merged into {args.out}")
    elif args.verb == "split":
        report = tools.split(args.dataset, args.out[0], args.out[1], args.at)
        print(f"{report['a']} episodes into {args.out[0]}, {report['b']} into {args.out[1]}")
    return 0
