"""The house keeps its shape: no import circles, no room over 500 lines.

The layer order itself is import-linter's job (``[tool.importlinter]`` in pyproject.toml,
run by .ci/run); the complexity limit is ruff's (C901). These two checks have no tool.
"""

from __future__ import annotations

import ast
from pathlib import Path

import grimp

PACKAGE = Path(__file__).resolve().parent.parent / "kaidan_tui"
MAX_LINES = 500

# Files still over the limit, each with the ceiling it may not grow past. The list only
# shrinks: split a file and take it off (the test tells you when it is no longer needed).
OVERSIZED: dict[str, int] = {}


def _sources() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "migrations/versions" not in p.as_posix())


def test_no_file_is_over_the_limit() -> None:
    over = []
    for path in _sources():
        rel = path.relative_to(PACKAGE).as_posix()
        lines = len(path.read_text(encoding="utf-8").splitlines())
        ceiling = OVERSIZED.get(rel, MAX_LINES)
        if lines > ceiling:
            over.append(f"{rel}: {lines} lines (limit {ceiling})")
    assert not over, "files over the size limit; split them: " + "; ".join(over)


def _stale(oversized: dict[str, int]) -> list[str]:
    """The entries that are no longer needed: the file is gone, or back under the limit."""
    stale = []
    for rel in sorted(oversized):
        path = PACKAGE / rel
        if not path.exists():
            stale.append(f"{rel} is gone")
            continue
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines <= MAX_LINES:
            stale.append(f"{rel} is {lines} lines now")
    return stale


def test_the_stale_finder_finds_stale_entries() -> None:
    gone, small = "tui/screens/no_such_screen.py", "tui/__init__.py"
    lines = len((PACKAGE / small).read_text(encoding="utf-8").splitlines())
    assert _stale({gone: 1000, small: 1000}) == [f"{small} is {lines} lines now", f"{gone} is gone"]


def test_the_oversized_list_only_shrinks() -> None:
    stale = _stale(OVERSIZED)
    assert not stale, "take them off OVERSIZED: " + "; ".join(stale)


def _cycles(imports: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in imports.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                group.append(top)
                if top == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(imports):
        if node not in index:
            visit(node)
    return found


def test_the_cycle_finder_finds_a_cycle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(graph) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_the_package_has_no_import_cycles() -> None:
    """Every import counts, also those inside functions; only TYPE_CHECKING ones do not."""
    graph = grimp.build_graph("kaidan_tui", exclude_type_checking_imports=True)
    modules = {m for m in graph.modules if m.startswith("kaidan_tui")}
    imports = {
        m: {
            n
            for n in graph.find_modules_directly_imported_by(m)
            if n in modules and not m.startswith(n + ".")  # a module's own package
        }
        for m in modules
    }
    cycles = _cycles(imports)
    assert not cycles, "import cycles: " + "; ".join(" ↔ ".join(c) for c in cycles)


def test_the_screens_and_the_cli_open_no_transaction() -> None:
    """One owner per transaction: services open theirs; cli/ and tui/ only call them."""
    found = []
    for path in _sources():
        rel = path.relative_to(PACKAGE).as_posix()
        if not rel.startswith(("cli/", "tui/")):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.With):
                for item in node.items:
                    call = item.context_expr
                    if (
                        isinstance(call, ast.Call)
                        and isinstance(call.func, ast.Attribute)
                        and call.func.attr in ("read", "write", "session")
                    ):
                        found.append(f"{rel}:{node.lineno} {ast.unparse(call)}")
    assert not found, "transactions opened outside services: " + "; ".join(found)
