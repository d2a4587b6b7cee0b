"""What a saved episode adds to a LeRobot v3.0 dataset, in one place: the data table, the episode's
metadata row, its stats, and info.json's totals. The writer (a new episode) and the tools (a
rewritten one: delete, merge, split) both build them here, so the two never disagree."""
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from . import layout
from .stats import vector_stats


def location(index):
    """{"chunk_index", "file_index"} of an episode's files (one episode per file)."""
    chunk, file = layout.chunk_file(index)
    return {"chunk_index": chunk, "file_index": file}


def data_table(columns, schema):
    """The episode's frames as a table of `schema`: (N, D) columns become fixed-size lists, int64
    fields int64 and everything else float32, as lerobot reads them."""
    arrays = {}
    for name in schema.names:
        value = np.asarray(columns[name])
        value = value.astype(np.int64 if schema.field(name).type == pa.int64() else np.float32)
        arrays[name] = (pa.FixedSizeListArray.from_arrays(pa.array(value.ravel()), value.shape[1])
                        if value.ndim == 2 else value)
    return pa.table(arrays, schema=schema)


def column_stats(columns):
    """Per-feature stats of the episode's frame columns (each (N,) or (N, D))."""
    return {k: vector_stats(np.asarray(v).reshape(len(v), -1)) for k, v in columns.items()}


def episode_row(index, tasks, length, first_frame):
    """The standard fields of an episode's metadata row (videos and stats are added to it)."""
    at = location(index)
    return {"episode_index": index, "tasks": list(tasks), "length": length,
            "data/chunk_index": at["chunk_index"], "data/file_index": at["file_index"],
            "dataset_from_index": first_frame, "dataset_to_index": first_frame + length,
            "meta/episodes/chunk_index": at["chunk_index"], "meta/episodes/file_index": at["file_index"]}


def put_stats(row, stats):
    """Write `stats` {feature: {stat: array}} into the row as stats/<feature>/<stat> lists."""
    for key, st in stats.items():
        for s in layout.STAT_KEYS:
            row[f"stats/{key}/{s}"] = np.asarray(st[s]).tolist()
    return row


def row_stats(row, keys):
    """{feature: {stat: array}} read back from an episode's metadata row."""
    return {key: {s: np.asarray(row[f"stats/{key}/{s}"]) for s in layout.STAT_KEYS} for key in keys}


def read_row(root, row_location, index):
    """Episode `index`'s metadata row from the file at `row_location` (a location() dict)."""
    table = pq.read_table(root / layout.EPISODES_PATH.format(**row_location))
    return next(r for r in table.to_pylist() if r["episode_index"] == index)


def totals(info, episodes, frames, tasks):
    """info.json with the dataset's totals after a commit."""
    return {**info, "total_episodes": episodes, "total_frames": frames, "total_tasks": tasks,
            "splits": {"train": f"0:{episodes}"}}
