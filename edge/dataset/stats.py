"""Per-episode and aggregated feature statistics, computed the way lerobot 0.4.4 computes them.

Keys per feature: min, max, mean, std, count, q01, q10, q50, q90, q99. Vectors are per dimension;
camera stats are per RGB channel on values scaled to [0, 1], shaped (3, 1, 1), over frames
downsampled so their long side is about 150 px. Aggregation weights by count (parallel variance
for std; quantiles are count-weighted averages, the approximation lerobot makes too).
"""
import numpy as np

QUANTILES = {"q01": 0.01, "q10": 0.10, "q50": 0.50, "q90": 0.90, "q99": 0.99}


def vector_stats(values):
    """Stats of (N, D) values along N."""
    values = np.asarray(values, dtype=np.float64)
    out = {"min": values.min(0), "max": values.max(0), "mean": values.mean(0), "std": values.std(0),
           "count": np.array([len(values)])}
    for key, q in QUANTILES.items():
        out[key] = np.quantile(values, q, axis=0)
    return out


class ImageStats:
    """Running per-channel stats of a camera's frames; exact quantiles from 256-bin histograms."""

    def __init__(self):
        self.hist = np.zeros((3, 256), np.int64)  # per RGB channel, counts of each uint8 value

    def update(self, bgr):
        """Add one (H, W, 3) uint8 BGR frame."""
        step = max(1, max(bgr.shape[:2]) // 150) if max(bgr.shape[:2]) >= 300 else 1
        small = bgr[::step, ::step]
        for c, bgr_c in enumerate((2, 1, 0)):  # RGB order, as lerobot's stats
            self.hist[c] += np.bincount(small[..., bgr_c].ravel(), minlength=256)

    def result(self):
        """The stats dict, or None if no frame was added."""
        total = self.hist[0].sum()
        if total == 0:
            return None
        levels = np.arange(256) / 255.0
        mean = self.hist @ levels / total
        var = self.hist @ (levels ** 2) / total - mean ** 2
        cdf = np.cumsum(self.hist, axis=1) / total
        first = lambda mask: levels[np.argmax(mask, axis=1)]  # noqa: E731  first level where mask holds
        out = {"min": first(self.hist > 0), "max": levels[255 - np.argmax(self.hist[:, ::-1] > 0, axis=1)],
               "mean": mean, "std": np.sqrt(np.maximum(var, 0.0)), "count": np.array([total])}
        for key, q in QUANTILES.items():
            out[key] = first(cdf >= q)
        return {k: (v if k == "count" else v.reshape(3, 1, 1)) for k, v in out.items()}


def aggregate(episode_stats):
    """One stats dict per feature from a list of per-episode {feature: stats} dicts."""
    out = {}
    for feature in episode_stats[0]:
        parts = [s[feature] for s in episode_stats if feature in s]
        counts = np.array([p["count"][0] for p in parts], dtype=np.float64)
        w = (counts / counts.sum()).reshape(-1, *([1] * np.ndim(parts[0]["mean"])))
        means = np.stack([p["mean"] for p in parts])
        mean = (w * means).sum(0)
        var = (w * (np.stack([p["std"] for p in parts]) ** 2 + (means - mean) ** 2)).sum(0)
        agg = {"min": np.min([p["min"] for p in parts], 0), "max": np.max([p["max"] for p in parts], 0),
               "mean": mean, "std": np.sqrt(var), "count": np.array([int(counts.sum())])}
        for key in QUANTILES:
            agg[key] = (w * np.stack([p[key] for p in parts])).sum(0)
        out[feature] = agg
    return out


def to_json(stats):
    """Stats with numpy arrays turned into lists (for stats.json and parquet)."""
    return {f: {k: np.asarray(v).tolist() for k, v in s.items()} for f, s in stats.items()}
