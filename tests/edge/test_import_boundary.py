"""The edge runtime stays lean: no edge module loads torch, lerobot, flask or rclpy."""
import json
import pkgutil
import subprocess
import sys

import imitate.edge

FORBIDDEN = ("torch", "lerobot", "flask", "rclpy", "tensorrt")


def edge_modules():
    return sorted(m.name for m in pkgutil.walk_packages(imitate.edge.__path__, "imitate.edge."))


def test_every_edge_module_imports_without_heavy_libraries():
    modules = edge_modules()
    assert "imitate.edge.transport.dds_transport" in modules and "imitate.edge.sim.robot" in modules
    code = (
        "import importlib, json, sys\n"
        f"mods = {modules!r}\n"
        "skipped = []\n"
        "for name in mods:\n"
        "    try:\n"
        "        importlib.import_module(name)\n"
        "    except ImportError as err:\n"  # an optional library (cyclonedds) missing here
        "        skipped.append((name, str(err)))\n"
        f"print(json.dumps({{'loaded': [m for m in {FORBIDDEN!r} if m in sys.modules], 'skipped': skipped}}))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["loaded"] == [], f"edge modules loaded {result['loaded']}"
    assert all("cyclonedds" in why for _, why in result["skipped"]), result["skipped"]
