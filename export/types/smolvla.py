"""SmolVLA's export: three graphs (vision, prefix, expert) around lerobot's own code; the
flow-matching loop, the prompt's tokenizer and the unnormalization of the actions go to policy.json
for the runtime (edge/policy/types/smolvla.py).

- vision: each camera's uint8 (1, H, W, 3) image as lerobot's `prepare_images` makes it (float in
  [0, 1], its normalization, `resize_with_pad` to the VLM's size, then [-1, 1]), all cameras as one
  batch through `embed_image` (the vision encoder and its connector): (1, cameras x T, D).
- prefix: lerobot's `embed_prefix` (image tokens scaled, special tokens, the prompt, the state, which
  is normalized and padded here) and its first forward, which fills the key/value cache: keys and
  values (layers, 1, P, heads, head_dim), and which of the P prefix positions are real.
- expert: lerobot's `denoise_step` over that cache: the velocity of the noisy actions at a time.
The prompt has a fixed length (tokenizer_max_length), padded and masked; see task_tokens.py.
"""

import contextlib

import torch
from torch import nn

from ..graphs import export_onnx
from ..normalize import Normalize, action_norm, image_to_float, modes


class VisionGraph(nn.Module):
    """Every camera's image -> its image tokens (before lerobot's scaling, which embed_prefix does)."""

    def __init__(self, policy, stats):
        super().__init__()
        self.config, self.vlm = policy.config, policy.model.vlm_with_expert
        mode = modes(policy.config)["VISUAL"]
        self.norms = nn.ModuleList(Normalize(stats[k], mode) for k in policy.config.image_features)
        self.embeddings = self.vlm.get_vlm_model().vision_model.embeddings
        self.register_buffer(
            "positions", patch_positions(self.embeddings, *policy.config.resize_imgs_with_padding)
        )

    def forward(self, *images):
        """The traced computation: raw inputs in, raw outputs out."""
        from lerobot.policies.smolvla.modeling_smolvla import resize_with_pad

        batch = []
        for norm, image in zip(self.norms, images, strict=True):
            x = norm(image_to_float(image))
            x = resize_with_pad(x, *self.config.resize_imgs_with_padding, pad_value=0)
            batch.append(x * 2.0 - 1.0)
        pixels = torch.cat(batch)  # (cameras, 3, S, S)
        with fixed_patch_positions(self.embeddings, self.positions):
            tokens = self.vlm.embed_image(pixels)  # (cameras, T, D)
        return tokens.reshape(1, -1, tokens.shape[-1])


