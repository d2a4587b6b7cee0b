"""imitate's own modules import each other without circles (at module level, where a circle bites)."""
import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PARTS = {"edge": "imitate.edge", "export": "imitate.export", "trainer": "imitate.trainer",
         "gui": "imitate.gui", "hub": "imitate.hub", "imitate": "imitate"}


def module_names():
    """{dotted name: path} of every module of the parts."""
    out = {}
    for folder, package in PARTS.items():
        for path in (ROOT / folder).rglob("*.py"):
            rel = path.relative_to(ROOT / folder).with_suffix("")
            parts = [p for p in rel.parts if p != "__init__"]
            out[".".join([package, *parts])] = path
    return out


def top_level_imports(name, path, known):
    """The imitate modules `name` imports at module level (not inside functions)."""
    is_package = path.name == "__init__.py"
    found = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".")[: len(name.split(".")) - node.level + (1 if is_package else 0)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            submodules = [f"{target}.{a.name}" for a in node.names if f"{target}.{a.name}" in known]
            candidates = submodules or [target]  # `from . import layout` imports layout, not the package
        elif isinstance(node, ast.Import):
            candidates = [a.name for a in node.names]
        else:
            continue
        found.update(c for c in candidates if c in known and c != name)
    return found


def test_no_import_circles():
    known = module_names()
    graph = {name: top_level_imports(name, path, known) for name, path in known.items()}
    cycles, state = [], {}

    def visit(node, stack):
        state[node] = "open"
        for nxt in sorted(graph[node]):
            if state.get(nxt) == "open":
                cycles.append(stack[stack.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt, stack + [nxt])
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    assert not cycles, "\n".join(" -> ".join(c) for c in cycles)
