"""`imitate zenoh-router`: a Zenoh router where no ROS 2 is installed (what `rmw_zenohd` is on a robot),
so `--transport zenoh` works on a laptop or in CI. On the robot, ROS 2's own router is already up."""
import signal
import threading


def register(sub):
    p = sub.add_parser(
        "zenoh-router", help="a Zenoh router, as rmw_zenohd (for --transport zenoh without ROS 2)"
    )
    p.add_argument(
        "--listen",
        default="tcp/127.0.0.1:7447",
        help="endpoint to listen on (default tcp/127.0.0.1:7447, rmw_zenoh's; loopback only)",
    )
    p.set_defaults(handler=zenoh_router_command)


def zenoh_router_command(args):
    """Run the router until SIGTERM or Ctrl-C; returns 0."""
    try:
        import zenoh  # lazily: the zenoh extra
    except ImportError:
        raise RuntimeError("the zenoh router needs the zenoh extra: pip install 'imitate[zenoh]'") from None
    from .transport.zenoh_config import router_config  # lazy: loaded only when the router runs

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    session = zenoh.open(router_config(args.listen))
    print(f"zenoh router {session.info.zid()} listening on {args.listen}; Ctrl-C stops it", flush=True)
    stop.wait()
    session.close()
    return 0
