"""The simulated robot of `imitate demo` in a process of its own, as a real robot is: `imitate sim
--transport dds`, which recording, the control page and the control process reach over DDS.

The demo gives itself a ROS domain no robot uses (a random one of 101-200, loopback discovery: the
transport's default scope), so its simulated robot never talks to a real one on this machine or
network, and two demos do not see each other. Everything the demo starts inherits it.
"""

import os
import random
import subprocess
import sys
import time

from imitate.edge.profile import STRING
from imitate.edge.sim.robot import STATUS_TOPIC
from imitate.edge.transport import make_transport

from .demo_page import stop_process


def private_domain(rng=random):
    """Set ROS_DOMAIN_ID (and loopback discovery) for this process and what it starts; returns the id."""
    domain = rng.randint(101, 200)
    os.environ["ROS_DOMAIN_ID"] = str(domain)
    os.environ["IMITATE_DDS_SCOPE"] = "localhost"
    return domain


class SimProcess:
    """`imitate sim --transport dds --leader off` in a subprocess: the recorder operates its leader.
    `close()` and `start()` again: the demo rests the robot while the policy trains, so that its
    rendering (three cameras at 30 fps) leaves both cores to training."""

    def __init__(self, log_path, timeout_s=60.0):
        self.log_path, self.timeout_s = log_path, timeout_s
        self.start()

    def start(self):
        """Start the simulated robot and wait until it is heard."""
        self._log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "imitate.cli", "sim", "--transport", "dds", "--leader", "off"],
            stdout=self._log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        self.wait_heard(self.log_path, self.timeout_s)

    def wait_heard(self, log_path, timeout_s):
        """Return once the robot's /sim/status is heard over DDS; RuntimeError if it never is."""
        heard = []
        transport = make_transport("dds")
        try:
            transport.subscribe(STATUS_TOPIC, STRING, heard.append)
            deadline = time.monotonic() + timeout_s
            while not heard:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    self.close()
                    raise RuntimeError(f"the simulated robot did not start: see {log_path}")
                time.sleep(0.2)
        finally:
            transport.close()

    def close(self):
        """Stop the simulated robot (again: nothing happens)."""
        if self.proc.poll() is None:
            stop_process(self.proc)
        self._log.close()
