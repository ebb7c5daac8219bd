"""The layer contract (docs/design.md §2): nothing imports upwards, no module imports cycle.

Every import in the package counts, including imports inside functions and under
``TYPE_CHECKING``: a lazy import still ties the two modules together.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "convanim"

#: Lowest first. A module belongs to the first layer with a prefix matching its name.
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("base", ("convanim.errors", "convanim.version")),
    ("spec", ("convanim.spec", "convanim.limits")),
    ("engine", ("convanim.engine",)),
    ("storyboard", ("convanim.storyboard",)),
    ("renderer", ("convanim.renderer",)),
    (
        "output/batch/gallery",
        (
            "convanim.output",
            "convanim.batch",
            "convanim.gallery",
            "convanim.pipeline",
            "convanim.lifetime",
            "convanim.display",
            "convanim.schema",
            "convanim.importers",
        ),
    ),
    ("cli", ("convanim.cli", "convanim.__main__")),
)
#: The package's own ``__init__`` is the Python API: it sits with output/batch/gallery.
API_LAYER = "output/batch/gallery"


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES: dict[str, Path] = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def layer_of(module: str) -> int:
    """Index of the module's layer in :data:`LAYERS`."""
    if module == "convanim":
        return [name for name, _ in LAYERS].index(API_LAYER)
    for index, (_, prefixes) in enumerate(LAYERS):
        if any(module == p or module.startswith(p + ".") for p in prefixes):
            return index
    raise AssertionError(f"{module} is in no layer: add it to LAYERS in tests/test_layers.py")


def _resolve(module: str, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    package = module.split(".") if MODULES[module].name == "__init__.py" else module.split(".")[:-1]
    base = package[: len(package) - node.level + 1]
    return ".".join([*base, node.module] if node.module else base)


def imports_of(module: str) -> Iterator[tuple[str, int]]:
    """``(imported convanim module, line)`` for every import statement of ``module``.

    ``from pkg import name`` counts as an import of ``pkg.name`` when that is a module, else of
    ``pkg``.
    """
    tree = ast.parse(MODULES[module].read_text(), str(MODULES[module]))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "convanim":
                    yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            target = _resolve(module, node)
            if target.split(".")[0] != "convanim":
                continue
            for alias in node.names:
                full = f"{target}.{alias.name}"
                yield (full if full in MODULES else target), node.lineno


def graph() -> dict[str, set[str]]:
    """Module -> the package's modules it imports."""
    return {
        module: {target for target, _ in imports_of(module) if target in MODULES}
        for module in MODULES
    }


def test_every_module_is_in_a_layer() -> None:
    for module in MODULES:
        layer_of(module)


def test_nothing_imports_upwards() -> None:
    upward = []
    for module in MODULES:
        for target, line in imports_of(module):
            if target in MODULES and layer_of(target) > layer_of(module):
                upward.append(
                    f"{MODULES[module].name}:{line}: {module} "
                    f"({LAYERS[layer_of(module)][0]}) imports {target} "
                    f"({LAYERS[layer_of(target)][0]})"
                )
    assert not upward, "upward imports:\n" + "\n".join(upward)


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(edges.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def test_no_import_cycles() -> None:
    found = cycles(graph())
    assert not found, "import cycles:\n" + "\n".join(" <-> ".join(c) for c in found)


@pytest.mark.parametrize(
    ("edges", "expected"),
    [
        ({"a": {"b"}, "b": {"a"}}, [["a", "b"]]),
        ({"a": {"b"}, "b": {"c"}, "c": set()}, []),
        ({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}, [["a", "b", "c"]]),
    ],
)
def test_the_cycle_finder_finds_cycles(
    edges: dict[str, set[str]], expected: list[list[str]]
) -> None:
    assert cycles(edges) == expected


def test_an_upward_import_is_caught(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = tmp_path / "engine_module.py"
    fake.write_text("def f():\n    from convanim.renderer import layout\n")
    monkeypatch.setitem(MODULES, "convanim.engine.fake", fake)
    with pytest.raises(AssertionError, match=r"convanim.engine.fake \(engine\) imports"):
        test_nothing_imports_upwards()
