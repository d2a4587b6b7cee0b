"""Dataset tools: info, validate, delete episodes, merge, split. Edits never touch the original in place.

An edit builds the new dataset in a sibling folder (`<name>.imitate-edit`), then swaps it in with
two renames (original -> `<name>.imitate-old`, new -> original) and deletes the old one. Killed
before the swap: the original is untouched and the half-built folder is removed by the next edit.
Killed between the renames: `recover()` (run by every tool) puts the original back.

Videos are never re-encoded: each kept episode's video file is hard-linked (or copied) with its
from/to timestamps, so a file lerobot wrote with several episodes stays valid for the ones kept.
"""
import os
import shutil
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from . import layout
from . import metadata as meta
from .files import fsync_dir, write_json_atomic, write_parquet_atomic
from .reader import DatasetReader
from .stats import aggregate, to_json
from .writer import DatasetError

EDIT, OLD = ".imitate-edit", ".imitate-old"


def recover(root):
    """Finish or undo an edit that was interrupted; returns what it did, or ''."""
    root = Path(root)
    edit, old = root.with_name(root.name + EDIT), root.with_name(root.name + OLD)
    if not root.exists() and old.exists():  # killed between the two renames: the original goes back
        old.rename(root)
        shutil.rmtree(edit, ignore_errors=True)
        return f"{root}: an interrupted edit was undone; the dataset is as it was before it"
    done = []
    for leftover in (edit, old):
        if leftover.exists():
            shutil.rmtree(leftover)
            done.append(f"removed {leftover.name} left by an interrupted edit")
    return "; ".join(done)


def info(root):
    """A short summary dict of a dataset."""
    recover(root)
    ds = DatasetReader(root)
    size = sum(p.stat().st_size for p in Path(root).rglob("*") if p.is_file())
    return {"path": str(root), "robot_type": ds.info.get("robot_type"), "fps": ds.fps,
            "episodes": ds.info["total_episodes"], "frames": ds.info["total_frames"], "tasks": ds.tasks(),
            "cameras": ds.cameras, "joints": len(ds.joint_names()), "joint_names": ds.joint_names(),
            **({"names_note": ds.names_note()} if ds.names_note() else {}), "size_mb": round(size / 1e6, 1)}


def validate(root, check_videos=True):
    """(problems, notes): what lerobot would trip over, and imitate's drop flags (not errors)."""
    recover(root)
    ds = DatasetReader(root)
    problems, notes = [], [ds.names_note()] if ds.names_note() else []
    episodes = ds.episodes()
    if len(episodes) != ds.info["total_episodes"]:
        problems.append(
            f"info.json says {ds.info['total_episodes']} episodes, meta/episodes has {len(episodes)}"
        )
    tasks = ds.tasks()
    expected_index = 0
    for row in episodes:
        i = row["episode_index"]
        try:
            cols = ds.episode_columns(i, ("timestamp", "frame_index", "index", "task_index"))
        except (OSError, pa.ArrowException) as err:
            problems.append(f"episode {i}: data file unreadable ({err})")
            continue
        n = len(cols["timestamp"])
        if n != row["length"]:
            problems.append(f"episode {i}: {n} rows in data, length {row['length']} in its metadata")
        if n and np.abs(cols["timestamp"] - np.arange(n) / ds.fps).max() > 1e-4:
            problems.append(f"episode {i}: timestamps are off the {ds.fps} fps grid")
        if n and (cols["frame_index"] != np.arange(n)).any():
            problems.append(f"episode {i}: frame_index is not 0..{n - 1}")
        if n and (cols["index"] != np.arange(expected_index, expected_index + n)).any():
            problems.append(f"episode {i}: global index does not continue from the previous episode")
        expected_index += n
        if n and cols["task_index"].max() >= len(tasks):
            problems.append(
                f"episode {i}: task_index {int(cols['task_index'].max())} has no task in meta/tasks"
            )
        for key in ds.video_keys:
            path, start, end = ds.video_path(i, key)
            if not path.is_file():
                problems.append(f"episode {i}: video {path.relative_to(ds.root)} is missing")
            elif check_videos and start == 0 and abs(end - n / ds.fps) < 1e-6:
                frames = _video_frames(path)
                if frames is not None and frames < n:
                    problems.append(f"episode {i}: {key} has {frames} video frames for {n} rows")
        for cam in ds.cameras:
            stale, repeated = row.get(f"imitate/stale/{cam}") or 0, row.get(f"imitate/repeated/{cam}") or 0
            if stale or repeated:
                notes.append(f"episode {i}: {cam} dropped {stale} frames (stale) and repeated {repeated}")
        for flag in row.get("imitate/flags") or []:
            notes.append(f"episode {i}: {flag}")
    if ds.info["total_frames"] != expected_index:
        problems.append(
            f"info.json says {ds.info['total_frames']} frames, the episodes have {expected_index}"
        )
    if not (ds.root / "meta" / "stats.json").exists():
        problems.append("meta/stats.json is missing (lerobot normalizes with it)")
    return problems, notes


