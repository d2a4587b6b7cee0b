"""The policy-type registry: every type says how it trains, exports and runs, or why it cannot."""
import importlib
import re
from pathlib import Path

import pytest

from imitate.edge.policy.types import REGISTRY, get_type, supported

ROOT = Path(__file__).resolve().parents[2]


def onnx_types():
    return [name for name in supported() if REGISTRY[name].onnx]


def test_every_supported_type_declares_how_it_trains_and_runs():
    assert set(onnx_types()) >= {"act", "diffusion"} and "smolvla" in supported()
    for name in supported():
        kind = REGISTRY[name]
        assert kind.small_config, name  # a configuration a CPU trains in minutes
        if kind.onnx:  # graphs, the runner over them, parity, and the module that traces them
            assert kind.graphs and callable(kind.actions) and kind.parity_tolerance > 0
            assert kind.export_module.startswith("imitate.export.types.")
            assert (ROOT / "export" / "types" / (kind.export_module.rsplit(".", 1)[1] + ".py")).is_file()
        else:  # the torch backend runs it: nothing on the ONNX side may half-exist
            assert not kind.graphs and not kind.export_module
    assert REGISTRY["smolvla"].needs_task and REGISTRY["smolvla"].fine_tune_only
    assert not REGISTRY["act"].needs_task and not REGISTRY["act"].rtc


def test_the_export_side_of_each_type_has_its_two_functions():
    pytest.importorskip("torch")
    for name in onnx_types():
        module = importlib.import_module(REGISTRY[name].export_module)
        assert callable(module.build_graphs) and callable(module.reference_chunk)


@pytest.mark.parametrize("name, message", [
    ("pi0", "cannot run a pi0 policy yet: lerobot 0.4.4 runs pi0 only with its patched transformers"),
    ("pi05", "cannot run a pi05 policy yet"),
    ("difusion", "cannot run a 'difusion' policy (did you mean 'diffusion'?): imitate knows act, diffusion,"),
    (None, "cannot run a None policy"),
])
def test_a_type_imitate_cannot_use_is_refused_with_the_reason(name, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        get_type(name)


def test_no_module_outside_the_registry_branches_on_a_policy_type_name():
    """Adding a type is its module and a registry line: nothing else compares type names."""
    pattern = re.compile(r"""(==|!=|\bin)\s*\(?["'](act|diffusion|smolvla|pi0|pi05)["']""")
    found = []
    for part in ("edge", "export", "trainer", "gui"):
        for path in (ROOT / part).rglob("*.py"):
            if "types" in path.parts:
                continue
            for k, line in enumerate(path.read_text().splitlines(), 1):
                if pattern.search(line):
                    found.append(f"{path.relative_to(ROOT)}:{k}: {line.strip()}")
    assert not found, "\n".join(found)
