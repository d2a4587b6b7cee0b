"""Read a LeRobot v3.0 dataset without lerobot: info, tasks, episodes, one episode's columns and videos.

For the page's dataset viewer and the dataset tools; it reads what any v3.0 writer wrote (lerobot's
own files with several episodes per file too), through the episode metadata's indices.
"""
import json
from pathlib import Path

import numpy as np
import pyarrow.compute as pc
import pyarrow.parquet as pq

from . import layout
from .writer import DatasetError


class DatasetReader:
    """A dataset folder; DatasetError if it is not a LeRobot v3.0 dataset."""

    def __init__(self, root):
        self.root = Path(root)
        info_path = self.root / "meta" / "info.json"
        try:
            self.info = json.loads(info_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise DatasetError(f"{self.root} is not a dataset: no meta/info.json") from None
        except (ValueError, UnicodeDecodeError) as err:
            raise DatasetError(
                f"{info_path} is not valid JSON ({err}): the dataset's metadata is damaged"
            ) from None
        version = self.info.get("codebase_version")
        if version != layout.CODEBASE_VERSION:
            raise DatasetError(
                f"{self.root} is LeRobot format {version}, expected {layout.CODEBASE_VERSION}: "
                "convert it with lerobot's v30 conversion script"
            )
        self.fps = self.info["fps"]
        self.features = self.info["features"]
        self.video_keys = [k for k, f in self.features.items() if f["dtype"] == "video"]

    @property
    def cameras(self):
        """Camera names (the part after observation.images.)."""
        return [k.removeprefix("observation.images.") for k in self.video_keys]

    def joint_names(self):
        """Names of the state's joints, in order, whatever form `names` has (layout.vector_names)."""
        return layout.vector_names(self.features["observation.state"], "state")[0]

    def names_note(self):
        """What was guessed about the state's and action's names ("" when nothing was)."""
        notes = [
            layout.vector_names(self.features[k], p)[1]
            for k, p in (("observation.state", "state"), ("action", "action"))
            if k in self.features
        ]
        return "; ".join(n for n in notes if n)

    def tasks(self):
        """Task strings by task index."""
        path = self.root / "meta" / "tasks.parquet"
        if not path.exists():
            return []
        table = pq.read_table(path)
        names = (
            table.column("__index_level_0__")
            if "__index_level_0__" in table.column_names
            else table.column("task")
        )
        order = np.argsort(table.column("task_index").to_numpy())
        return [names[int(i)].as_py() for i in order]

    def episodes(self):
        """One dict per committed episode (the episode metadata rows, without the stats columns)."""
        total = self.info["total_episodes"]
        files = sorted((self.root / "meta" / "episodes").glob("*/*.parquet"))
        rows = []
        for path in files:
            table = pq.read_table(path)
            keep = [c for c in table.column_names if not c.startswith("stats/")]
            rows += table.select(keep).to_pylist()
        rows = sorted((r for r in rows if r["episode_index"] < total), key=lambda r: r["episode_index"])
        return rows

    def episode(self, index):
        """The metadata row of episode `index`; DatasetError if there is none."""
        for row in self.episodes():
            if row["episode_index"] == index:
                return row
        raise DatasetError(
            f"episode {index} is not in {self.root.name} ({self.info['total_episodes']} episodes: "
            f"0..{self.info['total_episodes'] - 1})"
        )

    def episode_columns(self, index, columns=("timestamp", "observation.state", "action")):
        """{column: np.ndarray} of one episode's rows."""
        row = self.episode(index)
        path = self.root / layout.DATA_PATH.format(
            chunk_index=row["data/chunk_index"], file_index=row["data/file_index"]
        )
        table = pq.read_table(path, columns=list(dict.fromkeys([*columns, "episode_index"])))
        table = table.filter(pc.equal(table["episode_index"], index))
        return {c: np.array(table[c].to_pylist(), dtype=np.float64) for c in columns}

    def video_path(self, index, video_key):
        """(mp4 path, from_timestamp, to_timestamp) of an episode's video for one camera."""
        row = self.episode(index)
        path = self.root / layout.VIDEO_PATH.format(
            video_key=video_key,
            chunk_index=row[f"videos/{video_key}/chunk_index"],
            file_index=row[f"videos/{video_key}/file_index"],
        )
        return path, row[f"videos/{video_key}/from_timestamp"], row[f"videos/{video_key}/to_timestamp"]


def joint_jumps(values, fps, limit_rad_s=3.0):
    """Frame indices where any joint moves faster than `limit_rad_s` between two frames (a jump)."""
    if len(values) < 2:
        return []
    speed = np.abs(np.diff(values, axis=0)) * fps
    return (np.nonzero((speed > limit_rad_s).any(axis=1))[0] + 1).tolist()