def _video_frames(path):
    import av

    try:
        with av.open(str(path)) as container:
            stream = container.streams.video[0]
            return stream.frames or sum(1 for _ in container.demux(stream) if _.size)
    except (av.FFmpegError, IndexError, OSError):
        return 0


def delete_episodes(root, episodes):
    """Remove `episodes` (indices); the rest are renumbered. Returns a report dict."""
    recover(root)
    ds = DatasetReader(root)
    total = ds.info["total_episodes"]
    bad = sorted(i for i in set(episodes) if not 0 <= i < total)
    if bad:
        raise DatasetError(f"no episode {bad} in {ds.root.name}: it has episodes 0..{total - 1}")
    keep = [(ds, i) for i in range(total) if i not in set(episodes)]
    if not keep:
        raise DatasetError("that would delete every episode: delete the dataset folder instead")
    _rewrite(ds.root, keep)
    return {"deleted": sorted(set(episodes)), "episodes": len(keep)}


def merge(sources, out):
    """A new dataset at `out` with every episode of `sources` (same fps, joints and cameras)."""
    out = Path(out)
    if out.exists():
        raise DatasetError(f"{out} exists: merge writes a new dataset, give a new folder")
    for s in sources:
        recover(s)
    readers = [DatasetReader(s) for s in sources]
    first = readers[0]
    for ds in readers[1:]:
        for key in ("observation.state", "action", *first.video_keys):
            if ds.features.get(key, {}).get("shape") != first.features[key]["shape"] or ds.features[key].get(
                "names"
            ) != first.features[key].get("names"):
                raise DatasetError(
                    f"{ds.root} and {first.root} differ in {key}: only datasets of one robot merge"
                )
        if ds.fps != first.fps or set(ds.video_keys) != set(first.video_keys):
            raise DatasetError(
                f"{ds.root} ({ds.fps} fps, {ds.cameras}) and {first.root} ({first.fps} fps, "
                f"{first.cameras}) differ: only datasets of one robot and rate merge"
            )
    _rewrite(out, [(ds, i) for ds in readers for i in range(ds.info["total_episodes"])])
    return {"episodes": sum(ds.info["total_episodes"] for ds in readers), "path": str(out)}


def split(root, out_a, out_b, first_b):
    """Episodes 0..first_b-1 into `out_a`, the rest into `out_b` (train / validation)."""
    recover(root)
    ds = DatasetReader(root)
    total = ds.info["total_episodes"]
    if not 0 < first_b < total:
        raise DatasetError(f"split point {first_b}: expected 1..{total - 1} for {total} episodes")
    for out in (out_a, out_b):
        if Path(out).exists():
            raise DatasetError(f"{out} exists: split writes new datasets, give new folders")
    _rewrite(Path(out_a), [(ds, i) for i in range(first_b)])
    _rewrite(Path(out_b), [(ds, i) for i in range(first_b, total)])
    return {"a": first_b, "b": total - first_b}


