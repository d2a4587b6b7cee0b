"""Test-wide settings: DDS and rclpy stay on loopback in a domain of its own; artifacts go to one folder."""
import os
import random
from pathlib import Path

import pytest

# Loopback only, and a domain id of this run's own so parallel runs on one machine never meet.
os.environ["IMITATE_DDS_SCOPE"] = "localhost"
os.environ["ROS_AUTOMATIC_DISCOVERY_RANGE"] = "LOCALHOST"  # rclpy (Fast DDS) too, never multicast beyond lo
os.environ.pop("CYCLONEDDS_URI", None)
os.environ.setdefault("ROS_DOMAIN_ID", str(random.Random(os.getpid()).randint(100, 200)))

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"


@pytest.fixture(scope="session")
def artifacts():
    """A folder for files a person may want to look at after the run (images, reports)."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def sim_dataset(tmp_path_factory):
    """Four scripted demonstrations of the simulated pick task (3 s each), written in seconds."""
    from imitate.edge.profile import load_profile
    from imitate.edge.sim.synthetic import write_demonstrations
    root = tmp_path_factory.mktemp("data") / "pick"
    write_demonstrations(root, load_profile("sim"), episodes=4, seconds=3.0)
    return root


@pytest.fixture(scope="session")
def tiny_checkpoints(sim_dataset, tmp_path_factory):
    """{policy: training run folder}: a few steps of ACT and Diffusion on the simulated data."""
    pytest.importorskip("lerobot", reason="needs lerobot (extra 'train')")
    from dataclasses import replace

    from imitate.trainer.loop import TrainJob, train
    from imitate.trainer.presets import get_preset
    runs = {}
    for policy in ("act", "diffusion"):
        preset = replace(
            get_preset("cpu_small", policy), steps=2, save_freq=2, batch_size=2, image_size=(48, 84)
        )
        out = tmp_path_factory.mktemp("runs") / policy
        train(TrainJob(dataset=sim_dataset, output=out, preset=preset))
        runs[policy] = out
    return runs


@pytest.fixture(scope="session")
def packages(tiny_checkpoints, sim_dataset, tmp_path_factory):
    """{policy: policy package folder}: tiny_checkpoints exported (parity checked on a few frames)."""
    from imitate.export.exporter import export

    root = tmp_path_factory.mktemp("packages")
    return {
        kind: export(run, root / kind, dataset=sim_dataset, frames=32 if kind == "act" else 4)
        for kind, run in tiny_checkpoints.items()
    }


class ZenohRouter:
    """A Zenoh router on 127.0.0.1 (what rmw_zenohd is to a robot) in this process."""

    def __init__(self, port):
        import zenoh

        from imitate.edge.transport.zenoh_config import router_config

        self.port = port
        self.session = zenoh.open(router_config(f"tcp/127.0.0.1:{port}"))

    @property
    def override(self):
        """ZENOH_CONFIG_OVERRIDE that points an rmw_zenoh-style session at this router, loopback only."""
        return f'connect/endpoints=["tcp/127.0.0.1:{self.port}"];listen/endpoints=["tcp/127.0.0.1:0"]'


@pytest.fixture(scope="session")
def router():
    """A Zenoh router for the session; every zenoh session of the tests (and their children) uses it."""
    pytest.importorskip("zenoh", reason="the zenoh extra: pip install 'imitate[zenoh]'")
    from imitate.demo_page import free_port

    r = ZenohRouter(free_port())
    previous = os.environ.get("ZENOH_CONFIG_OVERRIDE")
    os.environ["ZENOH_CONFIG_OVERRIDE"] = r.override
    yield r
    if previous is None:
        os.environ.pop("ZENOH_CONFIG_OVERRIDE", None)
    else:
        os.environ["ZENOH_CONFIG_OVERRIDE"] = previous
    r.session.close()
