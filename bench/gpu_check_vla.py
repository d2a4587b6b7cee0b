"""SmolVLA in bench/gpu_check.py: a checkpoint built offline (tiny when rehearsing on a CPU, else
lerobot/smolvla_base's architecture with random weights: the cost is the real one), fine-tuned two
steps on the check's data so its processors carry statistics, on the three AI Worker cameras."""

from dataclasses import replace

from imitate.trainer.loop import TrainJob, train
from imitate.trainer.offline_smolvla import build_vlm, save_smolvla_base
from imitate.trainer.presets import get_preset


def smolvla_run(work, data, device, rehearse):
    """The run folder of a SmolVLA fine-tuned two steps from an offline base."""
    size = "tiny" if rehearse else "full"
    vlm = build_vlm(work / "smolvla_vlm", size)
    base = save_smolvla_base(work / "smolvla_base", vlm, size)
    preset = replace(
        get_preset("smolvla_gpu"), steps=2, batch_size=2, save_freq=2, log_freq=1, num_workers=0,
        mixed_precision="no",  # FP32 weights: the backends' rows compare against lerobot's FP32 chunk
    )
    out = work / "run_smolvla"
    train(TrainJob(dataset=data, output=out, preset=preset, device=device, init=base))
    return out
