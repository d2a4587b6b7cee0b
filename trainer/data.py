"""Training data: lerobot's dataset (PyAV video backend), restricted to the chosen cameras, resized
with the robot's own resize function, optionally served from a cache of decoded frames.

Video decoding is lerobot's known training bottleneck (it decodes around each sampled timestamp,
every epoch). The frame cache decodes every video once, sequentially, into a memory-mapped uint8
array per camera; DataLoader workers then read frames by index.
"""
import json
import logging
from pathlib import Path

import av
import numpy as np
import torch
from lerobot.datasets.lerobot_dataset import LeRobotDataset, LeRobotDatasetMetadata

from imitate.edge.images import resize_rgb

log = logging.getLogger(__name__)
IMAGENET = {"mean": [[[0.485]], [[0.456]], [[0.406]]], "std": [[[0.229]], [[0.224]], [[0.225]]]}


def check_dataset(root, cameras):
    """The dataset's metadata; ValueError for an empty dataset or a camera it does not have."""
    root = Path(root)
    if not (root / "meta" / "info.json").is_file():
        raise ValueError(
            f"{root} is not a LeRobot dataset (no meta/info.json): record one with `imitate record`"
        )
    info = json.loads((root / "meta" / "info.json").read_text())
    if info.get("total_episodes", 0) == 0:
        raise ValueError(f"{root} has no episode: record some first")
    have = sorted(
        k.removeprefix("observation.images.") for k in info["features"] if k.startswith("observation.images.")
    )
    missing = [c for c in cameras if c not in have]
    if missing:
        raise ValueError(
            f"{root} has no camera {', '.join(missing)}; it has {', '.join(have) or 'none'}: "
            f"pass --cameras with those"
        )
    return info


class TrainingDataset(LeRobotDataset):
    """lerobot's dataset with camera selection, resizing and an optional decoded-frame cache."""

    def __init__(self, root, cameras, image_size, episodes=None, delta_timestamps=None, cache_dir=None):
        self._cameras, self._size = [f"observation.images.{c}" for c in cameras], image_size
        super().__init__(
            "local/" + Path(root).name,
            root=root,
            episodes=episodes,
            delta_timestamps=delta_timestamps,
            video_backend="pyav",
        )
        restrict(self.meta, cameras, image_size)
        self._cache = FrameCache(self, cache_dir) if cache_dir else None

    def _query_videos(self, query_timestamps, ep_idx):
        query_timestamps = {k: v for k, v in query_timestamps.items() if k in self._cameras}
        if self._cache is not None:
            return self._cache.query(query_timestamps, ep_idx)
        item = super()._query_videos(query_timestamps, ep_idx)
        return {k: _resize_tensor(v, self._size) for k, v in item.items()}


def restrict(meta, cameras, image_size):
    """Keep only `cameras` in the metadata (so lerobot builds the policy for them), at `image_size`,
    with ImageNet stats for images as lerobot-train uses by default."""
    keep = {f"observation.images.{c}" for c in cameras}
    for key in [k for k in meta.info["features"] if k.startswith("observation.images.")]:
        if key not in keep:
            del meta.info["features"][key]
            meta.stats.pop(key, None)
        else:
            if image_size:
                meta.info["features"][key]["shape"] = [image_size[0], image_size[1], 3]
            for stat, value in IMAGENET.items():
                meta.stats.setdefault(key, {})[stat] = np.array(value, dtype=np.float32)


def _resize_tensor(frames, size):
    """(..., 3, H, W) float [0, 1] -> resized through the robot's uint8 resize (exact round trip)."""
    if size is None:
        return frames
    flat = frames.reshape(-1, *frames.shape[-3:])
    out = [
        torch.from_numpy(resize_rgb((f.permute(1, 2, 0).numpy() * 255).round().astype(np.uint8), size))
        for f in flat
    ]
    return (torch.stack(out).permute(0, 3, 1, 2).float() / 255).reshape(*frames.shape[:-3], 3, *size)


class FrameCache:
    """Every frame of every selected camera, decoded once into <cache_dir>/<camera>.u8 (uint8 RGB)."""

    def __init__(self, dataset, cache_dir):
        self.dir, self.fps = Path(cache_dir), dataset.fps
        self.dir.mkdir(parents=True, exist_ok=True)
        self.episodes = dataset.meta.episodes
        total = dataset.meta.total_frames
        self.arrays = {}
        for key in dataset._cameras:
            h, w = dataset.meta.info["features"][key]["shape"][:2]
            path = (
                self.dir / f"{key.removeprefix('observation.images.')}_{h}x{w}_{total}.u8"
            )  # a new size or more frames: a new cache
            done = path.with_suffix(".done")
            if not done.exists():
                self._build(dataset, key, path, (total, h, w, 3))
                done.write_text(json.dumps({"frames": total}))
            self.arrays[key] = np.memmap(path, np.uint8, "r", shape=(total, h, w, 3))

    def _build(self, dataset, key, path, shape):
        log.info("caching decoded frames of %s (%d frames, %.0f MB)", key, shape[0], np.prod(shape) / 1e6)
        array = np.memmap(path, np.uint8, "w+", shape=shape)
        for ep in range(dataset.meta.total_episodes):
            row = dataset.meta.episodes[ep]
            start, length = row["dataset_from_index"], row["length"]
            video = dataset.root / dataset.meta.get_video_file_path(ep, key)
            first = round(row[f"videos/{key}/from_timestamp"] * self.fps)
            with av.open(str(video)) as container:
                for i, frame in enumerate(container.decode(video=0)):
                    if first <= i < first + length:
                        array[start + i - first] = resize_rgb(frame.to_ndarray(format="rgb24"), shape[1:3])
        array.flush()

    def query(self, query_timestamps, ep_idx):
        """{key: frames (T, C, H, W) float in [0, 1]} of episode ep_idx at the given times (s from its
        start)."""
        start = self.episodes[ep_idx]["dataset_from_index"]
        out = {}
        for key, stamps in query_timestamps.items():
            idx = [start + round(t * self.fps) for t in stamps]
            frames = (
                torch.from_numpy(np.ascontiguousarray(self.arrays[key][idx])).permute(0, 3, 1, 2).float()
                / 255
            )
            out[key] = frames.squeeze(0)
        return out


def load_metadata(root):
    """lerobot's metadata for a local dataset (never the Hub)."""
    return LeRobotDatasetMetadata("local/" + Path(root).name, root=root)
