"""The training loop: lerobot's policies, processors, optimizers and checkpoint format, our loop.

Why our own loop rather than `lerobot-train`: it must run offline with no Hub and no ImageNet
download, report JSON-lines progress the control page reads, hold out validation episodes, serve
frames from a decoded cache, resize images with the robot's own function, and refuse bad input
with a clear message. Everything it saves is lerobot's: `checkpoints/<step>/pretrained_model`
(config, weights, processors, train_config.json) and `training_state/`, with `last` pointing to the
newest, so `ACTPolicy.from_pretrained`, `lerobot-train --resume` and `imitate export` all read it.
Several processes: the loop runs under `accelerate` (as lerobot-train does, with DDP's
find_unused_parameters), so `accelerate launch --multi_gpu $(which imitate) train ...` needs no code
change; the main process builds the frame cache first and alone writes events and checkpoints.
tests/trainer/test_accelerate.py runs it with two CPU processes (gloo).
"""
import json
import logging
import math
import time
from dataclasses import dataclass
from pathlib import Path

import torch
from accelerate import Accelerator
from accelerate.utils import DistributedDataParallelKwargs
from lerobot.configs.default import DatasetConfig
from lerobot.configs.policies import PreTrainedConfig
from lerobot.configs.train import TrainPipelineConfig
from lerobot.configs.types import FeatureType
from lerobot.datasets.utils import dataset_to_policy_features
from lerobot.optim.schedulers import CosineDecayWithWarmupSchedulerConfig
from lerobot.policies.factory import get_policy_class, make_policy_config, make_pre_post_processors
from lerobot.utils.train_utils import (
    get_step_checkpoint_dir,
    load_training_state,
    save_checkpoint,
    update_last_checkpoint,
)

from imitate.edge.policy.types import get_type

from .batch_norm import statistics_kept, thaw
from .data import TrainingDataset, check_dataset, restrict
from .events import EventLog

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TrainJob:
    """One training run, resolved from a preset and command-line flags."""

    dataset: Path
    output: Path
    preset: object  # TrainPreset with flags applied
    device: str = "auto"  # auto | cuda | cpu
    val_episodes: int = 0  # the last K episodes are held out for validation loss
    resume: bool = False
    backbone_weights: Path = None  # a local ResNet-18 state dict for ACT (nothing is downloaded)
    seed: int = 1000
    init: Path = None  # a pretrained checkpoint to fine-tune from (a VLA's base), read offline


def pick_device(name):
    """'cuda' when asked for (or auto and available), else 'cpu'."""
    if name == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if name == "cuda" and not torch.cuda.is_available():
        raise ValueError(
            "--device cuda: no CUDA device here (torch.cuda.is_available() is False); use --device cpu"
        )
    return name


def build(job, info):
    """(policy, policy config, train config, datasets, delta timestamps) for a job."""
    p = job.preset
    cameras = list(p.cameras) or sorted(
        k.removeprefix("observation.images.") for k in info["features"] if k.startswith("observation.images.")
    )
    total = info["total_episodes"]
    if job.val_episodes >= total:
        raise ValueError(f"--val-episodes {job.val_episodes}: the dataset has only {total} episodes")
    device = pick_device(job.device)
    features = json.loads(json.dumps(info["features"]))
    meta_like = type("Meta", (), {"info": {"features": features}, "stats": {}})()
    restrict(meta_like, cameras, p.image_size)
    policy_features = dataset_to_policy_features(features)
    outputs = {k: f for k, f in policy_features.items() if f.type is FeatureType.ACTION}
    inputs = {k: f for k, f in policy_features.items() if k not in outputs}
    kind = get_type(p.policy, doing="train")
    overrides = {**kind.offline_config, **p.policy_overrides}  # never download weights
    base = job.init or (job.output / "checkpoints" / "last" / "pretrained_model" if job.resume else None)
    if kind.fine_tune_only and base is None:
        raise ValueError(kind.fine_tune_only)
    if kind.fine_tune_only:  # the base's architecture (its backbone, layers, widths), this dataset's features
        cfg = pretrained_config(base, p.policy)
        for key, value in dict(input_features=inputs, output_features=outputs, device=device).items():
            setattr(cfg, key, value)
        for key, value in overrides.items():
            setattr(cfg, key, value)
    else:
        cfg = make_policy_config(
            p.policy,
            input_features=inputs,
            output_features=outputs,
            device=device,
            push_to_hub=False,
            **overrides,
        )
    fps = info["fps"]
    delta = {"action": [i / fps for i in cfg.action_delta_indices]}
    if cfg.observation_delta_indices:
        for key in inputs:
            delta[key] = [i / fps for i in cfg.observation_delta_indices]
    train_cfg = TrainPipelineConfig(
        dataset=DatasetConfig(
            repo_id="local/" + job.dataset.name, root=str(job.dataset), video_backend="pyav"
        ),
        policy=cfg,
        output_dir=job.output,
        batch_size=p.batch_size,
        steps=p.steps,
        num_workers=p.num_workers,
        save_freq=p.save_freq,
        log_freq=p.log_freq,
        seed=job.seed,
        resume=job.resume,
    )
    train_cfg.optimizer, train_cfg.scheduler = cfg.get_optimizer_preset(), lr_schedule(p, cfg)
    cache = job.output / "frame_cache" if p.frame_cache else None
    train_eps = list(range(total - job.val_episodes))
    val_eps = list(range(total - job.val_episodes, total))
    train_ds = TrainingDataset(job.dataset, cameras, p.image_size, train_eps, delta, cache)
    val_ds = TrainingDataset(job.dataset, cameras, p.image_size, val_eps, delta, cache) if val_eps else None
    return cfg, train_cfg, train_ds, val_ds


