import pytest

from imitate.edge.dataset import DatasetWriter
from imitate.edge.profile import load_profile
from imitate.edge.recorder import RecordConfig, Recorder
from imitate.edge.sampler import ObservationSampler
from imitate.edge.transport import make_transport
from imitate.edge.transport.sim_transport import SimBus

from .fake_robot import FakeRobot

PROFILE = load_profile("sim")


class TapWriter(DatasetWriter):
    """The real writer, keeping a copy of what it was given (to compare with what lerobot reads)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.tapped = []  # per episode: list of (state, action, images)
        self._current = []

    def begin_episode(self, task):
        self._current = []
        super().begin_episode(task)

    def add_frame(self, state, action, images, stale=(), repeated=()):
        self._current.append((state.copy(), action.copy(), dict(images)))
        super().add_frame(state, action, images, stale, repeated)

    def save_episode(self):
        saved = super().save_episode()
        self.tapped.append(self._current)
        return saved


@pytest.fixture
def rig(tmp_path):
    """A fake robot on a sim bus and a function that records episodes from it."""
    bus = SimBus()
    robot = FakeRobot(PROFILE, make_transport("sim", bus=bus)).start()
    transports = []

    def record(root=None, resume=False, commands=(), listeners=(), on_recorder=None, **config):
        transport = make_transport("sim", bus=bus)
        transports.append(transport)
        writer = TapWriter(root or tmp_path / "ds", PROFILE, codec=config.pop("codec", "h264"), resume=resume)
        sampler = ObservationSampler(PROFILE, transport)
        cfg = dict(episodes=2, episode_time_s=1.0, reset_time_s=0.0, wait_timeout_s=5.0)
        cfg.update(config)
        recorder = Recorder(sampler, writer, RecordConfig(**cfg))
        if on_recorder:
            on_recorder(recorder)
        transport.subscribe(
            PROFILE.trigger_topic, "std_msgs/msg/String", recorder.on_button
        )  # as the CLI does
        events = []
        recorder.listen(events.append)
        for listener in listeners:
            recorder.listen(listener)
        for trigger in commands:  # (phase, nth time entered, verb): press a verb when a phase begins
            recorder.listen(_presser(recorder, *trigger))
        status = recorder.run()
        return writer, recorder, status, events

    yield robot, record
    robot.stop()
    for t in transports:
        t.close()
    robot.transport.close()


def _presser(recorder, phase, nth, verb):
    seen = {"n": 0, "last": None, "done": False}

    def on_event(event):
        if event["phase"] == phase and seen["last"] != phase:
            seen["n"] += 1
            if seen["n"] == nth and not seen["done"]:
                seen["done"] = True
                recorder.command(verb)
        seen["last"] = event["phase"]

    return on_event