def patch_positions(embeddings, width, height):
    """The ids SmolVLM's vision embeddings give the patches of a full (width, height) image, computed by
    the model's own code (the ids its position embedding is called with): (1, patches) int64."""
    seen = []
    hook = embeddings.position_embedding.register_forward_pre_hook(lambda _, args: seen.append(args[0]))
    size = embeddings.patch_size
    try:
        with torch.no_grad():
            embeddings(
                torch.zeros(1, 3, height, width),
                patch_attention_mask=torch.ones(1, height // size, width // size, dtype=torch.bool),
            )
    finally:
        hook.remove()
    return seen[0].clone()


@contextlib.contextmanager
def fixed_patch_positions(embeddings, positions):
    """SmolVLM's vision embeddings with the patch positions as a constant.

    Its forward computes them per image with a Python loop and bucketize (images of any aspect), which
    does not trace to a valid ONNX graph. lerobot pads every camera to one size, so every patch is real
    and the positions depend on that size only (patch_positions)."""

    def forward(pixel_values, patch_attention_mask=None):
        patches = embeddings.patch_embedding(pixel_values).flatten(2).transpose(1, 2)
        return patches + embeddings.position_embedding(positions)

    embeddings.forward = forward
    try:
        yield
    finally:
        del embeddings.forward  # the class's method again


class PrefixGraph(nn.Module):
    """Image tokens, prompt and raw state -> the key/value cache the action expert attends to."""

    def __init__(self, policy, stats, n_cameras):
        super().__init__()
        self.model, self.config, self.n_cameras = policy.model, policy.config, n_cameras
        self.state_norm = Normalize(stats["observation.state"], modes(policy.config)["STATE"])

    def forward(self, image_tokens, lang_tokens, lang_mask, state):
        """The traced computation: raw inputs in, raw outputs out."""
        from lerobot.policies.smolvla.modeling_smolvla import make_att_2d_masks, pad_vector

        per_camera = list(image_tokens.chunk(self.n_cameras, dim=1))
        masks = [torch.ones(1, dtype=torch.bool) for _ in per_camera]
        state = pad_vector(self.state_norm(state), self.config.max_state_dim)
        with given_image_tokens(self.model.vlm_with_expert):
            embs, pad_masks, att_masks = self.model.embed_prefix(
                per_camera, masks, lang_tokens, lang_mask, state
            )
        _, cache = self.model.vlm_with_expert.forward(  # counts as int64: ONNX has no CumSum of bool
            attention_mask=make_att_2d_masks(pad_masks, att_masks.long()),
            position_ids=torch.cumsum(pad_masks.long(), dim=1) - 1,
            past_key_values=None,
            inputs_embeds=[embs, None],
            use_cache=True,
            fill_kv_cache=True,
        )
        layers = sorted(cache)
        keys = torch.stack([cache[i]["key_states"] for i in layers])
        values = torch.stack([cache[i]["value_states"] for i in layers])
        return keys, values, pad_masks


@contextlib.contextmanager
def given_image_tokens(vlm):
    """embed_prefix with the vision graph's output as the images: embed_image passes them through."""
    vlm.embed_image = lambda tokens: tokens
    try:
        yield
    finally:
        del vlm.embed_image  # the class's method again


class ExpertGraph(nn.Module):
    """One evaluation of the action expert: the velocity of x_t at `time`, given the prefix's cache."""

    def __init__(self, policy):
        super().__init__()
        self.model = policy.model

    def forward(self, x_t, time, keys, values, prefix_mask):
        """The traced computation: lerobot's `denoise_step`, with its counts of masks in int64 (ONNX has
        no CumSum or ReduceSum of bool)."""
        from lerobot.policies.smolvla.modeling_smolvla import make_att_2d_masks

        model = self.model
        cache = {i: {"key_states": keys[i], "value_states": values[i]} for i in range(keys.shape[0])}
        suffix, suffix_pad, suffix_att = model.embed_suffix(x_t, time)
        prefix_2d = prefix_mask[:, None, :].expand(1, suffix_pad.shape[1], prefix_mask.shape[1])
        attention = torch.cat([prefix_2d, make_att_2d_masks(suffix_pad, suffix_att)], dim=2)
        positions = prefix_mask.long().sum(dim=-1)[:, None] + torch.cumsum(suffix_pad.long(), dim=1) - 1
        out, _ = model.vlm_with_expert.forward(
            attention_mask=attention,
            position_ids=positions,
            past_key_values=cache,
            inputs_embeds=[None, suffix],
            use_cache=True,
            fill_kv_cache=False,
        )
        return model.action_out_proj(out[1][:, -model.config.chunk_size :].to(torch.float32))


def build_graphs(policy, stats, cameras, n_joints, out, opset, spec, options):
    """vision.onnx, prefix.onnx and expert.onnx; spec["smolvla"] for the runtime."""
    cfg = policy.config
    check_exportable(cfg)
    images = [torch.zeros(1, h, w, 3, dtype=torch.uint8) for h, w in cameras.values()]
    vision = VisionGraph(policy, stats).eval()
    export_onnx(
        vision,
        images,
        [f"observation.images.{c}" for c in cameras],
        ["image_tokens"],
        out / "vision.onnx",
        opset,
    )
    max_length = cfg.tokenizer_max_length
    with torch.no_grad():
        image_tokens = vision(*images)
    prompt = [
        image_tokens,
        torch.zeros(1, max_length, dtype=torch.long),
        torch.ones(1, max_length, dtype=torch.bool),
        torch.zeros(1, n_joints),
    ]
    prefix = PrefixGraph(policy, stats, len(cameras)).eval()
    export_onnx(
        prefix,
        prompt,
        ["image_tokens", "lang_tokens", "lang_mask", "observation.state"],
        ["keys", "values", "prefix_mask"],
        out / "prefix.onnx",
        opset,
    )
    with torch.no_grad():
        keys, values, prefix_mask = prefix(*prompt)
    x_t = torch.zeros(1, cfg.chunk_size, cfg.max_action_dim)
    export_onnx(
        ExpertGraph(policy).eval(),
        [x_t, torch.ones(1), keys, values, prefix_mask],
        ["x_t", "time", "keys", "values", "prefix_mask"],
        ["velocity"],
        out / "expert.onnx",
        opset,
    )
    tokenizer = policy.model.vlm_with_expert.processor.tokenizer
    spec["smolvla"] = {
        "chunk_size": cfg.chunk_size,
        "max_action_dim": cfg.max_action_dim,
        "num_steps": cfg.num_steps,
        "tokenizer": "vlm/tokenizer.json",
        "tokenizer_max_length": max_length,
        "pad_token_id": int(tokenizer.pad_token_id or 0),
        "action_norm": action_norm(policy, stats),
    }
    return {"vision": "vision.onnx", "prefix": "prefix.onnx", "expert": "expert.onnx"}


def check_exportable(cfg):
    """ValueError for the settings the graphs do not follow, with what to do."""
    refused = {
        "adapt_to_pi_aloha": (cfg.adapt_to_pi_aloha, "its state and action conversions"),
        "use_cache": (not cfg.use_cache, "a prefix recomputed each step (use_cache=False)"),
        "resize_imgs_with_padding": (cfg.resize_imgs_with_padding is None, "cameras at their own sizes"),
    }
    for name, (bad, what) in refused.items():
        if bad:
            raise ValueError(
                f"this SmolVLA has {what} ({name}), which its ONNX graphs do not reproduce: run it on the "
                "torch backend (`imitate export RUN --format torch`)"
            )


def reference_chunk(policy, batch, noise):
    """lerobot's SmolVLA predict_action_chunk for one preprocessed observation, from `noise`."""
    policy.reset()
    device = batch["observation.state"].device  # the policy's (CPU for parity, CUDA in bench/gpu_check.py)
    return policy.predict_action_chunk(batch, noise=torch.from_numpy(noise).to(device))
