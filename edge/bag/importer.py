"""`imitate import-bag`: a rosbag2 recording into a LeRobot v3.0 dataset, through the recorder's own
sampler and writer, on the bag's clock instead of the wall clock.

Frames are taken on a fixed grid, half a period after a camera frame (as the live recorder locks
its grid), or exactly at the recorded ticks when the bag came from `imitate record --raw-bag`.
Episodes: `whole` (the bag), `gap` (leader silent longer than gap_s ends one), `trigger` (leader
buttons as in a live session: next starts / saves, retry discards, finish stops).
"""
import time
from dataclasses import dataclass, field

from ..dataset import DatasetWriter
from ..profile import COMPRESSED_IMAGE, JOINT_STATE, STRING, TRAJECTORY
from ..recorder import BUTTONS
from ..sampler import NotReady, ObservationSampler
from .reader import FRAME_TICKS, BagError, BagReader

SPLITS = ("whole", "gap", "trigger")


@dataclass
class ImportReport:
    """What was converted, and what was not and why."""

    episodes: list = field(default_factory=list)  # (index, frames, task)
    notes: list = field(default_factory=list)
    truncated: str = ""


class ReplayTransport:
    """The transport interface over a bag: subscriptions, and a clock that is the bag's time."""

    def __init__(self):
        self.callbacks = {}  # topic -> [callback]
        self.now_s = 0.0

    def subscribe(self, topic, msgtype, callback, qos="default"):
        """Register `callback` for `topic` (type and QoS do not matter in a replay)."""
        self.callbacks.setdefault(topic, []).append(callback)

    def clock(self):
        """The bag time of the message being delivered, in seconds."""
        return self.now_s

    def deliver(self, t_s, topic, msg):
        """Set the clock to t_s and hand `msg` to the topic's callbacks."""
        self.now_s = t_s
        for callback in self.callbacks.get(topic, ()):
            callback(msg)


def import_bag(bag, profile, dataset, fps=None, task="demonstration", split="whole", gap_s=1.0,
               codec="av1", resume=False):
    """Converts what can be converted; BagError before writing anything when the bag does not fit."""
    if split not in SPLITS:
        raise BagError(f"unknown --episode-split {split!r}: expected one of {', '.join(SPLITS)}")
    report = ImportReport()
    with BagReader(bag, profile.ros_distro) as reader:
        check_bag(reader, profile, split, report)
        replay = ReplayTransport()
        sampler = ObservationSampler(profile, replay, fps=fps, clock=replay.clock)
        writer = DatasetWriter(dataset, profile, codec=codec, fps=fps, resume=resume)
        episodes = Episodes(sampler, writer, split, gap_s, task, report)
        episodes.recorded_ticks = FRAME_TICKS in reader.topics  # a bag from `record --raw-bag`
        if split == "trigger":
            replay.subscribe(profile.trigger_topic, None, episodes.on_button)
        topics = set(profile.topics()) | {FRAME_TICKS}
        try:
            for t_ns, topic, msg in reader.messages(topics):
                t_s = t_ns / 1e9
                if topic == FRAME_TICKS:
                    episodes.tick(t_s, recorded=msg.frame_id or task)
                    continue
                if not episodes.recorded_ticks:
                    episodes.run_grid_until(t_s)
                replay.deliver(t_s, topic, msg)
            episodes.finish(ended_early=bool(reader.truncated))
        finally:
            writer.close()
        report.truncated = reader.truncated
        if reader.trailing:  # named once, not per message
            report.notes.append(reader.trailing_note())
    if not report.episodes:
        raise BagError(f"{bag}: no episode could be made. " + " ".join(report.notes))
    return report


def check_bag(reader, profile, split, report):
    """BagError naming what a profile needs and the bag lacks; notes for what it has beyond."""
    topics = reader.topics
    needed = {g.state.topic: g.state.type for g in profile.groups}  # what the sampler subscribes to
    needed.update({g.leader.topic: g.leader.type for g in profile.groups})  # the action: the leader
    needed.update({c.topic: COMPRESSED_IMAGE for c in profile.cameras})
    if split == "trigger":
        if not profile.trigger_topic:
            raise BagError(
                f"profile {profile.name} has no leader button topic: use --episode-split gap or whole"
            )
        needed[profile.trigger_topic] = STRING
    missing = [f"{t} ({k})" for t, k in needed.items() if t not in topics]
    wrong = [
        f"{t} is {topics[t]}, the profile expects {k}"
        for t, k in needed.items()
        if t in topics and topics[t] != k
    ]
    if missing or wrong:
        raise BagError(
            f"{reader.path} does not fit profile {profile.name}: "
            + "; ".join(([f"missing {', '.join(missing)}"] if missing else []) + wrong)
            + f". The bag has: {', '.join(sorted(topics))}. Record those topics, or pick the robot's profile"
        )
    for topic, kind, names_of in _joint_topics(profile):
        for _, _, msg in reader.messages({topic}):
            have = set(names_of(msg))
            want = {j for g in profile.groups for j in g.joints if topic in (g.state.topic, g.leader.topic)}
            if want - have:
                raise BagError(
                    f"{topic} in {reader.path} has joints {sorted(have)}; profile {profile.name} needs "
                    f"{sorted(want - have)} as well: a different robot or joint set. Pick the profile "
                    f"it was recorded with (`imitate profiles list`)"
                )
            if have - want and kind == JOINT_STATE:
                report.notes.append(f"{topic}: joints not in the profile are left out: {sorted(have - want)}")
            break
    cameras = {c.topic for c in profile.cameras}
    extra = sorted(t for t, k in topics.items() if k == COMPRESSED_IMAGE and t not in cameras)
    if extra:
        report.notes.append(f"camera topics not in the profile are left out: {', '.join(extra)}")


