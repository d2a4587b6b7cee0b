"""Transport benchmark: latency and loss of JointState (200 Hz) and 640x480 JPEG (30 Hz), dds vs sim.

    .venv/bin/python bench/transport.py [--seconds 10]

dds: two processes over loopback Cyclone DDS (the ROS 2 wire). sim: two threads over the in-process
bus. Target (DESIGN.md): DDS p99 <= 1 ms for JointState, no loss.
"""
import argparse
import json
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import wire_peer  # noqa: E402

from imitate.edge.transport import make_transport  # noqa: E402
from imitate.edge.transport.sim_transport import SimBus  # noqa: E402


def run_dds(seconds):
    listener = subprocess.Popen([sys.executable, wire_peer.__file__, "listen", str(seconds + 20)],
                                stdout=subprocess.PIPE, text=True)
    time.sleep(2.0)
    sent = json.loads(subprocess.run([sys.executable, wire_peer.__file__, "talk", str(seconds)],
                                     capture_output=True, text=True, check=True).stdout)
    return sent, json.loads(listener.communicate()[0])


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
    args = parser.parse_args()
    print(f"{'transport':<10} {'stream':<26} {'p50 ms':>8} {'p99 ms':>8} {'sent':>6} {'recv':>6} {'loss':>6}")
    for name, run in (("dds", run_dds), ("sim", run_sim)):
        sent, got = run(args.seconds)
        for key, label, lat in (("joint_states", "JointState 200 Hz", "js"), ("images", "JPEG 640x480 30 Hz", "img")):
            loss = 1 - got[key] / sent[key]
            print(f"{name:<10} {label:<26} {got[lat + '_p50_ms']:8.3f} {got[lat + '_p99_ms']:8.3f} "
                  f"{sent[key]:6d} {got[key]:6d} {loss:6.1%}", flush=True)


if __name__ == "__main__":
    main()
