"""The layering of docs/ARCHITECTURE.md, checked: no import cycle among symhess's modules,
counting imports inside functions (the hidden ones) as well as those at the top."""
from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "symhess"


def _modules() -> dict[str, Path]:
    out = {}
    for f in PACKAGE.rglob("*.py"):
        parts = f.relative_to(PACKAGE.parent).with_suffix("").parts
        out[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = f
    return out


def _imports(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """Every symhess module ``name`` imports, anywhere in the file."""
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            base = package
            for _ in range(node.level - 1):
                base = base.rsplit(".", 1)[0]
            if node.level == 0:
                base = node.module or ""
            elif node.module:
                base = f"{base}.{node.module}"
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names]
        elif isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        else:
            continue
        found |= {t for t in targets if t in modules and t != name}
    return found


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle of ``graph`` (a path that comes back to its start), or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(v: str) -> list[str] | None:
        state[v] = 1
        stack.append(v)
        for w in sorted(graph[v]):
            if state.get(w) == 1:
                return stack[stack.index(w):] + [w]
            if w not in state and (found := visit(w)):
                return found
        state[v] = 2
        stack.pop()
        return None

    for v in sorted(graph):
        if v not in state and (found := visit(v)):
            return found
    return None


def test_cycle_finder_finds_a_cycle() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


def test_no_import_cycle_hidden_ones_included() -> None:
    modules = _modules()
    assert "symhess.check" in modules and "symhess.notation.parser" in modules
    graph = {name: _imports(name, path, modules) for name, path in modules.items()}
    assert _cycle(graph) is None, " → ".join(_cycle(graph) or [])


def test_the_catalogue_imports_no_recipe_and_the_checker_no_renderer() -> None:
    modules = _modules()
    graph = {name: _imports(name, path, modules) for name, path in modules.items()}
    assert not any(t.startswith("symhess.derive") for t in graph["symhess.catalogue"])
    assert not any(t.startswith(("symhess.render", "symhess.derive", "symhess.handout"))
                   for t in graph["symhess.check"])
    assert not any(t.startswith("symhess.render") for t in graph["symhess.results"])


# The one place the checking side prints SymPy: a failed step's residual is printed and read
# back by the parser as a candidate correction (suggest._residual_term) — a translation into
# the reader's notation, not output.
_PRINTS_TO_READ_BACK = {("symhess.suggest", "symhess.printing")}


def _sympy_latex_calls(path: Path) -> list[int]:
    """Lines of ``path`` that call SymPy's own printer (``sp.latex``, ``sympy.latex``)."""
    return [node.lineno for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr == "latex" and isinstance(node.func.value, ast.Name)
            and node.func.value.id in ("sp", "sympy")]


def test_the_checker_decides_and_never_formats() -> None:
    """Nothing the checker runs imports the printer or calls SymPy's: a message carries the
    expressions it computed as SymPy (results.Text), and a renderer prints them."""
    modules = _modules()
    graph = {name: _imports(name, path, modules) - {t for s, t in _PRINTS_TO_READ_BACK if s == name}
             for name, path in modules.items()}
    seen, todo = set(), ["symhess.check"]
    while todo:
        v = todo.pop()
        if v not in seen:
            seen.add(v)
            todo += sorted(graph[v])
    assert "symhess.equivalence" in seen and "symhess.orders" in seen and "symhess.suggest" in seen
    assert "symhess.printing" not in seen and not any(v.startswith("symhess.render") for v in seen)
    calls = {v: _sympy_latex_calls(modules[v]) for v in sorted(seen)}
    assert not {v: lines for v, lines in calls.items() if lines}


def test_the_latex_call_finder_finds_one(tmp_path: Path) -> None:
    f = tmp_path / "m.py"
    f.write_text("import sympy as sp\n\nx = sp.latex(1)\ny = other.latex(2)\n", encoding="utf-8")
    assert _sympy_latex_calls(f) == [3]
