"""The page in a real browser (Debian's chromium, driven by Playwright) against `imitate serve` on the
simulated robot: cameras live, three episodes recorded (buttons, then the keyboard), the dataset viewed
with plots and video, a policy started and E-STOPPED. Screenshots go to artifacts/."""
import json
import os
import subprocess
import sys
import time
import urllib.request

import pytest

from imitate.demo_page import free_port

pytestmark = pytest.mark.browser
CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]



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
def server(tmp_path_factory, tiny_checkpoints, sim_dataset):
    pytest.importorskip("flask")
    from imitate.export.exporter import export
    data = tmp_path_factory.mktemp("page") / "data"
    export(tiny_checkpoints["act"], data / "policies" / "tiny-act", dataset=sim_dataset, frames=2)
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "imitate.cli", "serve", "--transport", "sim", "--port", str(port),
                             "--data", str(data)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(url + "/api/status", timeout=2).read()
            break
        except OSError:
            assert time.monotonic() < deadline and proc.poll() is None, "imitate serve did not come up"
            time.sleep(0.3)
    yield url
    proc.terminate()
    proc.wait(timeout=30)


def status(url):
    return json.loads(urllib.request.urlopen(url + "/api/status", timeout=10).read())


def wait_until(predicate, timeout_s=30, what="condition"):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def test_record_view_and_estop_in_a_browser(browser, server, artifacts):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    errors = []
    page.on("pageerror", lambda err: errors.append(str(err)))

    # Record: camera frames arrive
    page.goto(server + "/record")
    page.wait_for_function("[...document.querySelectorAll('img.camera')].every(i => i.naturalWidth > 0)", timeout=30_000)
    page.fill("input[name=dataset]", "browser")
    page.fill("input[name=episodes]", "3")
    page.fill("input[name=reset_time]", "0.3")
    page.click("#open-session")
    wait_until(lambda: (status(server)["recording"] or {}).get("phase") == "idle", what="an idle session")

    # two episodes with the buttons: start, then save; save again once the next one runs
    page.click("button[data-verb=start]")
    for saved in (1, 2):
        wait_until(lambda: (r := status(server)["recording"]) and r["phase"] == "recording" and r["frames"] > 15,
                   what="recording")
        if saved == 1:
            page.wait_for_function("document.getElementById('phase').textContent === 'recording'")
            page.screenshot(path=str(artifacts / "page_record.png"))
        page.click("button[data-verb=save]")
        wait_until(lambda: status(server)["recording"]["saved"] == saved, what=f"episode {saved} saved")
    # the third with the keyboard (Space saves while recording)
    wait_until(lambda: (r := status(server)["recording"]) and r["phase"] == "recording" and r["frames"] > 15,
               what="recording")
    page.keyboard.press("Space")
    wait_until(lambda: status(server)["recording"]["phase"] == "finished", what="the session finished")
    assert status(server)["recording"]["saved"] == 3

    # Datasets: three episodes, the plot, videos that play, the scrubber moves them
    page.goto(server + "/datasets?dataset=browser")
    page.wait_for_function("document.querySelectorAll('#episode-list tr[data-index]').length === 3", timeout=20_000)
    page.wait_for_selector("#episode-plot .main-svg", timeout=20_000)
    page.wait_for_function("[...document.querySelectorAll('#videos video')].length === 3 && "
                           "[...document.querySelectorAll('#videos video')].every(v => v.readyState >= 2 && v.videoWidth > 0)",
                           timeout=20_000)
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
    wait_until(lambda: (status(server)["loop"] or {}).get("commands_sent", 0) > 50, what="commands from the policy")
    page.wait_for_selector("#loop-stats tr")
    page.screenshot(path=str(artifacts / "page_inference.png"))
    page.click("#estop")
    wait_until(lambda: status(server)["loop"]["estop"], what="the e-stop")
    before = status(server)["loop"]
    time.sleep(1.0)
    after = status(server)["loop"]
    assert after["ticks"] > before["ticks"] + 50  # the loop runs on ...
    assert after["commands_sent"] == before["commands_sent"]  # ... and sends no motion command
    page.screenshot(path=str(artifacts / "page_estop.png"))
    page.click("#clear-estop")
    page.click("#policy-stop")
    wait_until(lambda: status(server)["policy"] is None, what="the policy stopped")
    assert not errors, errors
    page.close()
