"""Test-wide settings: DDS stays on loopback in a domain of its own; artifacts go to one folder."""
import os
import random
from pathlib import Path

import pytest

# Loopback only, and a domain id of this run's own so parallel runs on one machine never meet.
os.environ["IMITATE_DDS_SCOPE"] = "localhost"
os.environ.pop("CYCLONEDDS_URI", None)
os.environ.setdefault("ROS_DOMAIN_ID", str(random.Random(os.getpid()).randint(100, 200)))

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"


@pytest.fixture(scope="session")
def artifacts():
    """A folder for files a person may want to look at after the run (images, reports)."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
