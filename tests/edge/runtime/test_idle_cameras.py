"""`imitate serve` on the simulated robot renders its cameras at full rate only when something needs
them (a recording, a policy, a page showing a stream); otherwise one frame a second, so the page's
robot does not take a core from a training run beside it (demo: 14.5 vs 9.9 samples/s)."""
import time

import pytest

from imitate.cli import build_parser
from imitate.edge.recorder import RecordConfig
from imitate.edge.runtime.service import RuntimeService
from imitate.edge.runtime.session import runtime_config


def frames_in(service, seconds, during=lambda: None):
    """How many new head-camera images the service's sampler got in `seconds`."""
    _, first = service.sampler.latest_image("cam_head")
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        during()
        time.sleep(0.1)
    _, last = service.sampler.latest_image("cam_head")
    return last - first


@pytest.mark.realtime
def test_cameras_idle_until_recorded_or_watched(tmp_path):
    args = build_parser().parse_args(["serve", "--transport", "sim", "--data", str(tmp_path)])
    service = RuntimeService(runtime_config(args, {}))
    try:
        time.sleep(1.0)
        assert not service.cameras_wanted()
        with pytest.raises(Exception, match="policy.json|package"):  # a policy that fails to start
            service.start_policy(tmp_path / "no-such-package")
        assert not service.cameras_wanted() and service.session is None
        idle = frames_in(service, 3.0)
        assert 1 <= idle <= 5, f"idle cameras sent {idle} frames in 3 s, expected about 3"

        # a page pulls the stream: full rate (30 fps), asserted as at least 5 fps, several times the idle
        # rate, which a loaded machine meets too
        watched = frames_in(service, 2.0, during=service.camera_viewed)
        assert watched >= 10, f"a watched camera sent only {watched} frames in 2 s (30 fps expected)"

        time.sleep(3.5)  # the viewer left
        assert not service.cameras_wanted()
        rec = service.start_recording("demo", RecordConfig(episodes=1, episode_time_s=30.0, reset_time_s=0.0))
        assert service.cameras_wanted()
        recording = frames_in(service, 2.0)
        assert recording >= 10, f"only {recording} frames in 2 s while recording (30 fps expected)"
        service.stop_recording(save=False)
        deadline = time.monotonic() + 10
        while rec.active and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not service.cameras_wanted()
    finally:
        service.close()
