"""Training presets by name: what a policy, its cameras, image size and batch should be for a machine."""
from dataclasses import dataclass, field, replace

from imitate.edge.policy.types import get_type, supported
from imitate.edge.suggest import did_you_mean

POLICIES = supported()  # the registry's (edge/policy/types/)
LR_SCHEDULES = ("policy", "cosine")


@dataclass(frozen=True)
class TrainPreset:
    """One training setup; every field can be overridden from the command line."""

    name: str
    policy: str = "act"  # one of POLICIES
    cameras: tuple = ()  # camera names to train on; () = every camera of the dataset
    image_size: tuple = None  # (height, width) images are resized to; None = as recorded
    batch_size: int = 8
    steps: int = 100_000
    num_workers: int = 4  # DataLoader worker processes
    mixed_precision: str = "no"  # no | fp16 | bf16 (CUDA only)
    frame_cache: bool = False  # decode videos once into a memory-mapped uint8 array
    lr_schedule: str = "policy"  # one of LR_SCHEDULES: lerobot's own for the policy, or cosine decay
    batch_norm: bool = False  # a from-scratch ACT backbone learns its batch norms (trainer/batch_norm.py)
    save_freq: int = 10_000  # steps between checkpoints
    log_freq: int = 50  # steps between progress events
    policy_overrides: dict = field(default_factory=dict)  # lerobot policy config fields

    def __post_init__(self):
        if self.policy not in POLICIES:
            raise ValueError(unknown_policy(self.policy))
        if self.batch_size <= 0 or self.steps <= 0:
            raise ValueError(f"batch size and steps must be positive, got {self.batch_size}, {self.steps}")
        if self.mixed_precision not in ("no", "fp16", "bf16"):
            raise ValueError(f"mixed precision {self.mixed_precision!r}: expected no, fp16 or bf16")
        if self.lr_schedule not in LR_SCHEDULES:
            raise ValueError(
                f"learning rate schedule {self.lr_schedule!r}: expected one of {', '.join(LR_SCHEDULES)}"
            )


def unknown_policy(name):
    """The message for a policy imitate does not train: the registry's reason, or the ones it does."""
    try:
        get_type(name, doing="train")
    except ValueError as err:
        return str(err)
    return f"unknown policy {name!r}{did_you_mean(name, POLICIES)}: expected one of {', '.join(POLICIES)}"


PRESETS = {
    # The AI Worker as recorded: three cameras at full size, ACT with a 100-step chunk at 30 fps.
    "ai_worker_act": TrainPreset(
        "ai_worker_act",
        cameras=("cam_head", "cam_wrist_1", "cam_wrist_2"),
        batch_size=8,
        steps=50_000,
        policy_overrides=dict(chunk_size=100, n_action_steps=100),
    ),
    # A 32 GB Jetson AGX Orin: half-size images, bf16 (Ampere), few workers (the CPU decodes video).
    "jetson_orin": TrainPreset(
        "jetson_orin",
        cameras=("cam_head", "cam_wrist_1", "cam_wrist_2"),
        image_size=(188, 336),
        batch_size=16,
        steps=30_000,
        num_workers=4,
        mixed_precision="bf16",
        frame_cache=True,
        policy_overrides=dict(chunk_size=100, n_action_steps=100),
    ),
    # SmolVLA fine-tuned on a GPU (lerobot's recipe: batch 64, 20k steps, the VLM frozen, only the expert
    # trained), bf16; the three AI Worker cameras as recorded (SmolVLA pads them to 512x512 itself).
    "smolvla_gpu": TrainPreset(
        "smolvla_gpu",
        policy="smolvla",
        cameras=("cam_head", "cam_wrist_1", "cam_wrist_2"),
        batch_size=64,
        steps=20_000,
        num_workers=8,
        mixed_precision="bf16",
        save_freq=5_000,
        policy_overrides=dict(freeze_vision_encoder=True, train_expert_only=True),
    ),
    # SmolVLA on a 32 GB Jetson AGX Orin: the same, memory-sized (batch 8; about 450M parameters, 100M
    # trained), bf16, half-size images, decoded frames cached (the CPU decodes video).
    "smolvla_orin": TrainPreset(
        "smolvla_orin",
        policy="smolvla",
        cameras=("cam_head", "cam_wrist_1", "cam_wrist_2"),
        image_size=(188, 336),
        batch_size=8,
        steps=20_000,
        num_workers=4,
        mixed_precision="bf16",
        frame_cache=True,
        save_freq=5_000,
        policy_overrides=dict(freeze_vision_encoder=True, train_expert_only=True),
    ),
    # A laptop CPU in minutes: the head camera small, a small ACT, decoded frames cached.
    "cpu_small": TrainPreset(
        "cpu_small",
        cameras=("cam_head",),
        image_size=(64, 112),  # 1.4x the samples/s of 96x168, no worse in closed loop (docs/demo-levers.md)
        batch_size=8,
        steps=2_000,
        num_workers=0,
        frame_cache=True,
        save_freq=1_000,
        log_freq=25,
        policy_overrides=get_type("act").small_config,
    ),
}


def get_preset(name, policy=None):
    """The preset called `name`, switched to `policy` if given (with that policy's small defaults)."""
    if name not in PRESETS:
        raise ValueError(f"unknown preset {name!r}{did_you_mean(name, PRESETS)}: one of {', '.join(PRESETS)}")
    preset = PRESETS[name]
    if policy and policy != preset.policy:
        if policy not in POLICIES:
            raise ValueError(unknown_policy(policy))
        overrides = get_type(policy).small_config if name == "cpu_small" else {}
        preset = replace(preset, policy=policy, policy_overrides=overrides)
    return preset