def _joint_topics(profile):
    seen = {}
    for g in profile.groups:
        if g.state.type == JOINT_STATE:
            seen.setdefault(g.state.topic, (JOINT_STATE, lambda m: m.name))
        if g.leader.type == TRAJECTORY:
            seen.setdefault(g.leader.topic, (TRAJECTORY, lambda m: m.joint_names))
        elif g.leader.type == JOINT_STATE:
            seen.setdefault(g.leader.topic, (JOINT_STATE, lambda m: m.name))
    return [(t, k, f) for t, (k, f) in seen.items()]


class Episodes:
    """Grid ticks, episode boundaries and the writer: the recorder's loop, driven by bag time."""

    def __init__(self, sampler, writer, split, gap_s, task, report):
        self.sampler, self.writer, self.split, self.gap_s = sampler, writer, split, gap_s
        self.task, self.report = task, report
        self.period = sampler.period_s
        self.next_tick = None  # bag time of the next grid tick, once every source was heard
        self.recorded_ticks = False
        self.recording = False
        self.held = []  # frames taken while the leader is silent (gap split): kept if it resumes
        self.waiting_for_start = split == "trigger"

    # grid ---------------------------------------------------------------------------------------
    def run_grid_until(self, t_s):
        """Take every grid tick up to bag time t_s (the grid starts once every source is heard)."""
        if self.next_tick is None:
            if not self.sampler.missing():
                self.next_tick = self._first_tick(t_s)
            return
        while self.next_tick <= t_s:
            self.tick(self.next_tick)
            self.next_tick += self.period

    def _first_tick(self, t_s):
        """Half a period after the newest camera frame, as the live recorder keeps its grid."""
        if not self.sampler.cameras:
            return t_s
        newest = max(self.sampler.camera_arrivals().values())
        return max(t_s, newest + self.period / 2)

    def tick(self, t_s, recorded=None):
        """Sample a frame at t_s and give it to the episode in progress, if any."""
        if recorded is not None:  # a tick `record --raw-bag` wrote: this frame, with this task
            self.task = recorded
        try:
            frame = self.sampler.sample(t_s)
        except NotReady:
            return
        if self.split == "gap":
            return self._gap_frame(frame)
        if self.waiting_for_start:
            return
        if not self.recording:
            self._begin()
        self._add(frame)

    def _gap_frame(self, frame):
        silent = min(a for k, a in frame.ages.items() if k.startswith("action/")) > 1.5 * self.period
        if not silent:
            if not self.recording:
                self._begin()
            for held in self.held:  # a short pause is part of the demonstration
                self._add(held)
            self.held = []
            self._add(frame)
        elif self.recording:
            self.held.append(frame)
            if len(self.held) * self.period >= self.gap_s:
                self.held = []  # the pause that ended the episode is not part of it
                self._save()

    # episodes -----------------------------------------------------------------------------------
    def _begin(self):
        self.writer.begin_episode(self.task)
        self.sampler.reset_counts()
        self.recording = True

    def _add(self, frame):
        self.writer.add_frame(frame.state, frame.action, frame.images, frame.stale, frame.repeated)
        while self.writer.encoder_backlog() > 8:  # faster than real time: wait for the encoders
            time.sleep(0.002)

    def _save(self):
        self.recording = False
        if not self.writer.frames:
            return self.writer.discard_episode()
        saved = self.writer.save_episode()
        self.report.episodes.append((saved.index, saved.frames, self.task))

    def on_button(self, msg):
        """Leader button message: next starts or saves, retry/skip discard, finish saves."""
        verb = BUTTONS.get(msg.data.strip())
        if verb == "next":  # saves the episode being recorded, or starts the next one
            if self.recording:
                self._save()
            self.waiting_for_start = not self.waiting_for_start
        elif verb in ("retry", "skip") and self.recording:
            self.writer.discard_episode()
            self.recording, self.waiting_for_start = False, True
            self.report.notes.append(f"an episode was discarded by the leader's {msg.data.strip()} button")
        elif verb == "finish":
            if self.recording:
                self._save()
            self.waiting_for_start = True

    def finish(self, ended_early):
        """End of the bag: save the episode in progress and note why."""
        if self.recording:
            if ended_early:
                self.report.notes.append("the last episode was still recording where the bag ends: kept")
            elif self.split == "trigger":
                self.report.notes.append(
                    "the last episode has no closing button press: kept to the bag's end"
                )
            self._save()
        if self.next_tick is None and not self.recorded_ticks:
            self.report.notes.append("never heard every source: " + "; ".join(self.sampler.missing()))
