"""lerobot's inverse normalization of actions, for the types whose sampling loop runs in numpy in
normalized space (Diffusion, SmolVLA): the exporter stores the mode, offset and scale in policy.json."""

import numpy as np


def unnormalize(x, norm):
    """Raw actions from normalized ones: MIN_MAX (x + 1) / 2 * scale + offset, MEAN_STD x * scale + offset."""
    offset, scale = np.asarray(norm["offset"], np.float32), np.asarray(norm["scale"], np.float32)
    if norm["mode"] == "MIN_MAX":
        return ((x + 1) / 2 * scale + offset).astype(np.float32)
    if norm["mode"] == "MEAN_STD":
        return (x * scale + offset).astype(np.float32)
    return x.astype(np.float32)