# the rewrite -----------------------------------------------------------------------------------------
def _rewrite(target, episodes):
    """Write `episodes` [(DatasetReader, index)] as a new dataset, then swap it in at `target`."""
    target = Path(target)
    edit = target.with_name(target.name + EDIT)
    shutil.rmtree(edit, ignore_errors=True)
    first = episodes[0][0]
    feats = first.features
    tasks, all_stats, offset = [], [], 0
    data_schema = layout.data_schema(feats)
    files = {}  # (source root, video key, chunk, file) -> new file index
    for new_index, (ds, old_index) in enumerate(episodes):
        row = ds.episode(old_index)
        cols = ds.episode_columns(old_index, [k for k in data_schema.names])
        n = len(cols["timestamp"])
        ep_tasks = list(row["tasks"])
        for t in ep_tasks:
            if t not in tasks:
                tasks.append(t)
        old_tasks = ds.tasks()
        cols.update(
            episode_index=np.full(n, new_index),
            index=np.arange(offset, offset + n),
            task_index=np.array([tasks.index(old_tasks[int(t)]) for t in cols["task_index"]], dtype=np.int64),
        )
        cf = meta.location(new_index)
        write_parquet_atomic(edit / layout.DATA_PATH.format(**cf), meta.data_table(cols, data_schema))
        stats = meta.column_stats(cols)
        new_row = {**row, **meta.episode_row(new_index, row["tasks"], n, offset)}
        for key in ds.video_keys:
            path, _, _ = ds.video_path(old_index, key)
            source = (str(ds.root), key, row[f"videos/{key}/chunk_index"], row[f"videos/{key}/file_index"])
            if source not in files:
                files[source] = sum(1 for s in files if s[1] == key)
                vcf = layout.chunk_file(files[source])
                _link(
                    path,
                    edit / layout.VIDEO_PATH.format(video_key=key, chunk_index=vcf[0], file_index=vcf[1]),
                )
            vcf = layout.chunk_file(files[source])
            new_row.update({f"videos/{key}/chunk_index": vcf[0], f"videos/{key}/file_index": vcf[1]})
        stats.update(
            meta.row_stats(meta.read_row(ds.root, _episode_file(ds, old_index), old_index), ds.video_keys)
        )
        meta.put_stats(new_row, stats)
        all_stats.append(stats)
        _carry_raw_bag(ds.root, old_index, edit, new_index)
        table = _episode_table(ds, old_index, new_row)
        write_parquet_atomic(edit / layout.EPISODES_PATH.format(**cf), table)
        offset += n
    write_parquet_atomic(edit / "meta" / "tasks.parquet", layout.tasks_table(tasks))
    write_json_atomic(edit / "meta" / "stats.json", to_json(aggregate(all_stats)))
    info = meta.totals(first.info, len(episodes), offset, len(tasks))
    write_json_atomic(edit / "meta" / "info.json", info)
    hub_link = first.root / "meta" / "hub.json"  # where it came from, kept by an edit in place
    if target.resolve() == first.root.resolve() and hub_link.exists():
        shutil.copy2(hub_link, edit / "meta" / "hub.json")
    _swap(edit, target)


def _carry_raw_bag(root, old_index, edit, new_index):
    """The episode's `record --raw-bag` folder follows it to its new number (files linked, not copied)."""
    old_name, new_name = f"episode_{old_index:06d}", f"episode_{new_index:06d}"
    src = Path(root) / "raw" / old_name
    if not src.is_dir():
        return
    dst = edit / "raw" / new_name
    dst.mkdir(parents=True)
    for file in src.iterdir():
        if file.name == "metadata.yaml":
            (dst / file.name).write_text(file.read_text().replace(old_name, new_name))
        else:
            _link(file, dst / file.name.replace(old_name, new_name))


def _episode_file(ds, index):
    row = ds.episode(index)
    return {"chunk_index": row["meta/episodes/chunk_index"], "file_index": row["meta/episodes/file_index"]}


def _episode_table(ds, index, new_row):
    """One metadata row with the source file's schema (its own extra columns kept)."""
    schema = pq.read_schema(ds.root / layout.EPISODES_PATH.format(**_episode_file(ds, index)))
    return pa.Table.from_pylist([{name: new_row.get(name) for name in schema.names}], schema=schema)


def _link(src, dst):
    dst.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(src, dst)  # same file system: instant, no copy; the source is never written to
    except OSError:
        shutil.copy2(src, dst)


def _swap(edit, target):
    """Put the finished `edit` folder at `target`, durably; an existing target goes away last."""
    for path in edit.rglob("*"):
        if path.is_dir():
            fsync_dir(path)
    old = target.with_name(target.name + OLD)
    if target.exists():
        target.rename(old)
    edit.rename(target)
    fsync_dir(target.parent)
    shutil.rmtree(old, ignore_errors=True)
