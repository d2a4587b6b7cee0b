"""The page in a real browser (Debian's chromium, driven by Playwright) against `imitate serve` on the
simulated robot: cameras live, three episodes recorded (buttons, then the keyboard), the dataset viewed
with plots and video, a policy started and E-STOPPED. Screenshots go to artifacts/."""
import http.server
import json
import os
import subprocess
import time
import urllib.request

import pytest

from imitate.demo_page import free_port, serve_argv

pytestmark = pytest.mark.browser
CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
TOKEN = "browser-test-token-0123"



@pytest.fixture(scope="module")
def browser():
    playwright = pytest.importorskip("playwright.sync_api")
    if not os.path.exists(CHROMIUM):
        pytest.skip("needs Debian's chromium (apt-get install chromium); never downloaded by tests")
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        yield b
        b.close()


@pytest.fixture(scope="module")
def page_data(tmp_path_factory):
    return tmp_path_factory.mktemp("page") / "data"


@pytest.fixture(scope="module")
def with_page_dataset(page_data, sim_dataset):
    """The session's simulated dataset in the served data folder, as datasets/pick; its name."""
    import shutil
    if not (page_data / "datasets" / "pick").exists():
        shutil.copytree(sim_dataset, page_data / "datasets" / "pick")
    return "pick"


