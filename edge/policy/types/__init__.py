"""The policy types imitate knows, one module each, and the one registry of them.

A type says in its module how it trains (offline config fields, a tiny CPU configuration), how it
exports (its graphs, the parity tolerance, and the export module that traces it: torch code, which
lives in export/ because edge never imports torch), how it runs on the robot (`actions`: the graphs
in, a chunk out; or none, and it runs in lerobot through the torch backend), whether it needs a
language task, and whether it is supported, with the reason when not. Adding a type: a module here
and one line in REGISTRY below; its ONNX export module (export/types/) when it has graphs.
"""

from ...suggest import did_you_mean
from . import act, diffusion, not_yet, smolvla
from .policy_type import PolicyType

REGISTRY = {t.name: t for t in (act.TYPE, diffusion.TYPE, smolvla.TYPE, *not_yet.TYPES)}


def supported():
    """Names of the types imitate trains, exports and runs."""
    return tuple(name for name, t in REGISTRY.items() if t.supported)


def get_type(name, doing="run"):
    """The PolicyType called `name`; ValueError saying why it cannot be used (`doing`: what was asked)."""
    kind = REGISTRY.get(name)
    if kind is None:
        raise ValueError(
            f"cannot {doing} a {name!r} policy{did_you_mean(name or '', REGISTRY)}: imitate knows "
            f"{', '.join(supported())}"
        )
    if not kind.supported:
        raise ValueError(f"cannot {doing} a {name} policy yet: {kind.reason}")
    return kind


__all__ = ["PolicyType", "REGISTRY", "get_type", "supported"]
