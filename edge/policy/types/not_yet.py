"""Types lerobot has that imitate does not run yet: named, so the answer says why and what to do."""
from .policy_type import PolicyType

VLA_REASON = ("imitate exports and runs act and diffusion; a VLA needs its graph split (vision, language "
              "model, action expert), a tokenizer on the robot and a torch backend: train it with "
              "lerobot-train directly for now")

TYPES = tuple(
    PolicyType(name=name, supported=False, reason=VLA_REASON) for name in ("smolvla", "pi0", "pi05")
)
