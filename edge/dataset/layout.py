"""LeRobot dataset format v3.0 as lerobot 0.4.4 reads it: paths, features, info.json, schemas.

imitate writes one data file, one episode-metadata file and one video per camera per episode
(file index = episode index), all legal v3.0: lerobot globs every `*/*.parquet` under data/ and
meta/episodes/ and reads videos through each episode's chunk/file indices. One file per episode
means a save never rewrites earlier episodes (lerobot remuxes up to 200 MB per camera per save),
and a crash can only ever touch the episode being saved.
"""
import json

import pyarrow as pa

CODEBASE_VERSION = "v3.0"
CHUNK_SIZE = 1000  # files per chunk-XXX folder, as lerobot
DATA_PATH = "data/chunk-{chunk_index:03d}/file-{file_index:03d}.parquet"
VIDEO_PATH = "videos/{video_key}/chunk-{chunk_index:03d}/file-{file_index:03d}.mp4"
EPISODES_PATH = "meta/episodes/chunk-{chunk_index:03d}/file-{file_index:03d}.parquet"
DEFAULT_FEATURES = {
    "timestamp": {"dtype": "float32", "shape": [1], "names": None},
    "frame_index": {"dtype": "int64", "shape": [1], "names": None},
    "episode_index": {"dtype": "int64", "shape": [1], "names": None},
    "index": {"dtype": "int64", "shape": [1], "names": None},
    "task_index": {"dtype": "int64", "shape": [1], "names": None},
}
STAT_KEYS = ("min", "max", "mean", "std", "count", "q01", "q10", "q50", "q90", "q99")


def chunk_file(episode_index):
    """(chunk_index, file_index) of an episode's files."""
    return episode_index // CHUNK_SIZE, episode_index % CHUNK_SIZE


def image_key(camera):
    """The dataset feature key of a camera: observation.images.<camera>."""
    return f"observation.images.{camera}"


def vector_names(feature, prefix):
    """(names, note) of a vector feature (observation.state, action) as datasets in the wild write
    `names`: a list, a dict of lists ({"motors": [...]}, older lerobot and converted datasets), a list
    of lists, or null. Names that are missing or do not match the width are generated (`joint_0`,
    ..., the same for state and action, so a policy's inputs and outputs still line up) and `note`
    (starting with `prefix`) says so; otherwise note is ""."""
    width = int((feature.get("shape") or [0])[0])
    raw = feature.get("names")
    if isinstance(raw, dict):
        raw = [n for part in raw.values() for n in (part if isinstance(part, list) else [part])]
    elif isinstance(raw, list) and raw and all(isinstance(x, list) for x in raw):
        raw = [n for part in raw for n in part]
    if isinstance(raw, list) and len(raw) == width and all(isinstance(n, str) and n for n in raw) \
            and len(set(raw)) == width:
        return [str(n) for n in raw], ""
    generated = [f"joint_{i}" for i in range(width)]
    found = (
        "no names"
        if not raw
        else f"{len(raw)} names for {width} values"
        if isinstance(raw, list)
        else repr(raw)[:60]
    )
    return generated, f"{prefix}: {found} in info.json; using {generated[0]}..{generated[-1]}"


def features(joint_names, cameras, fps, codec, views=None):
    """info.json features for a profile's joints and cameras [(name, height, width)] as stored;
    `views` {camera: (rotate, crop)} done before storing, kept in the feature's info."""
    out = {
        "observation.state": {"dtype": "float32", "shape": [len(joint_names)], "names": list(joint_names)},
        "action": {"dtype": "float32", "shape": [len(joint_names)], "names": list(joint_names)},
    }
    for name, height, width in cameras:
        out[image_key(name)] = {
            "dtype": "video",
            "shape": [height, width, 3],
            "names": ["height", "width", "channels"],
            "info": {
                "video.height": height,
                "video.width": width,
                "video.codec": codec,
                "video.pix_fmt": "yuv420p",
                "video.is_depth_map": False,
                "video.fps": int(fps),
                "video.channels": 3,
                "has_audio": False,
            },
        }
        rotate, crop = (views or {}).get(name, (0, None))
        if rotate:
            out[image_key(name)]["info"]["imitate.rotate_deg"] = int(rotate)
        if crop:
            out[image_key(name)]["info"]["imitate.crop"] = list(crop)
    return {**out, **DEFAULT_FEATURES}


