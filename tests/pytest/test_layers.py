"""The package's layering, read from the source with `ast` (nothing is imported): no import
cycle among dtsen's modules, imports inside functions included (a cycle broken by a late
import is still a cycle), and no library module imports the command line."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parents[2] / "dtsen"
COMMAND_LINE = "dtsen.cli"


def module_name(path: Path, package_dir: Path) -> str:
    parts = list(path.relative_to(package_dir.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(path: Path, name: str, modules: set[str]) -> set[str]:
    """The package's modules `path` imports: `import a.b`, `from a.b import c` (c a module or
    a name in a.b) and relative imports, wherever they stand in the file. Importing a.b
    also runs package a, but a package's __init__ importing its own modules is not counted
    as a cycle back from them: that is how packages are made."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            found.add(base)
            found |= {f"{base}.{alias.name}" for alias in node.names}
    return {module for module in found if module in modules and module != name}


def import_graph(package_dir: Path) -> dict[str, set[str]]:
    paths = {module_name(path, package_dir): path for path in package_dir.rglob("*.py")}
    modules = set(paths)
    return {name: imported_modules(path, name, modules) for name, path in paths.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle per strongly connected component of more than one module (Tarjan), each
    as a path a -> b -> ... -> a, so the message shows which imports to cut. A module
    importing its own package (`from dtsen.generate import db` in dtsen.generate.agencies)
    is not an edge back to the package's __init__: Python has run that already."""
    graph = {m: {t for t in targets if not _is_parent(m, t)} for m, targets in graph.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[set[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for target in sorted(graph[module]):
            if target not in index:
                visit(target)
                low[module] = min(low[module], low[target])
            elif target in on_stack:
                low[module] = min(low[module], index[target])
        if low[module] == index[module]:
            component = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.add(member)
                if member == module:
                    break
            components.append(component)

    for module in sorted(graph):
        if module not in index:
            visit(module)
    found = []
    for component in components:
        if len(component) > 1:
            found.append(_closed_path({m: graph[m] & component for m in component}, min(component)))
    return found


def _is_parent(module: str, target: str) -> bool:
    return module.startswith(target + ".")


def _closed_path(graph: dict[str, set[str]], start: str) -> list[str]:
    """A path start -> ... -> start through `graph` (breadth first, so the shortest)."""
    previous: dict[str, str] = {}
    frontier = [start]
    while frontier:
        following = []
        for module in frontier:
            for target in sorted(graph[module]):
                if target == start:
                    path = [module]
                    while path[-1] != start:
                        path.append(previous[path[-1]])
                    return [start, *reversed(path[:-1]), start] if len(path) > 1 else [start, module, start]
                if target not in previous:
                    previous[target] = module
                    following.append(target)
        frontier = following
    raise AssertionError(f"{start} is in a strongly connected component but on no cycle")


def test_no_import_cycle_among_the_package_modules():
    found = cycles(import_graph(PACKAGE_DIR))
    assert not found, "import cycles in dtsen/: " + "; ".join(" -> ".join(cycle) for cycle in found)


def test_no_library_module_imports_the_command_line():
    graph = import_graph(PACKAGE_DIR)
    # `python -m dtsen` runs dtsen/__main__.py: the entry point above the command line.
    offenders = sorted(
        module for module, targets in graph.items() if COMMAND_LINE in targets and module != "dtsen.__main__"
    )
    assert not offenders, f"library modules importing {COMMAND_LINE} (it sits on top of them): {offenders}"


def test_the_project_module_imports_nothing_of_dtsen():
    assert import_graph(PACKAGE_DIR)["dtsen.project"] == set()


def test_the_checks_find_a_cycle_through_a_late_import_and_a_relative_one(tmp_path):
    """The checks themselves: a package a -> b (inside a function) -> c (relative) -> a, and
    a module importing the command line."""
    package = tmp_path / "dtsen"
    package.mkdir()
    (package / "__init__.py").write_text("from dtsen import a\n")
    (package / "a.py").write_text("def f():\n    import dtsen.b\n")
    (package / "b.py").write_text("from . import c\n")
    (package / "c.py").write_text("from dtsen.a import f\nfrom dtsen.cli import main\n")
    (package / "cli.py").write_text("from dtsen import a\n")
    graph = import_graph(package)
    assert cycles(graph) == [["dtsen.a", "dtsen.b", "dtsen.c", "dtsen.a"]]
    assert sorted(m for m, targets in graph.items() if COMMAND_LINE in targets) == ["dtsen.c"]
    (package / "c.py").write_text("import duckdb\n")
    assert cycles(import_graph(package)) == []


def test_every_file_the_package_reads_ships_with_it():
    """Files of dtsen/ that are not Python (the report's template) are package data, so an
    installed dtsen finds them as a checkout does."""
    import fnmatch
    import tomllib

    config = tomllib.loads((PACKAGE_DIR.parent / "pyproject.toml").read_text(encoding="utf-8"))
    globs = config["tool"]["setuptools"]["package-data"]
    data = [path for path in PACKAGE_DIR.rglob("*") if path.is_file() and path.suffix not in (".py", ".pyc")]
    assert data, "no package data found: the test looks in the wrong place"
    missing = []
    for path in data:
        package_dir = next(p for p in path.parents if (p / "__init__.py").is_file())
        package = module_name(package_dir / "__init__.py", PACKAGE_DIR)
        inside = path.relative_to(package_dir).as_posix()
        if not any(fnmatch.fnmatch(inside, pattern) for pattern in globs.get(package, [])):
            missing.append(str(path.relative_to(PACKAGE_DIR.parent)))
    assert not missing, f"not declared as package data in pyproject.toml: {missing}"
