"""The dataset writer: episodes into a LeRobot v3.0 dataset, streaming, durable.

Lifecycle: `DatasetWriter(root, profile)` creates or re-opens (with `resume=True`) a dataset;
`begin_episode(task)`, `add_frame(...)` per frame, then `save_episode()` or `discard_episode()`.

Durability: a save writes the episode's videos, data and metadata to new files, fsyncs and renames
them into place, and commits by rewriting info.json last. lerobot sizes a dataset from info.json
(total_frames), so until that commit the new files are invisible to it. A crash at any instant leaves
a dataset that loads with every saved episode; re-opening removes the leftovers and reports them.
"""
import io
import logging
import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from . import layout
from . import metadata as meta
from .files import move_durably, write_json_atomic, write_parquet_atomic
from .stats import aggregate, to_json
from .video_encoder import CameraEncoder

log = logging.getLogger(__name__)
os.environ.setdefault("SVT_LOG", "1")  # SVT-AV1: warnings and errors only, not its banner


class DatasetError(RuntimeError):
    """A dataset cannot be opened or an episode cannot be saved; the message says what to do."""


@dataclass
class SavedEpisode:
    """The outcome of save_episode()."""

    index: int
    frames: int
    task: str
    save_s: float  # seconds from the save call until the episode was durable
    stale: dict  # camera -> frames whose image was older than one period
    repeated: dict  # camera -> frames that repeated the previous image
    flags: list = field(default_factory=list)  # problems worth a look ("encoder_behind:cam_head")


