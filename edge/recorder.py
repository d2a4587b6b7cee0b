"""The recorder: teleoperation episodes, from the sampler's frames into the dataset writer.

Phases: waiting (for every source) -> warmup -> recording -> saving -> reset -> warmup ... ->
finished. Verbs, from the keyboard, the web page or the leader's buttons: start, save, next, retry,
skip, finish. `retry` during the reset that follows a save (or in the first UNDO_GRACE_S of the next
episode, when the operator pressed it as the reset ended) undoes that save: the episode is
removed from the dataset and recorded again. Every change is an event (a dict) given to the listeners: the
terminal's progress
line, the page, the simulated operator. The loop runs on its own thread at the dataset's fps.
"""

import collections
import logging
import math
import queue
import threading
import time
from dataclasses import dataclass, field

from .clock import Pacer
from .dataset import DatasetError
from .sampler import NotReady

log = logging.getLogger(__name__)
BUTTONS = {"right": "next", "left": "retry", "right_long_time": "finish", "left_long_time": "skip"}  # leader
UNDO_GRACE_S = 1.0  # retry this soon after an episode began by itself (after a save) undoes that save


def phase_shift(ages, period, gain=0.2):
    """Seconds to move the grid's next tick by (negative: earlier) so that it comes half a period after
    the cameras' frames arrive, given each camera's image age at this tick.

    A camera at the grid's own rate with ticks right at its arrival times would have every bit of
    jitter turn into a repeated and a skipped frame; midway between arrivals it has none. Several
    cameras are centred on their mean arrival phase, a circular mean: ages just above 0 and just
    below a period are neighbours. A camera that skipped a frame (age >= period) says nothing.
    """
    angles = [2 * math.pi * a / period for a in ages if 0 <= a < period]
    if not angles:
        return 0.0
    mean = math.atan2(sum(map(math.sin, angles)), sum(map(math.cos, angles))) % (2 * math.pi)
    return -gain * (mean / (2 * math.pi) * period - period / 2)


@dataclass(frozen=True)
class RecordConfig:
    """How a recording session runs; times in seconds."""

    tasks: tuple = ("demonstration",)  # one task, or several cycled (multi-task)
    episodes: int = 10  # episodes to save
    episode_time_s: float = 30.0  # an episode saves itself after this long
    reset_time_s: float = 5.0  # pause between episodes for the operator to reset the scene
    warmup_time_s: float = 0.0  # frames before each episode that are not recorded
    wait_timeout_s: float = 30.0  # give up when a source stays silent this long (0: wait forever)
    start_now: bool = True  # False: wait for `start` (keyboard, page, leader button)

    def __post_init__(self):
        if not self.tasks or any(not str(t).strip() for t in self.tasks):
            raise ValueError("tasks: give at least one non-empty task description")
        for name in ("episodes", "episode_time_s"):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be positive, got {getattr(self, name)}")
        if self.reset_time_s < 0 or self.warmup_time_s < 0:
            raise ValueError("reset_time_s and warmup_time_s must be >= 0")


@dataclass
class Status:
    """What the recorder is doing now (the page and the progress line show it)."""

    phase: str = "waiting"
    episode: int = 0  # index the next saved episode gets
    saved: int = 0  # episodes saved in this session
    task: str = ""
    elapsed_s: float = 0.0  # in the current phase
    frames: int = 0  # in the current episode
    stale: dict = field(default_factory=dict)  # camera -> stale frames this episode
    repeated: dict = field(default_factory=dict)  # camera -> repeated frames this episode
    message: str = ""
    last_saved: dict = field(default_factory=dict)


