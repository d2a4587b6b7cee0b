"""Durable file writes: new file, fsync, rename over the old one, fsync the folder.

After a crash or power loss at any instant a path holds either its old content or its new
content, never a mix. Temporary names end in `.tmp`, which no LeRobot loader globs.
"""
import json
import os
from pathlib import Path

import pyarrow.parquet as pq


def fsync_dir(path):
    """Make a rename or a new entry in folder `path` survive power loss."""
    fd = os.open(str(path), os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _replace(tmp, path):
    os.replace(tmp, path)
    fsync_dir(path.parent)


def write_atomic(path, data):
    """Replace `path` with `data` (bytes) durably."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    try:
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        _replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)  # a full disk leaves no half file behind
        raise


def write_json_atomic(path, obj):
    """Write JSON to a temporary file, fsync, rename over `path`."""
    write_atomic(path, (json.dumps(obj, indent=4) + "\n").encode())


def write_parquet_atomic(path, table):
    """Replace `path` with a parquet file of `table` (snappy, as lerobot writes) durably."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    try:
        pq.write_table(table, tmp, compression="snappy")
        with open(tmp, "rb") as f:
            os.fsync(f.fileno())
        _replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def move_durably(src, dst):
    """Rename a finished file (an encoded video) into place, durably."""
    dst = Path(dst)
    dst.parent.mkdir(parents=True, exist_ok=True)
    with open(src, "rb") as f:
        os.fsync(f.fileno())
    _replace(Path(src), dst)
