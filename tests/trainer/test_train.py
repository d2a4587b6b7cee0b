"""imitate train: lerobot policies trained on simulated demonstrations, checkpoints lerobot loads."""
import json
import subprocess
import sys

import pytest


def imitate_train(*args, timeout=600):
    return subprocess.run(
        [sys.executable, "-m", "imitate.cli", "train", *args], capture_output=True, text=True, timeout=timeout
    )


def train_here(capsys, dataset, output, *args):
    """`imitate train` in this process, as the command line runs it, without a new interpreter importing
    torch and lerobot (about 10 s a call): (exit code, what it printed on stderr)."""
    from imitate.cli import main

    try:
        code = main(["train", "--dataset", str(dataset), "--output", str(output), *args])
    except SystemExit as exit_:  # argparse refuses with exit code 2
        code = exit_.code
    return code, capsys.readouterr().err


FAST = ["--steps", "4", "--save-freq", "2", "--image-size", "48x84", "--batch-size", "4"]


def events(output):
    return [json.loads(line) for line in (output / "events.jsonl").read_text().splitlines()]


@pytest.mark.parametrize("policy", ["act", "diffusion"])
def test_trains_and_saves_checkpoints_lerobot_loads(sim_dataset, tmp_path, policy):
    out = tmp_path / policy
    run = imitate_train(
        "--dataset", str(sim_dataset), "--output", str(out), "--policy", policy, "--val-episodes", "1", *FAST
    )
    assert run.returncode == 0, run.stderr[-3000:]
    last = out / "checkpoints" / "last"
    assert last.is_symlink() and last.resolve().name == "000004"
    for name in (
        "config.json",
        "model.safetensors",
        "train_config.json",
        "policy_preprocessor.json",
        "policy_postprocessor.json",
    ):
        assert (last / "pretrained_model" / name).exists(), name
    assert (last / "training_state" / "optimizer_state.safetensors").exists()
    from lerobot.policies.factory import get_policy_class

    policy_obj = get_policy_class(policy).from_pretrained(last / "pretrained_model")
    assert policy_obj.config.type == policy
    assert "observation.images.cam_head" in policy_obj.config.input_features
    assert policy_obj.config.input_features["observation.images.cam_head"].shape == (3, 48, 84)
    kinds = [e["event"] for e in events(out)]
    assert kinds[0] == "start" and kinds[-1] == "done" and "val" in kinds and kinds.count("checkpoint") == 2
    step = next(e for e in events(out) if e["event"] == "step")
    assert {"step", "loss", "lr", "samples_per_s", "eta_s", "time"} <= set(step)
    assert (out / "loss.png").stat().st_size > 1000


def test_resume_continues_at_the_saved_step_with_optimizer_state(sim_dataset, tmp_path, capsys):
    out = tmp_path / "run"
    assert train_here(capsys, sim_dataset, out, *FAST)[0] == 0
    code, err = train_here(capsys, sim_dataset, out, "--resume", *[a if a != "4" else "6" for a in FAST])
    assert code == 0, err[-3000:]
    starts = [e for e in events(out) if e["event"] == "start"]
    assert [s["step"] for s in starts] == [0, 4]
    assert (out / "checkpoints" / "last").resolve().name == "000006"
    state = json.loads((out / "checkpoints/000006/training_state/training_step.json").read_text())
    assert state["step"] == 6


def test_cosine_schedule_decays_both_learning_rates_to_a_tenth(sim_dataset, tmp_path, capsys):
    out = tmp_path / "run"
    code, err = train_here(capsys, sim_dataset, out, *FAST, "--lr-schedule", "cosine")
    assert code == 0, err[-3000:]
    state = json.loads((out / "checkpoints/000004/training_state/scheduler_state.json").read_text())
    # cpu_small's ACT: 1e-4 for the transformer and the backbone alike, a tenth at the last step
    assert state["last_epoch"] == 4 and state["_last_lr"] == pytest.approx([1e-5, 1e-5])
    assert [e["lr"] for e in events(out) if e["event"] == "step"][-1] == pytest.approx(1e-5)
    plain = tmp_path / "plain"
    assert train_here(capsys, sim_dataset, plain, *FAST)[0] == 0
    assert not (plain / "checkpoints/000004/training_state/scheduler_state.json").exists()  # ACT: constant


