"""Types lerobot has that imitate does not run yet: named, so the answer says why and what to do."""

from .policy_type import PolicyType

PI_REASON = (
    "lerobot 0.4.4 runs {name} only with its patched transformers (`pip install 'lerobot[pi]'`, from a git "
    "branch, not from PyPI), which this install does not have; imitate has not been tested with it. Train "
    "and run it with lerobot directly for now (lerobot-train, lerobot-record with --policy.path)"
)

TYPES = tuple(
    PolicyType(name=name, supported=False, reason=PI_REASON.format(name=name)) for name in ("pi0", "pi05")
)