def new_info(feats, fps, robot_type):
    """info.json of an empty dataset."""
    has_video = any(f["dtype"] == "video" for f in feats.values())
    return {
        "codebase_version": CODEBASE_VERSION,
        "robot_type": robot_type,
        "total_episodes": 0,
        "total_frames": 0,
        "total_tasks": 0,
        "chunks_size": CHUNK_SIZE,
        "data_files_size_in_mb": 100,
        "video_files_size_in_mb": 200,
        "fps": int(fps),
        "splits": {"train": "0:0"},
        "data_path": DATA_PATH,
        "video_path": VIDEO_PATH if has_video else None,
        "features": feats,
    }


def data_schema(feats):
    """Arrow schema of a data file, with the Hugging Face features metadata lerobot writes."""
    fields, hf = [], {}
    for key, ft in feats.items():
        if ft["dtype"] == "video":
            continue  # frames live in the mp4s
        if key in DEFAULT_FEATURES:
            fields.append(pa.field(key, pa.float32() if ft["dtype"] == "float32" else pa.int64()))
            hf[key] = {"dtype": ft["dtype"], "_type": "Value"}
        else:
            fields.append(pa.field(key, pa.list_(pa.float32(), ft["shape"][0])))
            hf[key] = {
                "feature": {"dtype": ft["dtype"], "_type": "Value"},
                "length": ft["shape"][0],
                "_type": "List",
            }
    meta = {"huggingface": json.dumps({"info": {"features": hf}})}
    return pa.schema(fields, metadata=meta)


def episodes_schema(feats, video_keys, extra_fields=()):
    """Arrow schema of a meta/episodes file: indices, per-video ranges, per-feature stats."""
    f64, i64 = pa.float64(), pa.int64()
    fields = [
        pa.field("episode_index", i64),
        pa.field("tasks", pa.list_(pa.string())),
        pa.field("length", i64),
        pa.field("data/chunk_index", i64),
        pa.field("data/file_index", i64),
        pa.field("dataset_from_index", i64),
        pa.field("dataset_to_index", i64),
    ]
    for key in video_keys:
        fields += [
            pa.field(f"videos/{key}/chunk_index", i64),
            pa.field(f"videos/{key}/file_index", i64),
            pa.field(f"videos/{key}/from_timestamp", f64),
            pa.field(f"videos/{key}/to_timestamp", f64),
        ]
    for key, ft in feats.items():
        is_int = ft["dtype"] == "int64"
        value = pa.list_(pa.list_(pa.list_(f64))) if ft["dtype"] == "video" else pa.list_(f64)
        for stat in STAT_KEYS:
            if stat == "count" or (is_int and stat in ("min", "max")):
                fields.append(pa.field(f"stats/{key}/{stat}", pa.list_(i64)))
            else:
                fields.append(pa.field(f"stats/{key}/{stat}", value))
    fields += [pa.field("meta/episodes/chunk_index", i64), pa.field("meta/episodes/file_index", i64)]
    return pa.schema(fields + list(extra_fields))


def tasks_table(tasks):
    """meta/tasks.parquet: task_index indexed by the task string, as pandas writes it."""
    pandas_meta = {
        "index_columns": ["__index_level_0__"],
        "column_indexes": [
            {
                "name": None,
                "field_name": None,
                "pandas_type": "unicode",
                "numpy_type": "object",
                "metadata": {"encoding": "UTF-8"},
            }
        ],
        "columns": [
            {
                "name": "task_index",
                "field_name": "task_index",
                "pandas_type": "int64",
                "numpy_type": "int64",
                "metadata": None,
            },
            {
                "name": None,
                "field_name": "__index_level_0__",
                "pandas_type": "unicode",
                "numpy_type": "object",
                "metadata": None,
            },
        ],
        "attributes": {},
        "creator": {"library": "pyarrow", "version": pa.__version__},
    }
    schema = pa.schema(
        [pa.field("task_index", pa.int64()), pa.field("__index_level_0__", pa.string())],
        metadata={"pandas": json.dumps(pandas_meta)},
    )
    return pa.table({"task_index": list(range(len(tasks))), "__index_level_0__": list(tasks)}, schema=schema)