class DatasetWriter:
    """Writes episodes of one robot profile into the dataset at `root`."""

    def __init__(self, root, profile, codec="av1", fps=None, resume=False, robot_type=None):
        self.root = Path(root)
        self.profile = profile
        self.codec = codec
        self.fps = int(fps or profile.dataset_fps)
        self.cameras = [(c.name, *c.stored_size) for c in profile.cameras]  # as stored: after rotate and crop
        self.views = {c.name: c.view for c in profile.cameras}
        self.features = layout.features(profile.joint_names, self.cameras, self.fps, codec, self.views)
        self.video_keys = [layout.image_key(c[0]) for c in self.cameras]
        extra = [
            pa.field(f"imitate/{kind}/{c[0]}", pa.int64())
            for kind in ("stale", "repeated")
            for c in self.cameras
        ]
        extra += [pa.field(f"imitate/bad_frames/{c[0]}", pa.list_(pa.int64())) for c in self.cameras]
        extra += [pa.field("imitate/flags", pa.list_(pa.string()))]
        self.episodes_schema = layout.episodes_schema(self.features, self.video_keys, extra)
        self.data_schema = layout.data_schema(self.features)
        pq.write_table(pa.table({"warm_up": [0]}), io.BytesIO())  # pyarrow imports pandas on its first
        # write when pandas is installed (0.3 s): pay that now, not in the first save
        self._partial = self.root / ".imitate" / "partial"
        self._episode = None
        self.recovered = []  # what re-opening cleaned up, one line each
        if (self.root / "meta" / "info.json").is_file():
            if not resume:
                raise DatasetError(
                    f"{self.root} already holds a dataset: pass --resume to add episodes to it, "
                    f"or choose another --dataset folder"
                )
            self._open()
        else:
            self._create(robot_type or profile.robot_type)

    # opening ---------------------------------------------------------------------------------
    def _create(self, robot_type):
        if self.root.exists() and any(self.root.iterdir()):
            raise DatasetError(f"{self.root} exists and is not a dataset: choose an empty or new folder")
        self.info = layout.new_info(self.features, self.fps, robot_type)
        self.tasks, self.episode_stats = [], []
        write_json_atomic(self.root / "meta" / "info.json", self.info)

    def _open(self):
        import json

        self.info = json.loads((self.root / "meta" / "info.json").read_text())
        if self.info.get("codebase_version") != layout.CODEBASE_VERSION:
            raise DatasetError(
                f"{self.root} is format {self.info.get('codebase_version')}, imitate appends to "
                f"{layout.CODEBASE_VERSION} only: convert it with lerobot's converter first"
            )
        for key in ("observation.state", "action", *self.video_keys):
            ours, theirs = self.features[key], self.info["features"].get(key)
            if theirs is None or theirs["shape"] != ours["shape"] or theirs.get("names") != ours.get("names"):
                raise DatasetError(
                    f"{self.root}: feature {key} is {theirs and theirs['shape']} there, profile "
                    f"{self.profile.name} records {ours['shape']}: use the profile it was recorded with"
                )
        if self.info["fps"] != self.fps:
            raise DatasetError(
                f"{self.root} is recorded at {self.info['fps']} fps, not {self.fps}: pass --fps "
                f"{self.info['fps']}"
            )
        self._recover()
        tasks_path = self.root / "meta" / "tasks.parquet"
        table = pq.read_table(tasks_path) if tasks_path.exists() else None
        self.tasks = (
            []
            if table is None
            else [
                t
                for _, t in sorted(
                    zip(table["task_index"].to_pylist(), table["__index_level_0__"].to_pylist(), strict=True)
                )
            ]
        )
        self.episode_stats = [self._read_stats(e) for e in range(self.info["total_episodes"])]

    def _recover(self):
        """Remove what an interrupted save or recording left behind (episodes >= total_episodes)."""
        committed = self.info["total_episodes"]
        if self._partial.exists():
            shutil.rmtree(self._partial)
            self.recovered.append("an episode being recorded when the last session ended was discarded")
        for pattern in ("data/*/*.parquet", "meta/episodes/*/*.parquet", "videos/*/*/*.mp4", "**/*.tmp"):
            for path in self.root.glob(pattern):
                index = _episode_of(path)
                if path.suffix == ".tmp" or (index is not None and index >= committed):
                    path.unlink()
                    self.recovered.append(f"removed {path.relative_to(self.root)} of an unfinished save")
        for line in self.recovered:
            log.warning("%s: %s", self.root, line)

    def _read_stats(self, index):
        return meta.row_stats(meta.read_row(self.root, meta.location(index), index), self.features)

    # recording -------------------------------------------------------------------------------
    @property
    def total_episodes(self):
        """Episodes saved in the dataset so far."""
        return self.info["total_episodes"]

    def begin_episode(self, task):
        """Start an episode of `task`: per-camera encoders start writing at once."""
        if self._episode is not None:
            raise DatasetError("an episode is already being recorded: save or discard it first")
        if self._partial.exists():
            shutil.rmtree(self._partial)
        self._partial.mkdir(parents=True)
        encoders = {
            name: CameraEncoder(
                self._partial / f"{name}.mp4",
                self.fps,
                h,
                w,
                self.codec,
                name=name,
                rotate=self.views[name][0],
                crop=self.views[name][1],
            )
            for name, h, w in self.cameras
        }
        self._episode = {
            "task": str(task),
            "state": [],
            "action": [],
            "encoders": encoders,
            "stale": {c[0]: [] for c in self.cameras},
            "repeated": {c[0]: [] for c in self.cameras},
            "flags": [],
        }

    def flag(self, name):
        """Mark the episode being recorded (`imitate/flags`, e.g. "estop"); False when none is."""
        ep = self._episode
        if ep is None:
            return False
        if name not in ep["flags"]:
            ep["flags"].append(name)
        return True

    def add_frame(self, state, action, images, stale=(), repeated=()):
        """One frame: state and action (J,) in profile order, images {camera: JPEG bytes}.

        `stale` / `repeated`: names of cameras whose image was older than one period / the same as
        the previous frame's. They are counted and stored with the episode.
        """
        ep = self._episode
        if ep is None:
            raise DatasetError("add_frame before begin_episode")
        state, action = np.asarray(state, np.float32), np.asarray(action, np.float32)
        if state.shape != (len(self.profile.joint_names),) or action.shape != state.shape:
            raise ValueError(
                f"state and action must be ({len(self.profile.joint_names)},), got {state.shape}, "
                f"{action.shape}"
            )
        missing = [c[0] for c in self.cameras if c[0] not in images]
        if missing:
            raise ValueError(f"frame without images of {', '.join(missing)}")
        index = len(ep["state"])
        ep["state"].append(state)
        ep["action"].append(action)
        for name, enc in ep["encoders"].items():
            enc.put(images[name])
        for cam in stale:
            ep["stale"][cam].append(index)
        for cam in repeated:
            ep["repeated"][cam].append(index)

    @property
    def frames(self):
        """Frames in the episode being recorded (0 when none is)."""
        return len(self._episode["state"]) if self._episode else 0

    def encoder_backlog(self):
        """Largest queue of frames waiting for a video encoder now (0 when keeping up)."""
        return max((e.backlog for e in self._episode["encoders"].values()), default=0) if self._episode else 0

    def discard_episode(self):
        """Drop the episode being recorded; nothing of it reaches the dataset."""
        if self._episode is None:
            return
        for enc in self._episode["encoders"].values():
            enc.finish()
        self._episode = None
        shutil.rmtree(self._partial, ignore_errors=True)

    def save_episode(self):
        """Finish the videos and commit the episode durably; returns a SavedEpisode.

        DatasetError if it cannot be saved (no frame, an encoder failed, the disk is full): the
        episode is discarded and every episode saved before stays intact.
        """
        ep, start = self._episode, time.monotonic()
        if ep is None or not ep["state"]:
            self.discard_episode()
            raise DatasetError("nothing to save: the episode has no frame")
        index, frames = self.info["total_episodes"], len(ep["state"])
        videos = {name: enc.finish() for name, enc in ep["encoders"].items()}
        problems = [f"{n}: {v.error}" for n, v in videos.items() if v.error] + [
            f"{n}: {v.frames} video frames for {frames} rows"
            for n, v in videos.items()
            if not v.error and v.frames != frames
        ]
        if problems:
            self.discard_episode()
            raise DatasetError(
                f"episode {index} not saved ({'; '.join(problems)}); earlier episodes are intact"
            )
        try:
            self._commit(index, ep, videos)
        except OSError as err:
            self._undo(index)
            self.discard_episode()
            raise DatasetError(
                f"episode {index} not saved: {err.strerror or err} while writing {self.root}; "
                f"the {index} episodes saved before are intact. Free space and record again"
            ) from err
        self._episode = None
        shutil.rmtree(self._partial, ignore_errors=True)
        flags = [f"encoder_behind:{n}" for n, v in videos.items() if v.behind] + ep["flags"]
        return SavedEpisode(
            index,
            frames,
            ep["task"],
            time.monotonic() - start,
            {c: len(v) for c, v in ep["stale"].items()},
            {c: len(v) for c, v in ep["repeated"].items()},
            flags,
        )

    # committing ------------------------------------------------------------------------------
    def _commit(self, index, ep, videos):
        frames, first = len(ep["state"]), self.info["total_frames"]
        tasks = self.tasks + ([ep["task"]] if ep["task"] not in self.tasks else [])
        task_index = tasks.index(ep["task"])
        columns = {
            "observation.state": np.stack(ep["state"]),
            "action": np.stack(ep["action"]),
            "timestamp": (np.arange(frames) / self.fps).astype(np.float32),
            "frame_index": np.arange(frames),
            "episode_index": np.full(frames, index),
            "index": np.arange(first, first + frames),
            "task_index": np.full(frames, task_index),
        }
        stats = meta.column_stats(columns)
        for name, video in videos.items():
            stats[layout.image_key(name)] = video.stats
        data = meta.data_table(columns, self.data_schema)
        cf = meta.location(index)
        for name in videos:  # 1. videos, 2. data, 3. episode metadata: invisible until info.json says so
            move_durably(
                self._partial / f"{name}.mp4",
                self.root / layout.VIDEO_PATH.format(video_key=layout.image_key(name), **cf),
            )
        write_parquet_atomic(self.root / layout.DATA_PATH.format(**cf), data)
        write_parquet_atomic(
            self.root / layout.EPISODES_PATH.format(**cf), self._episode_row(index, ep, first, stats)
        )
        if len(tasks) != len(self.tasks):
            write_parquet_atomic(self.root / "meta" / "tasks.parquet", layout.tasks_table(tasks))
        all_stats = self.episode_stats + [stats]
        write_json_atomic(self.root / "meta" / "stats.json", to_json(aggregate(all_stats)))
        info = meta.totals(self.info, index + 1, first + frames, len(tasks))
        write_json_atomic(self.root / "meta" / "info.json", info)  # 4. the commit
        self.info, self.tasks, self.episode_stats = info, tasks, all_stats

    def _episode_row(self, index, ep, first, stats):
        cf, frames = meta.location(index), len(ep["state"])
        row = meta.episode_row(index, [ep["task"]], frames, first)
        for key in self.video_keys:
            row.update(
                {
                    f"videos/{key}/chunk_index": cf["chunk_index"],
                    f"videos/{key}/file_index": cf["file_index"],
                    f"videos/{key}/from_timestamp": 0.0,
                    f"videos/{key}/to_timestamp": frames / self.fps,
                }
            )
        meta.put_stats(row, stats)
        for cam, _, _ in self.cameras:
            row[f"imitate/stale/{cam}"] = len(ep["stale"][cam])
            row[f"imitate/repeated/{cam}"] = len(ep["repeated"][cam])
            row[f"imitate/bad_frames/{cam}"] = sorted(set(ep["stale"][cam]) | set(ep["repeated"][cam]))
        row["imitate/flags"] = [f"encoder_behind:{n}" for n, e in ep["encoders"].items() if e.behind] + ep[
            "flags"
        ]
        return pa.Table.from_pylist([row], schema=self.episodes_schema)

    def drop_last_episode(self):
        """Remove the newest saved episode (the operator's "undo" during the reset); returns its index.

        info.json, the commit point, goes back first: a crash half-way leaves at worst unreferenced
        files that the next save overwrites. The tasks table keeps its rows (harmless, and other
        episodes may use them). DatasetError while an episode is being recorded, or when none is saved."""
        if self._episode is not None:
            raise DatasetError("an episode is being recorded: discard it before dropping the last saved one")
        index = self.info["total_episodes"] - 1
        if index < 0 or len(self.episode_stats) <= index:
            raise DatasetError("no episode saved in this session to drop")
        cf = meta.location(index)
        frames = pq.read_table(self.root / layout.EPISODES_PATH.format(**cf), columns=["length"])["length"][
            0
        ].as_py()
        stats = self.episode_stats[:-1]
        info = {
            **self.info,
            "total_episodes": index,
            "total_frames": self.info["total_frames"] - frames,
            "splits": {"train": f"0:{index}"},
        }
        write_json_atomic(self.root / "meta" / "info.json", info)
        if stats:
            write_json_atomic(self.root / "meta" / "stats.json", to_json(aggregate(stats)))
        else:  # as a new dataset: no stats until the first episode
            (self.root / "meta" / "stats.json").unlink(missing_ok=True)
        self._undo(index)
        self.info, self.episode_stats = info, stats
        return index

    def _undo(self, index):
        cf = meta.location(index)
        paths = [self.root / layout.DATA_PATH.format(**cf), self.root / layout.EPISODES_PATH.format(**cf)]
        paths += [self.root / layout.VIDEO_PATH.format(video_key=k, **cf) for k in self.video_keys]
        for path in paths:
            path.unlink(missing_ok=True)

    def close(self):
        """Discard an unsaved episode and stop; saved episodes need nothing more (no finalize)."""
        self.discard_episode()


def _episode_of(path):
    """Episode index of a file named chunk-CCC/file-FFF.*, or None."""
    try:
        chunk = int(path.parent.name.removeprefix("chunk-"))
        return chunk * layout.CHUNK_SIZE + int(path.name.split(".")[0].removeprefix("file-"))
    except ValueError:
        return None
