"""The summary `imitate demo` ends with: what a person wants to know after a run, in one table.

Success with its 95% interval (Wilson's), the recording's stale and repeated frames per camera, the
training curve, inference and control-loop timing, where everything is, the page, and the command
that runs the same policy on a real robot.
"""

import glob
import math

import pyarrow.parquet as pq


def wilson_interval(successes, n, z=1.96):
    """(low, high) of the 95% Wilson score interval for `successes` of `n`; (0, 1) for n = 0."""
    if n == 0:
        return 0.0, 1.0
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def frame_drops(dataset):
    """{camera: (stale, repeated, either, frames)} over every episode of a dataset imitate recorded
    (a frame can be both stale and repeated: `either` counts it once)."""
    rows = [pq.read_table(p).to_pylist() for p in sorted(glob.glob(f"{dataset}/meta/episodes/*/*.parquet"))]
    episodes = [row for table in rows for row in table]
    frames = sum(e["length"] for e in episodes)
    cameras = sorted({k.split("/", 2)[2] for e in episodes for k in e if k.startswith("imitate/stale/")})
    return {
        c: (
            sum(e.get(f"imitate/stale/{c}") or 0 for e in episodes),
            sum(e.get(f"imitate/repeated/{c}") or 0 for e in episodes),
            sum(len(e.get(f"imitate/bad_frames/{c}") or ()) for e in episodes),
            frames,
        )
        for c in cameras
    }


def safety_by_joint(report, most=3):
    """'position: gripper_l_joint1 12%, ...; velocity: ...': each rule's `most` joints, as shares of ticks."""
    ticks = max(1, report.get("ticks", 0))
    parts = []
    for rule, joints in report.get("safety_by_joint", {}).items():
        shown = ", ".join(f"{j} {n / ticks:.0%}" for j, n in list(joints.items())[:most])
        more = f" (+{len(joints) - most} more)" if len(joints) > most else ""
        parts.append(f"{rule}: {shown}{more}")
    return "; ".join(parts) or "never acted"


def summary_rows(s, quick):
    """[(what, value)] for a demo run's summary dict `s`."""
    e = s["eval"]
    rows = [("episodes recorded", f"{s['episodes']} ({s['frames']} frames, {s['dataset_mb']:.1f} MB)")]
    for cam, (stale, repeated, either, frames) in s["drops"].items():
        share = either / frames if frames else 0.0
        rows.append((f"  {cam}: stale / repeated frames", f"{stale} / {repeated} ({share:.1%} of {frames})"))
    rows += [
        ("training", f"{s['training_s']:.0f} s, final loss {s['final_loss']:.3f}, curve {s['curve']}"),
        ("parity (max abs error vs lerobot)", f"{s['parity']:.2e}"),
        ("inference p50 / p99", f"{e['infer_p50_ms']:.1f} / {e['infer_p99_ms']:.1f} ms ({e['backend']})"),
        (
            f"control loop ({e.get('control', '?')}) p99 period error",
            f"{e['period_error_p99_ms']:.2f} ms, {e['missed_ticks']} missed ticks",
        ),
        ("safety filter: ticks it acted, by joint", safety_by_joint(e)),
    ]
    if quick:
        rows.append(("success", "not judged in --quick (too little training)"))
    else:
        for name in ("policy", "scripted leader", "blind replay"):
            r = e["success"][name]
            wins = round(r["rate"] * r["episodes"])
            low, high = wilson_interval(wins, r["episodes"])
            interval = f"95% interval {low:.0%}-{high:.0%}"
            rows.append((f"success: {name}", f"{r['rate']:.0%} of {r['episodes']} ({interval})"))
    rows += [
        ("total time", f"{s['total_s']:.0f} s"),
        ("dataset / run / package", f"{s['data']} / {s['run']} / {s['package']}"),
        ("evaluation report", str(s["report"])),
    ]
    if s.get("page"):
        rows.append(("control page (while it runs)", s["page"]))
    rows.append(
        (
            "on a real robot",
            f"imitate run --profile ai_worker_bg2 --transport dds --policy {s['package']}  "
            "(after training on its own data: see the README)",
        )
    )
    return rows


def print_summary(s, quick):
    """Print the summary table of a demo run."""
    print("\n=== summary")
    for k, v in summary_rows(s, quick):
        print(f"{k:<40} {v}")
