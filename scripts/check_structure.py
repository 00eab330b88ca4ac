#!/usr/bin/env python3
"""Structure check for CI: no import cycle between joulebench modules, no module too long.

import-linter checks the layers, but it cannot see a cycle inside one layer, and a lazy
(function-level) import hides a cycle from anyone reading the top of a file. This parses
every module with :mod:`ast`, collects *every* ``import`` / ``from ... import`` of a
joulebench module anywhere in the file (in functions, in ``if TYPE_CHECKING:`` blocks),
resolves relative imports, and finds the strongly connected components of the import
graph: a component of more than one module is a cycle, printed with the import lines
that make it. The same is done between joulebench's subpackages (``tasks`` importing
``data`` importing ``tasks``), a cycle no single pair of modules shows. It also fails on any module over ``--max-lines`` lines (default 500).

Usage: ``python scripts/check_structure.py [--root src/joulebench] [--max-lines 500]``.
Exit status 0 when clean, 1 otherwise.
"""

from __future__ import annotations

import argparse
import ast
import itertools
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

MAX_LINES = 500


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    line: int


def module_names(root: Path) -> dict[str, Path]:
    """Dotted module name → file, for every .py file under the package ``root``."""
    package = root.name
    names = {}
    for path in sorted(root.rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        names[".".join([package, *parts])] = path
    return names


def _known(name: str, modules: dict[str, Path]) -> str | None:
    """``name`` or its longest prefix that is a module (``a.b.attr`` → ``a.b``)."""
    while name:
        if name in modules:
            return name
        name = name.rpartition(".")[0]
    return None


def imports_of(module: str, path: Path, modules: dict[str, Path]) -> Iterator[Edge]:
    """Every import of a module in ``modules`` made anywhere in ``path``."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    is_package = path.name == "__init__.py"
    for node in ast.walk(tree):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")
                if not is_package:
                    base = base[:-1]
                base = base[: len(base) - (node.level - 1)] if node.level > 1 else base
                prefix = ".".join(base + ([node.module] if node.module else []))
            else:
                prefix = node.module or ""
            for alias in node.names:  # ``from pkg import submodule`` imports the submodule
                full = f"{prefix}.{alias.name}"
                targets.append(full if full in modules else prefix)
        for target in targets:
            known = _known(target, modules)
            if known is not None and known != module:
                yield Edge(module, known, node.lineno)


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm, iteratively; components in a stable order."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            advanced = False
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                    advanced = True
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            if advanced:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                components.append(sorted(component))
    return sorted(components)


def cycle_in(component: list[str], graph: dict[str, set[str]]) -> list[str]:
    """One shortest cycle through the component's first module (breadth-first)."""
    members = set(component)
    start = component[0]
    previous: dict[str, str] = {}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for child in sorted(graph[node] & members):
                if child == start:
                    path = [node]
                    while path[-1] != start:
                        path.append(previous[path[-1]])
                    return [start, *reversed(path[:-1]), start]
                if child not in previous:
                    previous[child] = node
                    following.append(child)
        frontier = following
    return [start]


def _package(module: str) -> str:
    """The top-level subpackage (or module) of joulebench that ``module`` belongs to."""
    return ".".join(module.split(".")[:2])


def check(root: Path, max_lines: int = MAX_LINES) -> list[str]:
    """The problems found under ``root``, one message each (empty: clean)."""
    modules = module_names(root)
    graph: dict[str, set[str]] = {name: set() for name in modules}
    lines: dict[tuple[str, str], int] = {}
    for name, path in modules.items():
        for edge in imports_of(name, path, modules):
            graph[name].add(edge.target)
            lines.setdefault((edge.source, edge.target), edge.line)
    problems = []
    for component in strongly_connected(graph):
        if len(component) < 2:
            continue
        cycle = cycle_in(component, graph)
        steps = [
            f"{a} (line {lines[(a, b)]}) -> {b}" for a, b in itertools.pairwise(cycle)
        ]
        problems.append(
            f"import cycle among {len(component)} modules ({', '.join(component)}):\n    "
            + "\n    ".join(steps)
        )
    # The same between subpackages (joulebench.tasks <-> joulebench.data), which no single
    # pair of modules shows: one example import per step.
    packages: dict[str, set[str]] = {}
    example: dict[tuple[str, str], str] = {}
    for (a, b), line in sorted(lines.items()):
        pa, pb = _package(a), _package(b)
        packages.setdefault(pa, set())
        packages.setdefault(pb, set())
        if pa != pb:
            packages[pa].add(pb)
            example.setdefault((pa, pb), f"{a} (line {line}) imports {b}")
    for component in strongly_connected(packages):
        if len(component) < 2:
            continue
        cycle = cycle_in(component, packages)
        steps = [f"{a} -> {b}: {example[(a, b)]}" for a, b in itertools.pairwise(cycle)]
        problems.append(
            f"import cycle among {len(component)} packages ({', '.join(component)}):\n    "
            + "\n    ".join(steps)
        )
    for path in modules.values():
        n = len(path.read_text(encoding="utf-8").splitlines())
        if n > max_lines:
            problems.append(f"{path}: {n} lines, over {max_lines} (split it by concept)")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default_root = Path(__file__).resolve().parent.parent / "src" / "joulebench"
    parser.add_argument("--root", type=Path, default=default_root, help="the package folder")
    parser.add_argument("--max-lines", type=int, default=MAX_LINES)
    args = parser.parse_args(argv)
    problems = check(args.root, args.max_lines)
    for problem in problems:
        print(f"check_structure: {problem}", file=sys.stderr)
    if problems:
        return 1
    print(f"check_structure: no import cycles, no module over {args.max_lines} lines")
    return 0


if __name__ == "__main__":
    sys.exit(main())
