"""SmolVLA: a small VLM (SmolVLM2) with a flow-matching action expert, prompted with the task.

It runs through the torch backend (lerobot's own `predict_action_chunk`) from a package of kind
`lerobot`; ONNX graphs for it are issue 23's. The package carries the VLM's config, tokenizer and
processor files (`vlm/`), so nothing is fetched on the robot; the checkpoint carries every weight, so
the VLM's own weights are never loaded (`load_vlm_weights=False`).
"""

from .policy_type import PolicyType

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
    needs_task=True,
    rtc=True,
    fine_tune_only=(
        "SmolVLA is fine-tuned from its pretrained base, never trained from scratch (its VLM is what makes "
        "it work): fetch the base once with `imitate hub pull-policy lerobot/smolvla_base base` and "
        "pass --init base"
    ),
)
