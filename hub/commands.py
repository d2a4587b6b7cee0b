"""`imitate hub login|whoami|push-dataset|pull-dataset|push-policy|pull-policy`."""
import sys


def register(sub):
    """Add `imitate hub` and its verbs to the parser."""
    p = sub.add_parser("hub", help="share datasets and policies on the Hugging Face Hub")
    verbs = p.add_subparsers(dest="verb", metavar="VERB", required=True)
    verbs.add_parser("login", help="store a token in the Hub's login cache (read from the prompt or stdin)")
    verbs.add_parser("whoami", help="the account behind HF_TOKEN or the login cache")
    v = verbs.add_parser("push-dataset", help="upload a LeRobot v3.0 dataset (card, tags, v3.0 tag)")
    v.add_argument("dataset", help="dataset folder")
    v.add_argument("repo", help="USER/NAME on the Hub")
    v.add_argument("--private", action="store_true")
    v.add_argument("--tag", action="append", default=[], metavar="T", help="extra card tag (repeatable)")
    v.add_argument("--raw-bags", action="store_true", help="upload raw/ (record --raw-bag) too")
    v = verbs.add_parser("pull-dataset", help="download a dataset repo (resumes an interrupted pull)")
    v.add_argument("repo")
    v.add_argument("dataset", help="folder to download into")
    v.add_argument("--revision", help="branch, tag or commit (default: the v3.0 tag, else main)")
    v.add_argument("--include", action="append", metavar="PATTERN",
                   help="only files matching (repeatable), e.g. 'data/*' to skip the videos; meta/ always")
    v = verbs.add_parser("push-policy", help="upload a policy package or a lerobot checkpoint")
    v.add_argument("policy", help="package folder, training run, checkpoints/<step> or pretrained_model")
    v.add_argument("repo")
    v.add_argument("--private", action="store_true")
    v = verbs.add_parser("pull-policy", help="download a policy package or checkpoint")
    v.add_argument("repo")
    v.add_argument("folder")
    v.add_argument("--revision")
    p.set_defaults(handler=hub_command)


def hub_command(args):
    """Run one `imitate hub` verb; a HubError becomes one line on stderr and exit code 1."""
    from .client import HubError  # lazy: huggingface_hub loads only when a hub command runs
    try:
        return VERBS[args.verb](args)
    except HubError as err:
        print(f"imitate hub {args.verb}: {err}", file=sys.stderr)
        return 1


def login(args):
    """Read a token, check it with the Hub, store it in the Hub's login cache."""
    import getpass

    from huggingface_hub import login as store_token

    from .client import hub_api, hub_errors  # lazy: huggingface_hub loads only when a hub command runs
    token = (
        getpass.getpass("Hugging Face token (hf_...): ") if sys.stdin.isatty() else sys.stdin.readline()
    ).strip()
    if not token:
        print(
            "imitate hub login: no token given (create one at https://huggingface.co/settings/tokens)",
            file=sys.stderr,
        )
        return 1
    with hub_errors("whoami", "model"):
        name = hub_api(token).whoami()["name"]  # check it before storing it
        store_token(token=token, add_to_git_credential=False)
    print(f"logged in as {name}; the token is in the Hub's login cache, not in this project")


def whoami(args):
    """Print the account behind the token."""
    from .client import hub_api, require_login  # lazy: huggingface_hub loads only when a hub command runs

    print(require_login(hub_api()))


def push_dataset(args):
    """`hub push-dataset`."""
    from .datasets import push_dataset as push  # lazy: huggingface_hub loads only when a hub command runs

    print(
        f"pushed {args.dataset} -> "
        f"{push(args.dataset, args.repo, args.private, args.tag, raw_bags=args.raw_bags)} (tag v3.0)"
    )


def pull_dataset(args):
    """`hub pull-dataset`."""
    from .datasets import pull_dataset as pull  # lazy: huggingface_hub loads only when a hub command runs

    print(f"pulled {args.repo} -> {pull(args.repo, args.dataset, args.revision, include=args.include)}")


def push_policy(args):
    """`hub push-policy`."""
    from .policies import push_policy as push  # lazy: huggingface_hub loads only when a hub command runs

    kind, url = push(args.policy, args.repo, args.private)
    print(f"pushed {kind} {args.policy} -> {url}")


def pull_policy(args):
    """`hub pull-policy`."""
    from .policies import pull_policy as pull  # lazy: huggingface_hub loads only when a hub command runs

    print(f"pulled {args.repo} -> {args.folder} ({pull(args.repo, args.folder, args.revision)})")


VERBS = {
    "login": login,
    "whoami": whoami,
    "push-dataset": push_dataset,
    "pull-dataset": pull_dataset,
    "push-policy": push_policy,
    "pull-policy": pull_policy,
}
