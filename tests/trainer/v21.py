"""A LeRobot v2.1 dataset, laid out as lerobot 2.1 wrote it (meta/info.json with v2.1 paths,
episodes.jsonl, tasks.jsonl, episodes_stats.jsonl, one parquet and one mp4 per episode), made from
an imitate v3.0 dataset (which has one file per episode too, so each file maps to one)."""
import json
import shutil
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq

V21_DATA = "data/chunk-{episode_chunk:03d}/episode_{episode_index:06d}.parquet"
V21_VIDEO = "videos/chunk-{episode_chunk:03d}/{video_key}/episode_{episode_index:06d}.mp4"


def write_v21(v3_root, out):
    v3_root, out = Path(v3_root), Path(out)
    info = json.loads((v3_root / "meta" / "info.json").read_text())
    video_keys = [k for k, f in info["features"].items() if f["dtype"] == "video"]
    (out / "meta").mkdir(parents=True)
    episodes, stats = [], []
    for path in sorted((v3_root / "meta" / "episodes").glob("*/*.parquet")):
        row = pq.read_table(path).to_pylist()[0]
        index = row["episode_index"]
        episodes.append({"episode_index": index, "tasks": row["tasks"], "length": row["length"]})
        keys = {k.split("/")[1] for k in row if k.startswith("stats/")}
        stats.append(
            {
                "episode_index": index,
                "stats": {
                    key: {
                        s: np.asarray(row[f"stats/{key}/{s}"]).tolist()
                        for s in ("min", "max", "mean", "std", "count")
                    }
                    for key in keys
                },
            }
        )
        data = pq.read_table(v3_root / f"data/chunk-000/file-{index:03d}.parquet")
        target = out / V21_DATA.format(episode_chunk=0, episode_index=index)
        target.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(data, target)
        for key in video_keys:
            video = out / V21_VIDEO.format(episode_chunk=0, video_key=key, episode_index=index)
            video.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(v3_root / f"videos/{key}/chunk-000/file-{index:03d}.mp4", video)
    tasks = pq.read_table(v3_root / "meta" / "tasks.parquet").to_pylist()
    (out / "meta" / "tasks.jsonl").write_text(
        "".join(
            json.dumps({"task_index": t["task_index"], "task": t.get("__index_level_0__") or t.get("task")})
            + "\n"
            for t in tasks
        )
    )
    (out / "meta" / "episodes.jsonl").write_text("".join(json.dumps(e) + "\n" for e in episodes))
    (out / "meta" / "episodes_stats.jsonl").write_text("".join(json.dumps(s) + "\n" for s in stats))
    v21 = {k: v for k, v in info.items() if k not in ("data_files_size_in_mb", "video_files_size_in_mb")}
    v21.update(
        codebase_version="v2.1",
        total_chunks=1,
        total_videos=len(episodes) * len(video_keys),
        data_path=V21_DATA,
        video_path=V21_VIDEO if video_keys else None,
    )
    (out / "meta" / "info.json").write_text(json.dumps(v21, indent=2))
    return out
