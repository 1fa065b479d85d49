"""The house keeps its shape: no import circles, no room over 500 lines.

The layer order itself is import-linter's job (``[tool.importlinter]`` in pyproject.toml,
run by .ci/run); the complexity limit is ruff's (C901). These two checks have no tool.
"""

from __future__ import annotations

import ast
import importlib
import inspect
from pathlib import Path
from types import ModuleType

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


def _takes_a_session(obj: object) -> bool:
    if not callable(obj) or isinstance(obj, type):
        return False
    try:
        params = list(inspect.signature(obj).parameters.values())
    except (TypeError, ValueError):
        return False
    return bool(params) and "Session" in str(params[0].annotation)


def _session_calls(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, name) of every service or db query function that takes a session and that
    this module imports or reaches through an imported module."""
    modules: dict[str, ModuleType] = {}
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            if not node.module.startswith(("kaidan_tui.services", "kaidan_tui.db")):
                continue
            mod = importlib.import_module(node.module)
            for alias in node.names:
                obj = getattr(mod, alias.name, None)
                if isinstance(obj, ModuleType):
                    modules[alias.asname or alias.name] = obj
                elif _takes_a_session(obj):
                    found.append((node.lineno, f"{node.module}.{alias.name}"))
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in modules
            and _takes_a_session(getattr(modules[node.value.id], node.attr, None))
        ):
            found.append((node.lineno, f"{modules[node.value.id].__name__}.{node.attr}"))
    return found


def test_the_screens_and_the_cli_call_no_function_that_takes_a_session() -> None:
    """What takes the caller's session (db/queries, the steps inside services) is only
    composed by services; the outer layers get a Database-taking service for each."""
    found = []
    for path in _sources():
        rel = path.relative_to(PACKAGE).as_posix()
        if rel.startswith(("cli/", "tui/")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            found += [f"{rel}:{line} {name}" for line, name in _session_calls(tree)]
    assert not found, "session-taking calls outside services: " + "; ".join(found)


def test_the_session_call_finder_finds_them() -> None:
    tree = ast.parse(
        "from kaidan_tui.services import slips\n"
        "from kaidan_tui.db.queries.catalog import on_hand\n"
        "from kaidan_tui.services.catalog import search_products\n"
        "slips.post_in\nslips.post\n"
    )
    assert _session_calls(tree) == [
        (2, "kaidan_tui.db.queries.catalog.on_hand"),
        (4, "kaidan_tui.services.slips.post_in"),
    ]