@pytest.mark.slow
@pytest.mark.timeout(1200)
def test_loss_falls_by_half_on_a_tiny_dataset(sim_dataset, tmp_path):
    out = tmp_path / "overfit"
    run = imitate_train(
        "--dataset",
        str(sim_dataset),
        "--output",
        str(out),
        "--steps",
        "200",
        "--save-freq",
        "200",
        "--image-size",
        "48x84",
        "--batch-size",
        "8",
        timeout=1100,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    losses = [e["loss"] for e in events(out) if e["event"] == "step"]
    print(f"\nloss {losses[0]:.3f} -> {losses[-1]:.3f} over 200 steps")
    assert losses[-1] <= losses[0] / 2


@pytest.mark.parametrize(
    "args,message",
    [
        (["--policy", "actt"], "did you mean 'act'"),
        (["--policy", "pi0"], "cannot train a pi0 policy yet: lerobot 0.4.4 runs pi0 only with"),
        (["--policy", "smolvla"], "SmolVLA is fine-tuned from its pretrained base"),
        (["--preset", "cpu_smal"], "did you mean 'cpu_small'"),
        (["--cameras", "cam_top"], "has no camera cam_top; it has cam_head, cam_wrist_1, cam_wrist_2"),
        (["--preset", "ai_worker_act", "--cameras", "cam_head,cam_belly"], "has no camera cam_belly"),
        (["--image-size", "big"], "expected HEIGHTxWIDTH"),
        (["--val-episodes", "9"], "has only 4 episodes"),
        (["--device", "cuda"], "no CUDA device here"),
    ],
)
def test_bad_input_gets_a_clear_error(sim_dataset, tmp_path, capsys, args, message):
    import torch

    if "cuda" in args and torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    code, err = train_here(capsys, sim_dataset, tmp_path / "x", *FAST, *args)
    assert code == 2 and message in err, err[-2000:]
    assert "Traceback" not in err  # one clear line (an unexpected exception would fail this test)
    assert not (tmp_path / "x" / "checkpoints").exists()  # refused before anything trained


def test_empty_or_missing_dataset_is_refused(tmp_path, capsys):
    from imitate.edge.dataset import DatasetWriter
    from imitate.edge.profile import load_profile

    DatasetWriter(tmp_path / "empty", load_profile("sim"))
    code, err = train_here(capsys, tmp_path / "empty", tmp_path / "o", *FAST)
    assert code == 2 and "has no episode" in err
    code, err = train_here(capsys, tmp_path / "nothing", tmp_path / "o", *FAST)
    assert code == 2 and "not a LeRobot dataset" in err


def test_resume_with_another_policy_is_refused(sim_dataset, tmp_path, capsys):
    out = tmp_path / "run"
    assert train_here(capsys, sim_dataset, out, *FAST)[0] == 0
    saved = (out / "checkpoints" / "last").resolve()
    code, err = train_here(capsys, sim_dataset, out, "--resume", "--policy", "diffusion", *FAST)
    assert code == 2 and "is a act policy, not diffusion" in err
    code, err = train_here(capsys, sim_dataset, out, *FAST)
    assert code == 2 and "pass --resume" in err
    assert (out / "checkpoints" / "last").resolve() == saved  # the run is left as it was


@pytest.mark.slow
def test_accelerate_launch_runs_the_same_command(sim_dataset, tmp_path):
    """The multi-GPU path, as far as one machine without a GPU allows: `accelerate launch` on CPU."""
    out = tmp_path / "accelerate"
    launcher = [
        sys.executable, "-m", "accelerate.commands.launch", "--num_processes", "1", "--num_machines", "1",
        "--mixed_precision", "no", "--dynamo_backend", "no", "--cpu", "-m", "imitate.cli", "train",
    ]
    run = subprocess.run(
        [*launcher, "--dataset", str(sim_dataset), "--output", str(out), *FAST],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    assert (out / "checkpoints" / "last" / "pretrained_model" / "model.safetensors").exists()