class Recorder:
    """Runs a recording session; thread-safe verbs; `run()` blocks until finished."""

    def __init__(self, sampler, writer, config):
        self.sampler, self.writer, self.config = sampler, writer, config
        self.status = Status(episode=writer.total_episodes, task=config.tasks[0])
        self._verbs = queue.Queue()
        self._listeners = []
        self._frame_listeners = []
        self._task_index = 0
        self._phase_start = time.monotonic()
        self._start_when_ready = False  # start was pressed while waiting for the topics
        self._undoable = False  # the newest saved episode may still be undone (retry in the reset)
        self._flags_in = (
            collections.deque()
        )  # flags for the episode being recorded, from other threads (E-STOP)
        self.error = None

    def listen(self, callback):
        """Call `callback(event_dict)` on every event (from the recorder's thread: keep it quick)."""
        self._listeners.append(callback)

    def listen_frames(self, callback):
        """Call `callback(frame)` with every recorded frame, after the writer took it (raw-bag capture)."""
        self._frame_listeners.append(callback)

    def command(self, verb):
        """start | save | next | retry | skip | finish (| discard: the episode being recorded, as the
        service does when it stops with --on-stop discard); ValueError for anything else."""
        if verb not in ("start", "save", "next", "retry", "skip", "finish", "discard"):
            raise ValueError(f"unknown recorder command {verb!r}: start, save, next, retry, skip or finish")
        self._verbs.put(verb)

    def flag(self, name):
        """Mark the episode being recorded, if one is (e.g. "estop"); from any thread."""
        self._flags_in.append(name)

    def phase_elapsed_s(self):
        """Seconds since the current phase began (live, unlike the last event's)."""
        return time.monotonic() - self._phase_start

    def on_button(self, msg):
        """Leader button (std_msgs/String): right = next, left = retry; long presses finish / skip."""
        verb = BUTTONS.get(msg.data.strip())
        if verb:
            self.command("start" if verb == "next" and self.status.phase == "idle" else verb)

    # the loop -----------------------------------------------------------------------------------
    def run(self):
        """Record until the configured episodes are saved or `finish`; returns the Status."""
        pacer = self._pacer = Pacer(1.0 / self.sampler.period_s)
        self._enter("waiting", "waiting for every topic")
        while self.status.phase not in ("finished", "error"):
            now = pacer.wait()
            try:
                self._tick(now)
            except DatasetError as err:
                self.error = str(err)
                self.writer.discard_episode()
                self._enter("error", str(err))
        return self.status

    def _tick(self, now):
        verb = self._next_verb()
        phase, elapsed = self.status.phase, now - self._phase_start
        self.status.elapsed_s = elapsed
        while self._flags_in:  # popleft is atomic: a flag added meanwhile waits for the next tick
            name = self._flags_in.popleft()
            if phase == "recording":
                self.writer.flag(name)
        if verb == "finish":
            if phase == "recording" and self.writer.frames:
                self._save()
            self.writer.discard_episode()  # an episode with no frame yet, or none at all
            return self._enter("finished", f"{self.status.saved} episodes saved")
        if phase == "waiting":
            self._start_when_ready = self._start_when_ready or verb in (
                "start",
                "next",
            )  # pressed early: kept
            missing = self.sampler.missing()
            if not missing:
                return self._enter(
                    "warmup" if self.config.start_now or self._start_when_ready else "idle", ""
                )
            if self.config.wait_timeout_s and elapsed > self.config.wait_timeout_s:
                raise DatasetError(
                    "no recording: still "
                    + "waiting for "
                    + "; ".join(missing)
                    + ". Is the robot (or the leader) publishing? Check `imitate topics`"
                )
            if int(elapsed * 10) % 20 == 0:
                self._emit(message="waiting for " + "; ".join(missing))
        elif phase == "idle":
            if verb in ("start", "next"):
                self._enter("warmup", "")
        elif phase == "warmup":
            self._sample(now, record=False)
            if elapsed >= self.config.warmup_time_s or verb in ("start", "next"):
                self._begin()
        elif phase == "recording":
            if (
                verb == "discard"
            ):  # the service stopping with --on-stop discard: this episode only, never an undo
                self.writer.discard_episode()
                self._undoable = False
                return self._enter("reset", "episode discarded")
            if (
                verb == "retry" and self._undoable and elapsed < UNDO_GRACE_S
            ):  # meant for the reset just ended
                self.writer.discard_episode()
                return self._undo_last_save()
            if verb == "retry":
                self.writer.discard_episode()
                self._undoable = False
                return self._enter("reset", "episode discarded: recording it again")
            if verb == "skip":
                self.writer.discard_episode()
                self._undoable = False
                self._advance_task()
                return self._enter("reset", "episode skipped")
            self._sample(now, record=True)
            if verb in ("save", "next") or elapsed >= self.config.episode_time_s:
                self._save()
        elif phase == "reset":
            if verb == "retry" and self._undoable:
                return self._undo_last_save()
            if elapsed >= self.config.reset_time_s or verb in ("start", "next"):
                self._enter("warmup", "")

    def _undo_last_save(self):
        """Remove the episode saved last and record it (its task) again after a fresh reset."""
        index = self.writer.drop_last_episode()
        self._undoable = False
        self.status.saved -= 1
        self.status.episode = self.writer.total_episodes
        self._task_index = (self._task_index - 1) % len(self.config.tasks)
        self.status.task = self.config.tasks[self._task_index]
        self._enter("reset", f"episode {index} removed: reset the scene, it is recorded again")

    def _next_verb(self):
        try:
            return self._verbs.get_nowait()
        except queue.Empty:
            return None

    def _sample(self, now, record):
        try:
            frame = self.sampler.sample(now)
        except NotReady as err:  # a source went silent after the start: hold, say so
            self._emit(message=str(err))
            return
        self._lock_phase(frame)
        if record:
            self.writer.add_frame(frame.state, frame.action, frame.images, frame.stale, frame.repeated)
            for callback in self._frame_listeners:
                callback(frame)
            self.status.frames = self.writer.frames
            self.status.stale = dict(self.sampler.stale_counts)
            self.status.repeated = dict(self.sampler.repeat_counts)
            if self.status.frames % max(1, int(0.5 / self.sampler.period_s)) == 0:
                self._emit()

    def _lock_phase(self, frame):
        """Keep the grid's ticks half a period after the cameras' frames arrive (phase_shift)."""
        ages = [frame.ages[f"camera/{c}"] for c in self.sampler.cameras]
        self._pacer.shift(phase_shift(ages, self.sampler.period_s))

    def _begin(self):
        self.status.task = self.config.tasks[self._task_index]
        self.writer.begin_episode(self.status.task)
        self.sampler.reset_counts()
        self.status.frames = 0
        self._enter("recording", "")

    def _save(self):
        self._enter("saving", "")
        saved = self.writer.save_episode()
        self.status.saved += 1
        self.status.episode = self.writer.total_episodes
        self.status.last_saved = {
            "index": saved.index,
            "frames": saved.frames,
            "save_s": round(saved.save_s, 3),
            "stale": saved.stale,
            "repeated": saved.repeated,
            "flags": saved.flags,
            "path": str(self.writer.root),
        }
        self._advance_task()
        self._undoable = True
        if self.status.saved >= self.config.episodes:
            return self._enter("finished", f"{self.status.saved} episodes saved")
        self._enter("reset", f"episode {saved.index} saved ({saved.frames} frames)")

    def _advance_task(self):
        self._task_index = (self._task_index + 1) % len(self.config.tasks)
        self.status.task = self.config.tasks[self._task_index]

    def _enter(self, phase, message):
        self.status.phase, self.status.message, self.status.elapsed_s = phase, message, 0.0
        self._phase_start = time.monotonic()
        self._emit(message=message)

    def _emit(self, message=None):
        if message is not None:
            self.status.message = message
        event = {
            "phase": self.status.phase,
            "episode": self.status.episode,
            "saved": self.status.saved,
            "episodes": self.config.episodes,
            "episode_time_s": self.config.episode_time_s,
            "reset_time_s": self.config.reset_time_s,
            "undoable": self._undoable,
            "task": self.status.task,
            "elapsed_s": round(self.status.elapsed_s, 2),
            "frames": self.status.frames,
            "stale": self.status.stale,
            "repeated": self.status.repeated,
            "message": self.status.message,
            "last_saved": self.status.last_saved,
        }
        for listener in self._listeners:
            try:
                listener(event)
            except Exception:  # a broken listener must not stop a recording
                log.exception("recorder listener failed")

    def start_thread(self):
        """Run in a background thread; returns it."""
        thread = threading.Thread(target=self.run, name="recorder", daemon=True)
        thread.start()
        return thread