@pytest.fixture(scope="module")
def server(page_data, tiny_checkpoints, sim_dataset):
    pytest.importorskip("flask")
    from imitate.export.exporter import export
    data = page_data
    export(tiny_checkpoints["act"], data / "policies" / "tiny-act", dataset=sim_dataset, frames=2)
    port = free_port()
    proc = subprocess.Popen(
        serve_argv(data, port, "--token", TOKEN),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            status(url)
            break
        except OSError:
            assert time.monotonic() < deadline and proc.poll() is None, "imitate serve did not come up"
            time.sleep(0.3)
    yield url
    proc.terminate()
    proc.wait(timeout=30)


def status(url):
    request = urllib.request.Request(url + "/api/status", headers={"Authorization": f"Bearer {TOKEN}"})
    return json.loads(urllib.request.urlopen(request, timeout=10).read())


def logged_in_page(browser, server, bypass_csp=True, **kw):
    """A new browser tab that opened the login URL imitate serve prints, as an operator would.

    Playwright's wait_for_function compiles its string with eval whenever it has to poll, which the
    page's Content-Security-Policy forbids; the flows are tested with it bypassed, and the policy
    itself by test_every_page_runs_under_its_content_security_policy (which polls with evaluate)."""
    page = browser.new_context(bypass_csp=bypass_csp, **kw).new_page()
    page.goto(f"{server}/login?token={TOKEN}")
    assert "token=" not in page.url, "the token stays in the address bar"
    return page


def wait_until(predicate, timeout_s=30, what="condition"):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def test_record_view_and_estop_in_a_browser(browser, server, artifacts):
    page = logged_in_page(browser, server, viewport={"width": 1400, "height": 1000})
    errors = []
    page.on("pageerror", lambda err: errors.append(str(err)))

    # Record: camera frames arrive
    page.goto(server + "/record")
    page.wait_for_function(
        "[...document.querySelectorAll('img.camera')].every(i => i.naturalWidth > 0)", timeout=30_000
    )
    page.fill("input[name=dataset]", "browser")
    page.fill("input[name=episodes]", "3")
    page.fill("input[name=reset_time]", "0.3")
    page.click("#open-session")
    wait_until(lambda: (status(server)["recording"] or {}).get("phase") == "idle", what="an idle session")

    # two episodes with the buttons: start, then save; save again once the next one runs
    page.click("button[data-verb=start]")
    for saved in (1, 2):
        wait_until(
            lambda: (r := status(server)["recording"]) and r["phase"] == "recording" and r["frames"] > 15,
            what="recording",
        )
        if saved == 1:
            page.wait_for_function("document.getElementById('phase').textContent === 'recording'")
            page.screenshot(path=str(artifacts / "page_record.png"))
        page.click("button[data-verb=save]")
        wait_until(lambda n=saved: status(server)["recording"]["saved"] == n, what=f"episode {saved} saved")
    # the third with the keyboard (Space saves while recording, once the episode is 2 s old)
    wait_until(
        lambda: (r := status(server)["recording"]) and r["phase"] == "recording" and r["elapsed_s"] > 3.0,
        what="recording",
    )
    page.keyboard.press("Space")
    wait_until(lambda: status(server)["recording"]["phase"] == "finished", what="the session finished")
    assert status(server)["recording"]["saved"] == 3

    # Datasets: three episodes, the plot, videos that play, the scrubber moves them
    page.goto(server + "/datasets?dataset=browser")
    page.wait_for_function(
        "document.querySelectorAll('#episode-list tr[data-index]').length === 3", timeout=20_000
    )
    page.wait_for_selector("#episode-plot .main-svg", timeout=20_000)
    page.wait_for_function(
        "[...document.querySelectorAll('#videos video')].length === 3 && "
        "[...document.querySelectorAll('#videos video')].every(v => v.readyState >= 2 && v.videoWidth > 0)",
        timeout=20_000,
    )
    page.eval_on_selector("#scrub", "s => { s.value = 0.5; s.dispatchEvent(new Event('input')); }")
    page.wait_for_function("Math.abs(document.querySelector('#videos video').currentTime - 0.5) < 0.05")
    time.sleep(0.5)
    page.screenshot(path=str(artifacts / "page_datasets.png"))

    page.goto(server + "/train")
    page.wait_for_selector("#train-dataset option", state="attached")
    page.screenshot(path=str(artifacts / "page_train.png"))

    # Inference: start the policy, see commands flow, E-STOP stops them
    page.goto(server + "/inference")
    page.wait_for_selector("#policy-select option[value=tiny-act]", state="attached")
    page.click("#policy-start")
    wait_until(
        lambda: (status(server)["loop"] or {}).get("commands_sent", 0) > 50, what="commands from the policy"
    )
    page.wait_for_selector("#loop-stats tr")
    page.screenshot(path=str(artifacts / "page_inference.png"))
    page.click("#estop")
    wait_until(lambda: status(server)["loop"]["estop"], what="the e-stop")
    before = status(server)["loop"]
    time.sleep(1.0)
    after = status(server)["loop"]
    # the loop runs on (every period ticked or counted missed: a loaded machine misses some) ...
    assert after["ticks"] + after["missed_ticks"] > before["ticks"] + before["missed_ticks"] + 50
    assert after["commands_sent"] == before["commands_sent"]  # ... and sends no motion command
    page.screenshot(path=str(artifacts / "page_estop.png"))
    page.once("dialog", lambda dialog: dialog.accept())  # "clear the E-STOP? tiny-act is loaded"
    page.click("#clear-estop")
    wait_until(lambda: not status(server)["estop"], what="the e-stop cleared")
    page.click("#policy-stop")
    wait_until(lambda: status(server)["policy"] is None, what="the policy stopped")
    assert not errors, errors
    page.close()


ATTACK = """<!doctype html><html><body><form id="f" method="post" action="{target}/api/estop"></form><script>
window.results = [];
fetch("{target}/api/estop", {{method: "POST", credentials: "include", body: "{{}}",
  headers: {{"Content-Type": "application/json"}}}})
  .then(r => window.results.push("fetch " + r.status), e => window.results.push("fetch blocked"));
fetch("{target}/api/status", {{credentials: "include"}})
  .then(r => r.text())
  .then(t => window.results.push("read " + t.slice(0, 40)), e => window.results.push("read blocked"));
</script></body></html>"""


def test_a_page_from_another_origin_cannot_drive_the_robot(browser, server):
    """A logged-in operator visits a hostile page on another local origin: its fetch with credentials
    and its form POST both fail, and nothing changes state."""
    attack = ATTACK.format(target=server).encode()

    class Attacker(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.wfile.write(attack)

        def log_message(self, *args):
            pass

    evil = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Attacker)
    import threading

    threading.Thread(target=evil.serve_forever, daemon=True).start()
    page = logged_in_page(browser, server, bypass_csp=False)
    try:
        page.goto(server + "/record")  # the operator's page works, and its cookie is in this browser
        assert status(server)["estop"] is False
        page.goto(f"http://localhost:{evil.server_address[1]}/")
        page.wait_for_function("window.results.length === 2", timeout=10_000)
        results = page.evaluate("window.results")
        assert "fetch blocked" in results or all("200" not in r for r in results), results
        assert not any(r.startswith("read {") for r in results), results  # status was not readable
        page.evaluate("document.getElementById('f').submit()")
        page.wait_for_load_state()
        time.sleep(0.5)
        assert status(server)["estop"] is False, "a foreign page changed state"
    finally:
        page.close()
        evil.shutdown()


def test_every_page_runs_under_its_content_security_policy(browser, server, with_page_dataset):
    """With the policy enforced: no violation reported, each page's script runs, plots and cameras draw."""
    page = logged_in_page(browser, server, bypass_csp=False)
    violations, errors = [], []
    page.on("console", lambda msg: "Content Security Policy" in msg.text and violations.append(msg.text))
    page.on("pageerror", lambda err: errors.append(str(err)))
    for path in ("/record", "/datasets?dataset=" + with_page_dataset, "/train", "/inference"):
        page.goto(server + path)
        time.sleep(2.0)  # its scripts load and poll a few times
    page.goto(server + "/record")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not page.evaluate(
        "[...document.querySelectorAll('img.camera')].some(i => i.naturalWidth > 0)"
    ):
        time.sleep(0.2)
    assert page.evaluate("[...document.querySelectorAll('img.camera')].some(i => i.naturalWidth > 0)")
    page.goto(server + "/datasets?dataset=" + with_page_dataset)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not page.evaluate(
        "!!document.querySelector('#episode-plot .main-svg')"
    ):
        time.sleep(0.2)
    assert page.evaluate("!!document.querySelector('#episode-plot .main-svg')"), (
        "plotly drew nothing under the CSP"
    )
    assert not violations, violations
    assert not errors, errors
    page.close()
