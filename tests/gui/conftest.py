"""A real runtime service on the simulated robot (in-process bus), and the page's app over it."""
import shutil

import pytest

flask = pytest.importorskip("flask", reason="the page needs the 'gui' extra")


@pytest.fixture(scope="module")
def runtime(tmp_path_factory):
    from imitate.edge.runtime.config import RuntimeConfig
    from imitate.edge.runtime.service import RuntimeService
    service = RuntimeService(
        RuntimeConfig(profile="sim", transport="sim", data=tmp_path_factory.mktemp("data"))
    )
    yield service
    service.close()


def make_client(runtime, token=None):
    from imitate.gui.app import PageConfig, create_app

    app = create_app(PageConfig(data=runtime.data, token=token), runtime)
    app.testing = True
    return app.test_client()


class Api:
    """A test client that speaks JSON and sends the session's CSRF token, like the page's JS."""

    def __init__(self, client):
        self.client = client
        self.csrf = client.get("/api/csrf").get_json()["csrf"]

    def get(self, path, **kw):
        return self.client.get(path, **kw)

    def post(self, path, body=None, csrf=True, headers=None, **kw):
        headers = dict(headers or {}, **({"X-CSRF-Token": self.csrf} if csrf else {}))
        return self.client.post(path, json=body if body is not None else {}, headers=headers, **kw)


@pytest.fixture
def api(runtime):
    return Api(make_client(runtime))


@pytest.fixture
def with_dataset(runtime, sim_dataset):
    """The session's simulated dataset, copied into the data folder as datasets/pick."""
    target = runtime.data / "datasets" / "pick"
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(sim_dataset, target)
    return target
