import pytest

pytest.importorskip("lerobot", reason="the trainer needs lerobot (extra 'train')")


@pytest.fixture(scope="session")
def sim_dataset(tmp_path_factory):
    """Four scripted demonstrations of the simulated pick task (3 s each), written in seconds."""
    from imitate.edge.profile import load_profile
    from imitate.edge.sim.synthetic import write_demonstrations
    root = tmp_path_factory.mktemp("data") / "pick"
    write_demonstrations(root, load_profile("sim"), episodes=4, seconds=3.0)
    return root
