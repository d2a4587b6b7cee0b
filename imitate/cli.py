"""The `imitate` command: one entry point, a subcommand per stage.

Each part registers its own subcommands (`<part>/commands.py: register(subparsers)`); handlers import
their heavy libraries (torch, lerobot, flask) only when they run, so `imitate --help` stays instant.
"""
import argparse
import importlib
import logging
import os
import sys

from . import __version__
from .edge.profile import set_user_dir

PARTS = ("imitate.edge.commands", "imitate.trainer.commands", "imitate.export.commands",
         "imitate.gui.commands", "imitate.hub.commands", "imitate.demo")


def build_parser():
    """The argument parser with every part's subcommands."""
    parser = argparse.ArgumentParser(
        prog="imitate", description="Imitation learning for ROS 2 robots: record, train, export, run.")
    parser.add_argument("--version", action="version", version=f"imitate {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug messages")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in PARTS:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as err:
            if err.name != name:  # the part exists but one of its imports is missing: say which
                raise
            continue  # that part is not built yet
        module.register(sub)
    return parser


def main(argv=None):
    """Parse arguments, configure logging, run the subcommand; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s", datefmt="%H:%M:%S")
    set_user_dir(os.environ.get("IMITATE_PROFILE_DIR"))  # the user's own robot profiles
    if not getattr(args, "handler", None):
        parser.print_help()
        return 0
    try:
        return args.handler(args) or 0
    except KeyboardInterrupt:
        return 130
    except (ValueError, RuntimeError, OSError) as err:  # expected failures: one clear line
        if args.verbose:
            raise
        print(f"imitate {args.command}: error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
