"""`imitate train`: fine-tune a lerobot policy on an imitate dataset."""
from pathlib import Path


def register(sub):
    """Add `imitate train` to the parser."""
    p = sub.add_parser(
        "train", help="train a policy (ACT, Diffusion) or fine-tune a VLA (SmolVLA) with lerobot on a dataset"
    )
    p.add_argument("--dataset", required=True, help="a LeRobot v3.0 dataset folder")
    p.add_argument("--output", required=True, help="run folder: checkpoints/, events.jsonl, loss.png")
    p.add_argument("--policy", help="act | diffusion | smolvla (default: the preset's)")
    p.add_argument(
        "--preset",
        default="cpu_small",
        help="ai_worker_act | jetson_orin | smolvla_gpu | smolvla_orin | cpu_small (default)",
    )
    p.add_argument("--steps", type=int)
    p.add_argument("--batch-size", type=int)
    p.add_argument("--device", default="auto", choices=["auto", "cuda", "cpu"])
    p.add_argument(
        "--resume", action="store_true", help="continue the run in --output from its last checkpoint"
    )
    p.add_argument(
        "--val-episodes", type=int, default=0, help="hold out the last K episodes for validation loss"
    )
    p.add_argument("--image-size", help="HEIGHTxWIDTH images are resized to (default: the preset's)")
    p.add_argument("--cameras", help="comma-separated camera names (default: the preset's)")
    p.add_argument("--save-freq", type=int, help="steps between checkpoints")
    p.add_argument("--num-workers", type=int, help="DataLoader workers")
    p.add_argument(
        "--frame-cache", choices=["on", "off"], help="decode videos once into a memory-mapped cache"
    )
    p.add_argument(
        "--lr-schedule",
        choices=["policy", "cosine"],
        help="policy: lerobot's own (ACT: constant); cosine: decay to a tenth after a 5%% warm-up",
    )
    p.add_argument(
        "--batch-norm",
        choices=["on", "off"],
        help="ACT from scratch: learn the backbone's batch norms (lerobot freezes them; off = as lerobot)",
    )
    p.add_argument("--backbone-weights", help="ACT: a local ResNet-18 state dict (.pth) to start from")
    p.add_argument(
        "--init",
        help="a pretrained checkpoint to fine-tune from: a VLA's base (SmolVLA: lerobot/smolvla_base, "
        "fetched once with `imitate hub pull-policy`)",
    )
    p.add_argument("--seed", type=int, default=1000)
    p.set_defaults(handler=train_command)
    from imitate.edge.dataset_command import add_verb  # lazy: torch and lerobot load only when training

    v = add_verb(
        "convert",
        "a LeRobot v2.1 dataset to v3.0 in place (lerobot's converter, offline; the original "
        "kept as DIR_old)",
        convert_command,
    )
    v.add_argument("dataset")


def convert_command(args):
    """`imitate dataset convert DIR`; returns 0."""
    from .convert import convert_v21  # lazy: torch and lerobot load only when training

    root, old = convert_v21(args.dataset)
    print(
        f"{root}: converted to LeRobot v3.0 and loaded; the v2.1 original is kept at {old} (delete it when "
        "done)"
    )
    return 0


def job_from_args(args):
    """A TrainJob from parsed flags: the preset, then every flag that was given."""
    from dataclasses import replace

    from imitate.edge.images import parse_size  # lazy: torch and lerobot load only when training

    from .loop import TrainJob  # lazy: torch and lerobot load only when training
    from .presets import get_preset  # lazy: torch and lerobot load only when training

    preset = get_preset(args.preset, args.policy)
    changes = {
        k: v
        for k, v in dict(
            steps=args.steps,
            batch_size=args.batch_size,
            save_freq=args.save_freq,
            num_workers=args.num_workers,
            lr_schedule=args.lr_schedule,
        ).items()
        if v is not None
    }
    if args.image_size:
        changes["image_size"] = parse_size(args.image_size)
    if args.cameras:
        changes["cameras"] = tuple(c.strip() for c in args.cameras.split(",") if c.strip())
    if args.frame_cache:
        changes["frame_cache"] = args.frame_cache == "on"
    if args.batch_norm:
        changes["batch_norm"] = args.batch_norm == "on"
    preset = replace(preset, **changes)
    return TrainJob(
        dataset=Path(args.dataset),
        output=Path(args.output),
        preset=preset,
        device=args.device,
        val_episodes=args.val_episodes,
        resume=args.resume,
        backbone_weights=Path(args.backbone_weights) if args.backbone_weights else None,
        init=Path(args.init) if args.init else None,
        seed=args.seed,
    )


def train_command(args):
    """Train from parsed arguments; returns 0."""
    job = job_from_args(args)  # validates names before torch is imported
    from .loop import train  # lazy: torch and lerobot load only when training

    last = train(job)
    print(f"checkpoint: {last.resolve()}")
    return 0
