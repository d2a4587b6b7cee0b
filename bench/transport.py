"""Transport benchmark: latency and loss of JointState (200 Hz) and 640x480 JPEG (30 Hz), side by side.

    .venv/bin/python bench/transport.py [--seconds 10] [--only dds zenoh ...]

Two processes over loopback for each of: dds (Cyclone DDS both sides), ros2 (rclpy on Fast DDS both
sides), dds>ros2 (Cyclone talker, rclpy listener), zenoh (through a router this script starts, as
rmw_zenohd); sim: two threads over the in-process bus. Targets: DDS p99 <= 1 ms for JointState and
no loss (DESIGN.md); zenoh p99 <= 1 ms and no loss (issue "Reach a real AI Worker").
"""
import argparse
import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import wire_peer  # noqa: E402

from imitate.edge.transport import make_transport  # noqa: E402
from imitate.edge.transport.sim_transport import SimBus  # noqa: E402
from imitate.edge.transport.zenoh_config import router_config

ENV = dict(os.environ, ROS_AUTOMATIC_DISCOVERY_RANGE="LOCALHOST", IMITATE_DDS_SCOPE="localhost")


def run_pair(talker, listener_transport, seconds):
    """The wire peer talking on `talker` in one process, listening on `listener_transport` in another."""
    listener = subprocess.Popen(
        [sys.executable, wire_peer.__file__, "listen", str(seconds + 20), listener_transport],
        stdout=subprocess.PIPE,
        text=True,
        env=ENV,
    )
    time.sleep(2.0)
    sent = json.loads(
        subprocess.run(
            [sys.executable, wire_peer.__file__, "talk", str(seconds), talker],
            capture_output=True,
            text=True,
            check=True,
            env=ENV,
        ).stdout
    )
    return sent, json.loads(listener.communicate()[0])


def run_zenoh(seconds):
    import zenoh


    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    router = zenoh.open(router_config(f"tcp/127.0.0.1:{port}"))
    ENV["ZENOH_CONFIG_OVERRIDE"] = (
        f'connect/endpoints=["tcp/127.0.0.1:{port}"];listen/endpoints=["tcp/127.0.0.1:0"]'
    )
    try:
        return run_pair("zenoh", "zenoh", seconds)
    finally:
        router.close()


def run_sim(seconds):
    bus = SimBus()
    with make_transport("sim", bus=bus) as rx, make_transport("sim", bus=bus) as tx:
        box = {}
        thread = threading.Thread(target=lambda: box.update(wire_peer.listen(rx, seconds + 20)))
        thread.start()
        sent = wire_peer.talk(tx, seconds)
        thread.join()
    return sent, box


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--only", nargs="*", help="some of: dds ros2 dds>ros2 zenoh sim")
    args = parser.parse_args()
    runs = {
        "dds": lambda s: run_pair("dds", "dds", s),
        "ros2": lambda s: run_pair("ros2", "ros2", s),
        "dds>ros2": lambda s: run_pair("dds", "ros2", s),
        "zenoh": run_zenoh,
        "sim": run_sim,
    }
    print(f"{'transport':<10} {'stream':<26} {'p50 ms':>8} {'p99 ms':>8} {'sent':>6} {'recv':>6} {'loss':>6}")
    for name in args.only or runs:
        sent, got = runs[name](args.seconds)
        for key, label, lat in (
            ("joint_states", "JointState 200 Hz", "js"),
            ("images", "JPEG 640x480 30 Hz", "img"),
        ):
            loss = 1 - got[key] / sent[key]
            print(
                f"{name:<10} {label:<26} {got[lat + '_p50_ms']:8.3f} {got[lat + '_p99_ms']:8.3f} "
                f"{sent[key]:6d} {got[key]:6d} {loss:6.1%}",
                flush=True,
            )


if __name__ == "__main__":
    main()
