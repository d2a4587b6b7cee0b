"""The page refuses what a hostile web page or a local stranger would send (issue: DNS rebinding)."""
import stat

import pytest

from imitate.edge.runtime.access import Access, login_url, resolve_access, split_host, write_token_file
from imitate.gui.auth import LoginLimiter, safe_next

from ..fake_clock import FakeClock
from .conftest import Api

TOKEN = "a-token-of-24-characters"


def client_for(runtime, access=None, limiter=None):
    from imitate.gui import auth
    from imitate.gui.app import PageConfig, create_app
    access = access or Access(token=TOKEN, hosts=frozenset({"127.0.0.1", "localhost", "::1"}))
    if limiter is not None:  # the app's own limiter, swapped for one on a fake clock
        original = auth.LoginLimiter
        auth.LoginLimiter = lambda: limiter
    try:
        app = create_app(PageConfig(data=runtime.data, token=access.token, access=access), runtime)
    finally:
        if limiter is not None:
            auth.LoginLimiter = original
    app.testing = True
    return app.test_client()


def logged_in(runtime, **kw):
    client = client_for(runtime, **kw)
    assert client.get(f"/login?token={TOKEN}").status_code == 302
    return client


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/record",
        "/login",
        f"/login?token={TOKEN}",
        "/api/status",
        "/api/csrf",
        "/static/common.js",
        "/vendor/plotly.min.js",
        "/api/camera/cam_head.mjpg",
    ],
)
def test_a_foreign_host_is_refused_everywhere(runtime, path):
    client = logged_in(runtime)
    for host in ("evil.example:8080", "evil.example", "127.0.0.1.evil.example", "localhost.:8080x", ""):
        r = client.get(path, headers={"Host": host})
        assert r.status_code == 403, (host, path)
        assert "not a name this server answers to" in r.get_json()["error"]
    assert client.post("/api/estop", headers={"Host": "evil.example:8080"}).status_code == 403
    assert runtime.estopped is False


@pytest.mark.parametrize("host", ["127.0.0.1:8080", "localhost:9000", "[::1]:8080", "LOCALHOST"])
def test_loopback_names_are_answered_on_any_port(runtime, host):
    r = client_for(runtime).get("/api/status", headers={"Host": host, "Authorization": f"Bearer {TOKEN}"})
    assert r.status_code == 200


def test_host_names_from_the_command_line():
    access = resolve_access("192.168.1.20", token=TOKEN, allow_hosts=["robot.lan", "ORIN.local:8080"])
    assert access.host_allowed("192.168.1.20:8080") and access.host_allowed("robot.lan:8080")
    assert access.host_allowed("orin.local") and not access.host_allowed("10.0.0.1:8080")
    assert not access.host_allowed("evil.example:8080")
    wildcard = resolve_access("0.0.0.0", token=TOKEN)
    assert wildcard.host_allowed("10.1.2.3:8080") and wildcard.host_allowed(
        "[fe80::1]:8080"
    )  # IPs: no rebinding
    assert not wildcard.host_allowed("evil.example:8080")
    assert split_host("[::1]:8080") == "::1" and split_host("Robot.LAN.:80") == "robot.lan"


def test_a_foreign_origin_cannot_change_state(runtime):
    client = logged_in(runtime)
    api = Api(client)
    for headers in (
        {"Origin": "http://evil.example"},
        {"Origin": "http://127.0.0.1:9999"},
        {"Origin": "null"},
        {"Referer": "http://evil.example/attack.html"},
    ):
        r = api.post("/api/estop", headers=headers)
        assert r.status_code == 403 and "cross-origin" in r.get_json()["error"], headers
    assert runtime.estopped is False
    assert api.post("/api/estop", headers={"Origin": "http://localhost"}).status_code == 200  # its own origin
    assert runtime.estopped is True
    assert api.post("/api/clear", headers={"Referer": "http://localhost/inference"}).status_code == 200
    assert runtime.estopped is False


