"""Training in several processes, as on several GPUs: `accelerate launch --multi_gpu --num_processes 2`
runs `imitate train` on torch.distributed (gloo on this CPU-only machine, NCCL on GPUs; accelerate's
`--cpu` would start one process only). Same global batch and seed as a
single-process run: the validation losses must agree with that run's, and the checkpoint must export."""
import json
import subprocess
import sys

import pytest

from imitate.edge.policy import make_policy

pytestmark = pytest.mark.slow
STEPS = ["--steps", "40", "--save-freq", "20", "--val-episodes", "1", "--image-size", "48x84",
         "--policy", "act", "--preset", "cpu_small", "--device", "cpu", "--num-workers", "0"]


def train(dataset, out, processes, batch):
    args = ["train", "--dataset", str(dataset), "--output", str(out), "--batch-size", str(batch), *STEPS]
    if processes == 1:
        cmd = [sys.executable, "-m", "imitate.cli", *args]
    else:
        cmd = [
            sys.executable, "-m", "accelerate.commands.launch", "--multi_gpu",
            "--num_processes", str(processes), "--num_machines", "1",
            "--mixed_precision", "no", "--dynamo_backend", "no",
            "-m", "imitate.cli", *args,
        ]
    run = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stderr[-3000:]
    return [json.loads(line) for line in (out / "events.jsonl").read_text().splitlines()]


def val_losses(events):
    return [e["val_loss"] for e in events if e["event"] == "val"]


def test_two_processes_train_like_one_and_the_checkpoint_exports(sim_dataset, tmp_path):
    one = train(sim_dataset, tmp_path / "one", processes=1, batch=8)
    two = train(sim_dataset, tmp_path / "two", processes=2, batch=4)  # 2 x 4: the same global batch
    start = next(e for e in two if e["event"] == "start")
    assert start["processes"] == 2 and next(e for e in one if e["event"] == "start")["processes"] == 1
    assert [e["event"] for e in two].count("done") == 1  # only the main process writes events
    assert [e["step"] for e in two if e["event"] == "checkpoint"] == [20, 40]
    loss_one, loss_two = val_losses(one), val_losses(two)
    print("validation loss at steps 20/40: one process", loss_one, "two processes", loss_two)
    # at both checkpoints the two agree (that training learns is test_train.py's: the loss halves)
    assert all(0.67 < two_ / one_ < 1.5 for one_, two_ in zip(loss_one, loss_two, strict=True)), (
        loss_one,
        loss_two,
    )

    out = subprocess.run(
        [sys.executable, "-m", "imitate.cli", "export", str(tmp_path / "two"), "--out", str(tmp_path / "pkg"),
         "--dataset", str(sim_dataset), "--frames", "4"],
        capture_output=True, text=True, timeout=600,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    policy = make_policy(tmp_path / "pkg", backend="ort-cpu")
    assert policy.package.spec["parity"]["max_abs_error"] <= 1e-4
