"""Import direction holds: no edge module loads torch, lerobot, flask or rclpy; the Hub commands and
the page (which run on the robot too) load neither torch nor lerobot."""
import importlib
import json
import pkgutil
import subprocess
import sys

import imitate.edge

FORBIDDEN = ("torch", "lerobot", "flask", "rclpy", "tensorrt")


def edge_modules():
    return sorted(m.name for m in pkgutil.walk_packages(imitate.edge.__path__, "imitate.edge."))


def modules_of(package):
    pkg = importlib.import_module(package)
    return sorted(m.name for m in pkgutil.walk_packages(pkg.__path__, package + "."))


def test_every_edge_module_imports_without_heavy_libraries():
    modules = edge_modules()
    assert "imitate.edge.transport.dds_transport" in modules and "imitate.edge.sim.robot" in modules
    assert "imitate.edge.bag.importer" in modules
    check_loaded(modules, FORBIDDEN)


def test_hub_and_page_modules_import_without_torch_or_lerobot():
    for package, forbidden in (("imitate.hub", FORBIDDEN), ("imitate.gui", ("torch", "lerobot", "rclpy"))):
        modules = modules_of(package)
        assert len(modules) >= 4, modules
        check_loaded(modules, forbidden)


def check_loaded(modules, forbidden):
    """Import every module in a fresh interpreter; assert none of `forbidden` got loaded."""
    code = (
        "import importlib, json, sys\n"
        f"mods = {modules!r}\n"
        "skipped = []\n"
        "for name in mods:\n"
        "    try:\n"
        "        importlib.import_module(name)\n"
        "    except ImportError as err:\n"  # an optional library (cyclonedds) missing here
        "        skipped.append((name, str(err)))\n"
        f"print(json.dumps({{'loaded': [m for m in {forbidden!r} if m in sys.modules], 'skipped': skipped}}))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["loaded"] == [], f"edge modules loaded {result['loaded']}"
    assert all("cyclonedds" in why for _, why in result["skipped"]), result["skipped"]
