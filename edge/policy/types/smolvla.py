"""SmolVLA: a small VLM (SmolVLM2) with a flow-matching action expert, prompted with the task.

On ONNX Runtime or TensorRT, from an ONNX package (`imitate export RUN`), as three graphs:
- `vision`: every camera's uint8 image, resized and padded as lerobot does, through the vision
  encoder and its connector: the image tokens;
- `prefix`: the image tokens, the prompt's tokens and mask, and the raw state (normalized inside) out
  to the key/value cache of every layer, and which prefix positions are real;
- `expert`: one evaluation of the action expert: the noisy actions at a time, attending to that
  cache, out to the velocity.
The flow-matching loop (`num_steps` Euler steps) runs here in numpy, then lerobot's unnormalization.
The prompt is tokenized without torch (task_tokens.py) from the package's `vlm/tokenizer.json`.

Or in lerobot itself through the torch backend, from a package of kind `lerobot` (`--format torch`),
which is also what real-time chunking (--rtc) needs. That package carries the VLM's config, tokenizer
and processor files (`vlm/`), so nothing is fetched on the robot; the checkpoint carries every weight,
so the VLM's own weights are never loaded (`load_vlm_weights=False`).
"""

import numpy as np

from ..action_norm import unnormalize
from ..flow_matching import flow_sample
from ..task_tokens import TaskTokens
from .policy_type import PolicyType


def noise_shape(spec):
    """The flow's starting noise: (1, chunk_size, max_action_dim), as lerobot draws it."""
    vla = spec["smolvla"]
    return (1, vla["chunk_size"], vla["max_action_dim"])


def setup(policy):
    """The prompt's tokenizer, from the package."""
    vla = policy.package.spec["smolvla"]
    policy.prompt = TaskTokens(
        policy.package.root / vla["tokenizer"], vla["tokenizer_max_length"], vla["pad_token_id"]
    )


def actions(policy, state, images, noise=None, task=None):
    """The chunk (chunk_size, A) for one observation and its task."""
    if not task:
        raise ValueError("a smolvla policy needs a task: pass --task 'what to do'")
    vla = policy.package.spec["smolvla"]
    tokens, mask = policy.prompt(task)
    image_tokens = policy.runners["vision"](images)[0]
    keys, values, prefix_mask = policy.runners["prefix"]([image_tokens, tokens, mask, state])
    if noise is None:
        noise = policy.rng.standard_normal(noise_shape(policy.package.spec)).astype(np.float32)
    expert = policy.runners["expert"]
    x = flow_sample(
        lambda x, t: expert([x, np.array([t], np.float32), keys, values, prefix_mask])[0],
        noise,
        vla["num_steps"],
    )
    return unnormalize(x[0, :, : len(policy.package.action_joints)], vla["action_norm"])


TYPE = PolicyType(
    name="smolvla",
    offline_config=dict(load_vlm_weights=False),  # the checkpoint has the weights: never download the VLM's
    small_config=dict(  # a CPU fine-tune in minutes: few steps of the expert, the VLM frozen
        chunk_size=50,  # SmolVLA's own: 1.7 s at 30 fps, longer than a chunk takes on a CPU
        n_action_steps=50,
        num_steps=10,
        freeze_vision_encoder=True,
        train_expert_only=True,
    ),
    export_module="imitate.export.types.smolvla",
    graphs=("vision", "prefix", "expert"),
    parity_tolerance=1e-3,
    noise_shape=noise_shape,
    actions=actions,
    setup=setup,
    needs_task=True,
    rtc=True,
    fine_tune_only=(
        "SmolVLA is fine-tuned from its pretrained base, never trained from scratch (its VLM is what makes "
        "it work): fetch the base once with `imitate hub pull-policy lerobot/smolvla_base base` and "
        "pass --init base"
    ),
)
