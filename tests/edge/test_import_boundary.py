"""Import direction holds: no edge module loads torch, lerobot, flask or rclpy; the Hub commands and
the page (which run on the robot too) load neither torch nor lerobot."""
import ast
import importlib
import json
import pkgutil
import subprocess
import sys
from pathlib import Path

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
        f"print(json.dumps({{'loaded': [m for m in {forbidden!r} if m in sys.modules], 'skipped': "
        "skipped}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["loaded"] == [], f"edge modules loaded {result['loaded']}"
    assert all("cyclonedds" in why for _, why in result["skipped"]), result["skipped"]


# Who may import whom inside imitate (DESIGN.md's table). The page may read the trainer's two
# torch-free modules (the preset list for its form, the run's event log); the Hub may find a
# checkpoint's files with the exporter's resolve(), which imports torch only when weights are read.
MAY_NOT_IMPORT = {
    "edge": {"export", "trainer", "gui", "hub", "cli", "demo", "demo_page"},
    "export": {"trainer", "gui", "hub"},
    "trainer": {"export", "gui", "hub"},
    "gui": {"export", "hub"},
    "hub": {"gui", "trainer"},
}
EXCEPTIONS = {
    "gui": {"imitate.trainer.presets", "imitate.trainer.events"},
    "hub": {"imitate.export.checkpoint"},
}


def imitate_imports(path, module):
    """Every imitate.* module a source file imports (relative imports resolved), at any depth."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")[: -node.level]  # a package's module name ends in .__init__
                name = ".".join(base + ([node.module] if node.module else []))
            else:
                name = node.module or ""
            found.add(name)
    return {n for n in found if n.startswith("imitate.")}


def test_import_direction_between_parts():
    root = Path(imitate.edge.__file__).parents[1]  # the repository (setup.py maps its folders)
    checked, wrong = 0, []
    for part, forbidden in MAY_NOT_IMPORT.items():
        for path in sorted((root / part).rglob("*.py")):
            module = "imitate." + ".".join((part, *path.relative_to(root / part).with_suffix("").parts))
            checked += 1
            for name in imitate_imports(path, module):
                target = name.split(".")[1]
                if target in forbidden and not any(name.startswith(e) for e in EXCEPTIONS.get(part, ())):
                    wrong.append(f"{path.relative_to(root)} imports {name}")
    assert checked > 80
    assert wrong == [], wrong
