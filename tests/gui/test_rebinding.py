"""DNS rebinding against a running `imitate serve`: every route the page has, with every method it
takes, refuses a Host that is not this server's, even with a valid token; and answers its own."""
import http.client
import re
import subprocess

import pytest

from imitate.demo_page import free_port, serve_argv

from .test_fuzz import wait_for_port

TOKEN = "rebinding-test-token-01"


def every_route(runtime_data):
    """(method, path) for each rule of the page's app, its <parameters> filled with a plain name."""
    from imitate.gui.app import PageConfig, create_app

    class NoRuntime:  # create_app only keeps it; no route is called here
        data = runtime_data
    app = create_app(PageConfig(data=runtime_data, token=TOKEN), NoRuntime())
    routes = []
    for rule in app.url_map.iter_rules():
        path = re.sub(
            r"<(?:[^:>]+:)?([^>]+)>",
            lambda m, r=rule.rule: "cam_head.mjpg" if "camera" in r else "x",
            rule.rule,
        )
        routes += [(method, path) for method in sorted(rule.methods - {"OPTIONS"})]
    return routes


@pytest.mark.slow
def test_a_foreign_host_is_refused_on_every_route(tmp_path):
    pytest.importorskip("flask")
    data, port = tmp_path / "data", free_port()
    proc = subprocess.Popen(
        serve_argv(data, port, "--token", TOKEN),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        wait_for_port(port, proc)
        routes = every_route(data)
        assert len(routes) > 30 and ("POST", "/api/estop") in routes and ("GET", "/login") in routes
        for host in (f"evil.example:{port}", f"127.0.0.1.nip.example:{port}"):
            for method, path in routes:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                conn.request(
                    method,
                    path,
                    body=b"{}" if method != "GET" else None,
                    headers={
                        "Host": host,
                        "Authorization": f"Bearer {TOKEN}",
                        "Content-Type": "application/json",
                    },
                )
                response = conn.getresponse()
                body = response.read() if method != "HEAD" else b""
                conn.close()
                assert response.status == 403, (host, method, path, response.status)
                assert method == "HEAD" or b"not a name this server answers to" in body, (method, path)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)  # its own name: answered
        conn.request("GET", "/api/status", headers={"Authorization": f"Bearer {TOKEN}"})
        assert conn.getresponse().status == 200
        assert proc.poll() is None
    finally:
        proc.terminate()
        proc.wait(timeout=30)
