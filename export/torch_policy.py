"""The torch backend: a package of kind `lerobot` run by lerobot itself, behind the runtime's Policy.

The runtime's scheduler, alignment, blending, safety filter, recording, page and API are the same as
for ONNX packages; only the chunk comes from lerobot's `predict_action_chunk`, with the checkpoint's
own pre- and post-processors (normalization, and for a VLA the tokenizer, from the package's `vlm/`).
It is registered with edge's backend factory by name (imitate/export/__init__.py), so edge itself never
imports torch or lerobot.
"""
import logging

import numpy as np
import torch
from lerobot.configs.policies import PreTrainedConfig
from lerobot.policies.factory import get_policy_class, make_pre_post_processors
from lerobot.policies.rtc.configuration_rtc import RTCConfig

from imitate.edge.policy.base import Policy
from imitate.edge.policy.types import get_type

log = logging.getLogger(__name__)


def pick_device(name):
    """cuda or cpu for --device auto | cuda | cpu; ValueError when CUDA is asked for and absent."""
    if name == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if name == "cuda" and not torch.cuda.is_available():
        raise ValueError("--device cuda: torch sees no CUDA device here; use --device cpu (or auto)")
    if name not in ("cuda", "cpu"):
        raise ValueError(f"--device {name!r}: expected auto, cuda or cpu")
    return name


class TorchPolicy(Policy):
    """A lerobot checkpoint from a `lerobot` package; `infer(observation)` with observation["task"] for
    a policy that needs one."""

    backend = "torch"

    def __init__(self, package, device="auto", rtc=False):
        super().__init__(package)
        if package.kind != "lerobot":
            raise ValueError(
                f"{package.root} is an ONNX package: the torch backend runs a lerobot package "
                "(`imitate export RUN --format torch`); run this one with --backend auto"
            )
        self.kind = get_type(package.policy_type)
        self.device = pick_device(device)
        folder = package.root / package.spec["checkpoint"]
        config = PreTrainedConfig.from_pretrained(folder)
        config.device = self.device
        for key, value in self.kind.offline_config.items():  # the checkpoint has every weight
            setattr(config, key, value)
        self.rtc = rtc
        if rtc:  # lerobot's RTC guides each denoising step toward the chunk still being executed
            config.rtc_config = RTCConfig(enabled=True, execution_horizon=package.n_action_steps)
        self._previous = None  # (1, H, A) the last chunk in the model's (normalized) space, for RTC
        overrides = {"device_processor": {"device": self.device}}
        if package.spec.get("vlm"):  # the backbone's config and tokenizer, from the package, never fetched
            vlm = str(package.root / package.spec["vlm"])
            config.vlm_model_name = vlm
            overrides["tokenizer_processor"] = {"tokenizer_name": vlm}
        self.policy = get_policy_class(config.type).from_pretrained(folder, config=config).eval()
        self.pre, self.post = make_pre_post_processors(
            config, pretrained_path=str(folder), preprocessor_overrides=overrides
        )
        log.info("torch backend: %s on %s", config.type, self.device)

    def actions(self, observation, noise=None):
        """(chunk, A) float32 raw joint targets for one observation {state, images, task}."""
        state, images = self.inputs(observation)
        batch = {"observation.state": torch.from_numpy(state)}
        for cam, image in zip(self.package.cameras, images, strict=True):
            batch[f"observation.images.{cam}"] = torch.from_numpy(image).permute(0, 3, 1, 2).float() / 255
        task = observation.get("task")
        if self.package.needs_task and not task:
            raise ValueError(f"a {self.package.policy_type} policy needs a task: pass --task 'what to do'")
        if task:
            batch["task"] = [task]
        kwargs = {} if noise is None else {"noise": torch.from_numpy(np.asarray(noise)).to(self.device)}
        prefix = observation.get("rtc")
        left = None
        if self.rtc and prefix and self._previous is not None:
            left = self._previous[:, prefix["elapsed_steps"] :]
        if left is not None and left.shape[1] > 0:  # all of it done: nothing to continue, a fresh chunk
            kwargs["prev_chunk_left_over"] = left
            kwargs["inference_delay"] = min(prefix["inference_delay"], left.shape[1])
        # RTC's guidance differentiates through the denoiser: no inference mode there (its own grad)
        with torch.no_grad() if "prev_chunk_left_over" in kwargs else torch.inference_mode():
            normalized = self.policy.predict_action_chunk(self.pre(batch), **kwargs)
            chunk = self.post(normalized)
        self._previous = normalized.clone()
        return chunk[0].float().cpu().numpy()

    def reset(self):
        """Forget the policy's queues and the previous chunk (between episodes)."""
        self.policy.reset()
        self._previous = None
