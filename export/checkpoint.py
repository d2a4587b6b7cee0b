"""Finding and loading a lerobot checkpoint (from `imitate train` or `lerobot-train`), offline.

Finding needs no torch (`imitate hub push-policy` uses resolve() on the robot too).
"""
import json
from pathlib import Path

from imitate.edge.policy.types import get_type
from imitate.edge.policy_package import sha256


def resolve(path):
    """The pretrained_model folder for a run folder, a checkpoint folder or the folder itself."""
    path = Path(path)
    for candidate in (path, path / "pretrained_model", path / "checkpoints" / "last" / "pretrained_model"):
        if (candidate / "config.json").is_file() and (candidate / "model.safetensors").is_file():
            return candidate
    raise ValueError(f"{path} holds no lerobot checkpoint (config.json + model.safetensors): give a training "
                     f"run folder, a checkpoints/<step> folder or its pretrained_model folder")


def policy_type(folder):
    """The checkpoint's PolicyType (the registry's); ValueError for one imitate cannot export."""
    return get_type(json.loads((folder / "config.json").read_text()).get("type"), doing="export")


def backbone_name(folder):
    """The VLM a VLA checkpoint was built on (its config's vlm_model_name), or None."""
    return json.loads((folder / "config.json").read_text()).get("vlm_model_name")


def load_policy(folder, kind=None, vlm=None):
    """The lerobot policy in eval mode on the CPU, with no weight download (the type's offline config:
    ACT's backbone); `vlm`: a VLA's backbone folder (config and tokenizer files), instead of its name."""
    from lerobot.configs.policies import PreTrainedConfig  # lerobot: imported where a checkpoint is read
    from lerobot.policies.factory import get_policy_class
    kind = kind or policy_type(folder)
    config = PreTrainedConfig.from_pretrained(folder)
    config.device = "cpu"
    for key, value in kind.offline_config.items():  # the checkpoint has the trained weights
        setattr(config, key, value)
    if vlm is not None:
        config.vlm_model_name = str(vlm)
    policy = get_policy_class(kind.name).from_pretrained(folder, config=config)
    return policy.eval()


def load_processors(folder, config, vlm=None):
    """The checkpoint's pre- and post-processors as lerobot saved them (normalization statistics; a
    VLA's tokenizer, from `vlm` when given)."""
    from lerobot.policies.factory import make_pre_post_processors
    overrides = {"device_processor": {"device": "cpu"}}
    if vlm is not None:
        overrides["tokenizer_processor"] = {"tokenizer_name": str(vlm)}
    return make_pre_post_processors(config, pretrained_path=str(folder), preprocessor_overrides=overrides)


def normalizer_stats(folder):
    """{feature: {stat: tensor}} from the checkpoint's normalizer (what the preprocessor uses)."""
    files = sorted(folder.glob("policy_preprocessor_step_*_normalizer_processor.safetensors"))
    if not files:
        raise ValueError(
            f"{folder} has no normalizer stats: it predates lerobot 0.4; migrate it with lerobot's "
            f"migrate_policy_normalization"
        )
    out = {}
    from safetensors.torch import load_file  # torch: imported only where weights are read

    for key, value in load_file(files[0]).items():
        feature, stat = key.rsplit(".", 1)
        out.setdefault(feature, {})[stat] = value.float()
    return out


def checkpoint_hash(folder):
    """SHA-256 of model.safetensors: which weights a package came from."""
    return sha256(folder / "model.safetensors")