def test_no_route_answers_without_the_token(runtime):
    client = client_for(runtime)
    assert client.get("/api/status").status_code == 401
    assert client.get("/api/camera/cam_head.mjpg").status_code == 401
    assert client.get("/record").status_code == 302
    assert client.post("/api/estop", json={}).status_code == 403  # no CSRF token: not from the page
    assert client.get("/api/status", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200


def test_the_login_url_sets_the_cookie_and_drops_the_token(runtime):
    client = client_for(runtime)
    r = client.get(f"/login?token={TOKEN}&next=/datasets")
    assert r.status_code == 302 and r.headers["Location"] == "/datasets"
    assert client.get("/api/status").status_code == 200
    assert client.get("/login?token=wrong").status_code == 401


@pytest.mark.parametrize(
    "target",
    [
        "/\\evil.example",
        "//evil.example",
        "%2F%2Fevil.example",
        "http://evil.example",
        "/%5Cevil.example",
        "javascript:alert(1)",
        "/%0d%0aSet-Cookie:x=1",
        "evil",
    ],
)
def test_no_open_redirect(runtime, target):
    assert safe_next(target) == "/"
    r = client_for(runtime).get(f"/login?token={TOKEN}&next={target}")
    assert r.status_code == 302 and r.headers["Location"] == "/"


def test_safe_next_keeps_paths_of_this_server():
    assert safe_next("/datasets?name=pick") == "/datasets?name=pick" and safe_next("") == "/"


def test_response_headers(runtime):
    client = logged_in(runtime)
    page, api = client.get("/record"), client.get("/api/status")
    for r in (page, api, client.get("/login")):
        assert "default-src 'self'" in r.headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in r.headers["Content-Security-Policy"]
        assert "script-src 'self'" in r.headers["Content-Security-Policy"]
        assert r.headers["X-Content-Type-Options"] == "nosniff" and r.headers["X-Frame-Options"] == "DENY"
        assert r.headers["Referrer-Policy"] == "no-referrer"
    assert api.headers["Cache-Control"] == "no-store"


def test_failed_logins_back_off_exponentially():
    clock = FakeClock()
    limiter = LoginLimiter(free=3, max_wait_s=60, clock=clock)
    for _ in range(3):
        limiter.failed("1.2.3.4")
        assert limiter.wait_s("1.2.3.4") == 0
    waits = []
    for _ in range(8):
        limiter.failed("1.2.3.4")
        waits.append(limiter.wait_s("1.2.3.4"))
    assert waits == [1, 2, 4, 8, 16, 32, 60, 60]
    assert limiter.wait_s("5.6.7.8") == 0  # per address
    clock.now += 60
    assert limiter.wait_s("1.2.3.4") == 0
    limiter.succeeded("1.2.3.4")
    limiter.failed("1.2.3.4")
    assert limiter.wait_s("1.2.3.4") == 0  # a success starts the count again


def test_the_page_says_how_long_to_wait(runtime):
    clock = FakeClock()
    client = client_for(runtime, limiter=LoginLimiter(free=2, clock=clock))
    assert [client.get("/login?token=wrong").status_code for _ in range(3)] == [401, 401, 401]
    r = client.get(f"/login?token={TOKEN}")  # even the right token waits out the back-off
    assert r.status_code == 429 and b"try again in 1 s" in r.data
    clock.now += 1.0
    assert client.get(f"/login?token={TOKEN}").status_code == 302


def test_tokens_and_no_token_are_checked_at_start(tmp_path):
    with pytest.raises(ValueError, match="at least 16"):
        resolve_access("127.0.0.1", token="short")
    with pytest.raises(ValueError, match="loopback only"):
        resolve_access("0.0.0.0", no_token=True)
    with pytest.raises(ValueError, match="loopback only"):
        resolve_access("192.168.1.20", no_token=True)
    assert resolve_access("127.0.0.1", no_token=True).token is None
    generated = resolve_access("127.0.0.1")
    assert len(generated.token) >= 16 and generated.token != resolve_access("127.0.0.1").token
    path = write_token_file(tmp_path, generated.token)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and path.read_text().strip() == generated.token
    path.chmod(0o644)
    path = write_token_file(tmp_path, "another-token-1234567")  # a new file, with the right mode again
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert login_url("0.0.0.0", 8080, "tok") == "http://127.0.0.1:8080/login?token=tok"


def test_estop_works_from_the_login_page_and_clearing_needs_the_login(runtime):
    """After a restart the page lands on /login: its E-STOP works with the login page's CSRF token
    (the page's own origin); clearing, and anything else, still needs the login."""
    import re

    client = client_for(runtime)
    html = client.get("/login").get_data(as_text=True)
    assert 'id="estop"' in html and "login.js" in html and "not under it" in html
    csrf = re.search(r'name="csrf" content="([^"]+)"', html).group(1)
    try:
        r = client.post("/api/estop", json={}, headers={"X-CSRF-Token": csrf, "Origin": "http://localhost"})
        assert r.status_code == 200 and runtime.estopped
        assert client.post("/api/clear", json={}, headers={"X-CSRF-Token": csrf}).status_code == 401
        assert runtime.estopped
        assert (
            client.post(
                "/api/estop", json={}, headers={"X-CSRF-Token": csrf, "Origin": "http://evil.example"}
            ).status_code
            == 403
        )
    finally:
        runtime.clear_estop()
