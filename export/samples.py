"""Observations for the parity check: frames of the training data, or random ones (and it says so)."""
import logging
from pathlib import Path

import numpy as np

from imitate.edge.images import resize_rgb

log = logging.getLogger(__name__)


def sample_observations(dataset, cameras, n_joints, frames=32):
    """([{"state": (S,), "images": {camera: (h, w, 3) uint8}, "task": str}], where they came from); random
    observations have no task."""
    if dataset is None:
        log.warning("no --dataset given: parity is checked on %d random observations, not real ones", frames)
        rng = np.random.default_rng(0)
        return [
            {
                "state": rng.standard_normal(n_joints).astype(np.float32),
                "images": {
                    c: rng.integers(0, 256, (h, w, 3), dtype=np.uint8) for c, (h, w) in cameras.items()
                },
            }
            for _ in range(frames)
        ], f"{frames} random observations (no dataset given)"
    from lerobot.datasets.lerobot_dataset import LeRobotDataset

    ds = LeRobotDataset("local/" + Path(dataset).name, root=dataset, video_backend="pyav")
    out = []
    for i in np.linspace(0, len(ds) - 1, min(frames, len(ds))).round().astype(int):
        item = ds[int(i)]
        images = {}
        for cam, size in cameras.items():
            chw = item[f"observation.images.{cam}"].numpy()
            images[cam] = resize_rgb((chw.transpose(1, 2, 0) * 255).round().astype(np.uint8), size)
        state = item["observation.state"].numpy().astype(np.float32)
        out.append({"state": state, "images": images, "task": item.get("task")})
    return out, f"{len(out)} frames of {dataset}"