def lr_schedule(preset, cfg):
    """lerobot's scheduler config for a preset: the policy's own (ACT: none, a constant rate), or a
    cosine decay to a tenth of the policy's rates after a warm-up of 5% of the steps."""
    if preset.lr_schedule == "policy":
        return cfg.get_scheduler_preset()
    peak = cfg.get_optimizer_preset().lr  # the decay is relative: the backbone's own rate decays alike
    return CosineDecayWithWarmupSchedulerConfig(
        num_warmup_steps=max(1, preset.steps // 20),
        num_decay_steps=preset.steps,
        peak_lr=peak,
        decay_lr=peak / 10,
    )


def train(job):
    """Run a job to its last step; returns the final checkpoint folder."""
    info = check_dataset(job.dataset, job.preset.cameras)
    last = job.output / "checkpoints" / "last"
    if job.resume and not last.exists():
        raise ValueError(
            f"--resume: {job.output} has no checkpoint to resume from (checkpoints/last is missing)"
        )
    if not job.resume and last.exists():
        raise ValueError(
            f"{job.output} already holds a training run: pass --resume to continue it, or pick another "
            "--output"
        )
    torch.manual_seed(job.seed)
    device = pick_device(job.device)
    accelerator = Accelerator(
        mixed_precision=job.preset.mixed_precision if device == "cuda" else "no",
        cpu=device == "cpu",
        kwargs_handlers=[DistributedDataParallelKwargs(find_unused_parameters=True)],  # as lerobot-train
    )
    with accelerator.main_process_first():  # one process decodes the frame cache, the others then read it
        cfg, train_cfg, train_ds, val_ds = build(job, info)
    policy_cls = get_policy_class(cfg.type)
    if job.resume:
        saved = json.loads((last / "pretrained_model" / "config.json").read_text())
        if saved.get("type") != cfg.type:
            raise ValueError(
                f"--resume: the checkpoint in {job.output} is a {saved.get('type')} policy, not "
                f"{cfg.type}: pass --policy {saved.get('type')} or another --output"
            )
        policy = policy_cls.from_pretrained(last / "pretrained_model", config=cfg)
    elif job.init:
        policy = policy_cls.from_pretrained(pretrained_folder(job.init), config=cfg)
    else:
        policy = policy_cls(cfg)
        if job.backbone_weights:
            load_backbone(policy, job.backbone_weights)
    if job.preset.batch_norm and (job.init or job.backbone_weights):
        log.warning("--batch-norm on is ignored: a pretrained backbone keeps its frozen statistics")
    elif job.preset.batch_norm:
        log.info("the backbone learns its %d batch norms (trained from scratch)", thaw(policy))
    pre, post = make_pre_post_processors(cfg, dataset_stats=train_ds.meta.stats)
    optimizer = train_cfg.optimizer.build(policy.get_optim_params())
    scheduler = train_cfg.scheduler.build(optimizer, train_cfg.steps) if train_cfg.scheduler else None
    step = 0
    if job.resume:
        step, optimizer, scheduler = load_training_state(last.resolve(), optimizer, scheduler)
    loader = make_loader(
        train_ds, train_cfg.batch_size, train_cfg.num_workers, shuffle=True, pin=cfg.device == "cuda"
    )
    policy, optimizer, loader = accelerator.prepare(policy, optimizer, loader)
    events = EventLog(job.output, enabled=accelerator.is_main_process)
    events.emit(
        "start",
        step=step,
        steps=train_cfg.steps,
        policy=cfg.type,
        device=cfg.device,
        processes=accelerator.num_processes,
        frames=len(train_ds),
        episodes=train_ds.num_episodes,
        val_episodes=job.val_episodes,
    )
    run_steps(
        job, policy, pre, post, optimizer, scheduler, loader, val_ds, train_cfg, accelerator, events, step
    )
    return job.output / "checkpoints" / "last"


def run_steps(
    job, policy, pre, post, optimizer, scheduler, loader, val_ds, train_cfg, accelerator, events, step
):
    """The optimization steps, with events, checkpoints and resume."""
    start, start_step, batches = time.monotonic(), step, iter(loader)
    policy.train()
    while step < train_cfg.steps:
        try:
            batch = next(batches)
        except StopIteration:
            batches = iter(loader)
            batch = next(batches)
        with accelerator.autocast():
            loss, _ = policy.forward(pre(batch))
        accelerator.backward(loss)
        accelerator.clip_grad_norm_(policy.parameters(), 10.0)
        optimizer.step()
        optimizer.zero_grad()
        if scheduler is not None:
            scheduler.step()
        step += 1
        if step % train_cfg.log_freq == 0 or step == train_cfg.steps:
            rate = (
                (step - start_step)
                * train_cfg.batch_size
                * accelerator.num_processes
                / (time.monotonic() - start)
            )
            eta = (
                (train_cfg.steps - step) * train_cfg.batch_size * accelerator.num_processes / max(rate, 1e-9)
            )
            events.emit(
                "step",
                step=step,
                loss=float(loss.item()),
                lr=optimizer.param_groups[0]["lr"],
                samples_per_s=round(rate, 2),
                eta_s=round(eta, 1),
            )
        if step % train_cfg.save_freq == 0 or step == train_cfg.steps:
            if val_ds is not None:
                events.emit(
                    "val",
                    step=step,
                    val_loss=validate(accelerator.unwrap_model(policy), pre, val_ds, train_cfg),
                )
            if accelerator.is_main_process:
                folder = get_step_checkpoint_dir(job.output, train_cfg.steps, step)
                save_checkpoint(
                    folder, step, train_cfg, accelerator.unwrap_model(policy), optimizer, scheduler, pre, post
                )
                update_last_checkpoint(folder)
                events.emit("checkpoint", step=step, path=str(folder))
                events.plot()
            accelerator.wait_for_everyone()
    events.emit("done", step=step, seconds=round(time.monotonic() - start, 1))


def make_loader(dataset, batch_size, num_workers, shuffle, pin=False):
    """A shuffled DataLoader over the frame cache."""
    return torch.utils.data.DataLoader(
        dataset,
        batch_size=batch_size,
        shuffle=shuffle,
        num_workers=num_workers,
        drop_last=shuffle,
        persistent_workers=num_workers > 0,
        pin_memory=pin,
    )


@torch.no_grad()
def validate(policy, pre, val_ds, train_cfg, max_batches=8):
    """Mean loss on held-out episodes, computed as the training loss is (lerobot's ACT computes its
    loss only in training mode), without gradients, so the two curves compare."""
    losses = []
    with statistics_kept(policy):
        for i, batch in enumerate(make_loader(val_ds, train_cfg.batch_size, 0, shuffle=False)):
            if i >= max_batches:
                break
            losses.append(float(policy.forward(pre(batch))[0].item()))
    return sum(losses) / len(losses) if losses else math.nan


def pretrained_folder(path):
    """The folder with config.json and model.safetensors at `path` (or its pretrained_model)."""
    path = Path(path)
    for candidate in (path, path / "pretrained_model", path / "checkpoints" / "last" / "pretrained_model"):
        if (candidate / "config.json").is_file() and (candidate / "model.safetensors").is_file():
            return candidate
    raise ValueError(
        f"--init {path}: no pretrained checkpoint there (config.json + model.safetensors); give the folder "
        "`imitate hub pull-policy` wrote, or a training run's checkpoint"
    )


def pretrained_config(path, policy):
    """The lerobot config of the checkpoint at `path`; ValueError unless it is a `policy` one."""
    folder = pretrained_folder(path)
    cfg = PreTrainedConfig.from_pretrained(folder)
    if cfg.type != policy:
        raise ValueError(f"--init {path} is a {cfg.type} checkpoint, not {policy}: pass a {policy} base")
    cfg.push_to_hub = False
    return cfg


def load_backbone(policy, path):
    """Load a local torchvision ResNet-18 state dict into ACT's backbone (offline ImageNet start)."""
    if not hasattr(policy.model, "backbone"):
        raise ValueError("--backbone-weights applies to ACT only")
    state = torch.load(path, map_location="cpu", weights_only=True)
    missing, unexpected = policy.model.backbone.load_state_dict(state, strict=False)
    if len(missing) > 0:
        raise ValueError(
            f"{path} is not a ResNet-18 state dict: {len(missing)} backbone weights missing "
            f"(e.g. {missing[0]})"
        )
    log.info("backbone weights loaded from %s (%d unused keys: the classifier)", path, len(unexpected))
