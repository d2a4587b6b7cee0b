"""`imitate eval --sim-task`: a policy evaluated on each simulated task, beside each task's baselines."""

import json
import subprocess
import sys

import pytest

from imitate.edge.sim.tasks import TASKS


@pytest.mark.slow
def test_eval_reports_each_task_and_tags_rollouts_with_its_instruction(packages, tmp_path):
    lerobot_dataset = pytest.importorskip("lerobot.datasets.lerobot_dataset", reason="lerobot not installed")

    out = subprocess.run(
        [
            sys.executable, "-m", "imitate.cli", "eval", "--transport", "sim", "--policy",
            str(packages["act"].root), "--sim-task", "mixed", "--episodes", "2", "--time-limit", "1",
            "--record", str(tmp_path / "rollouts"), "--report", str(tmp_path / "report.json"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr[-2000:]
    print(out.stdout)
    played = [line.split()[2] for line in out.stdout.splitlines() if line.startswith("episode ")]
    assert played == ["pick", "pick", "place", "place", "avoid", "avoid"]
    rows = [
        line.split()[:2]
        for line in out.stdout.splitlines()
        if line.split()[:1] in (["pick"], ["place"], ["avoid"])
    ]
    assert rows == [[t, n] for t in ("pick", "place", "avoid") for n in ("policy", "scripted", "blind")]
    report = json.loads((tmp_path / "report.json").read_text())
    assert set(report["by_task"]) == {"pick", "place", "avoid"}
    for results in report["by_task"].values():
        assert set(results) == {"policy", "scripted leader", "blind replay"}
        assert all(r["episodes"] == 2 for r in results.values())
    assert report["success"]["policy"]["episodes"] == 6
    rollouts = lerobot_dataset.LeRobotDataset(
        "local/rollouts", root=tmp_path / "rollouts", video_backend="pyav"
    )
    texts = [TASKS[t].text for t in ("pick", "place", "avoid")]
    assert list(rollouts.meta.tasks.index) == texts  # each rollout under its task's instruction
    starts = [int(rollouts.meta.episodes[k]["dataset_from_index"]) for k in range(6)]
    assert [rollouts[s]["task"] for s in starts] == [t for t in texts for _ in range(2)]
