"""Parse trees written back as LaTeX (for messages and mutants): ``latex(parse(t))`` reparses to the same tree."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from . import ast

def latex(node: ast.Node) -> str:
    """The tree written back as LaTeX the parser reads to the same tree.

    >>> from symhess.notation.parser import parse_chain
    >>> print(latex(parse_chain(r"\\frac{\\partial}{\\partial w_{kj}^{(2)}} z_{j'} \\delta_k = 0").members[0].expr))
    \\frac{\\partial}{\\partial w_{kj}^{(2)}} z_{j'} \\delta_{k}
    """
    return _LATEX[type(node)](node)


def _add(node: ast.Add) -> str:
    out = []
    for pos, (sign, term) in enumerate(node.terms):
        text = latex(term)
        if isinstance(term, ast.Add):
            text = f"({text})"
        if pos == 0:
            out.append(("- " if sign < 0 else "") + text)
        else:
            out.append(("- " if sign < 0 else "+ ") + text)
    return " ".join(out)


def _mul(node: ast.Mul) -> str:
    return " ".join(f"({latex(f)})" if isinstance(f, ast.Add) else latex(f) for f in node.factors)


def _call(node: ast.Call) -> str:
    close = {"(": ")", "[": "]"}[node.bracket]
    args = ", ".join(latex(a) for a in node.args)
    given = (" | " + ", ".join(latex(g) for g in node.given)) if node.given else ""
    return f"{node.func}{node.bracket}{args}{given}{close}"


def _wrt(node: ast.Derivative) -> str:
    d = "d" if node.total else "\\partial"
    parts, pos = [], 0
    while pos < len(node.wrt):
        v, count = node.wrt[pos], 1
        while pos + count < len(node.wrt) and node.wrt[pos + count] == v:
            count += 1
        parts.append(f"{d} {latex(v)}" + (f"^{count}" if count > 1 else ""))
        pos += count
    return " ".join(parts)


def _derivative(node: ast.Derivative) -> str:
    d = "d" if node.total else "\\partial"
    head = d + (f"^{node.order}" if node.order > 1 else "")
    of = "" if node.of is None else " " + latex(node.of)
    return f"\\frac{{{head}{of}}}{{{_wrt(node)}}}"


def _scripted(base: ast.Node) -> str:
    text = latex(base)
    return text if isinstance(base, (ast.Symbol, ast.Paren, ast.Number)) else f"{{{text}}}"


def _apply(node: ast.Apply) -> str:
    if isinstance(node.op, ast.ROp):
        return f"\\mathcal{{R}}\\{{ {latex(node.operand)} \\}}"
    return f"{latex(node.op)} {latex(node.operand)}"


def _sum(node: ast.Sum) -> str:
    head = "\\sum"
    if node.index is not None:
        low = "" if node.lower is None else "=" + latex(node.lower)
        head += f"_{{{node.index}{low}}}"
        if node.upper is not None:
            head += f"^{{{latex(node.upper)}}}"
    return f"{head} {latex(node.body)}"


def _measure(m: ast.Node) -> str:
    return "d" + (latex(m) if isinstance(m, ast.Symbol) and m.bold else " " + latex(m))


def _integral(node: ast.Integral) -> str:
    return ("\\int " * node.signs + latex(node.body) + " "
            + " ".join(_measure(m) for m in node.measures))


def _paren(node: ast.Paren) -> str:
    open_, close = {"(": ("(", ")"), "[": ("[", "]"), "{": ("\\{ ", " \\}")}[node.kind]
    return f"{open_}{latex(node.expr)}{close}"


def _div(node: ast.Div) -> str:
    def side(n: ast.Node, right: bool) -> str:
        text = latex(n)
        wrap = isinstance(n, (ast.Add, ast.Mul, ast.Sum, ast.SumOver, ast.Apply, ast.Integral)) \
            or (right and isinstance(n, ast.Div))
        return f"{{{text}}}" if wrap else text
    return f"{side(node.num, False)} / {side(node.den, True)}"


def _func(node: ast.Func) -> str:
    name = f"\\{node.name}" if node.name in _NAMED else f"\\operatorname{{{node.name}}}"
    arg = latex(node.arg)
    return f"{name} {arg}" if isinstance(node.arg, ast.Paren) else f"{name}{{{arg}}}"


_NAMED = frozenset("ln log exp sin cos tan sinh cosh tanh det".split())


def _sum_over(node: ast.SumOver) -> str:
    return f"\\sum_{{{node.index} \\in {latex(node.domain)}}} {latex(node.body)}"


def condition(cond: ast.Condition) -> str:
    """A condition written back: ``j \\neq j'``.

    >>> from symhess.notation.parser import parse_condition
    >>> print(condition(parse_condition(r"z_j \\neq 0")))
    z_{j} \\neq 0
    """
    return f"{latex(cond.lhs)} {cond.relation} {latex(cond.rhs)}"


_LATEX: dict[type, Callable[[Any], str]] = {
    ast.Index: str, ast.Number: str, ast.Symbol: str, ast.Call: _call, ast.Add: _add,
    ast.Mul: _mul, ast.Frac: lambda n: f"\\frac{{{latex(n.num)}}}{{{latex(n.den)}}}",
    ast.Pow: lambda n: f"{_scripted(n.base)}^{{{latex(n.exp)}}}",
    ast.Transpose: lambda n: f"{_scripted(n.expr)}^T", ast.Derivative: _derivative,
    ast.Nabla: lambda n: "\\nabla", ast.ROp: lambda n: "\\mathcal{R}", ast.Apply: _apply,
    ast.Sum: _sum, ast.Integral: _integral, ast.Paren: _paren,
    ast.EqRef: lambda n: f"({n.number})", ast.Div: _div, ast.Func: _func,
    ast.Abs: lambda n: f"|{latex(n.expr)}|", ast.Order: lambda n: f"O({latex(n.expr)})",
    ast.SumOver: _sum_over,
    ast.EvalAt: lambda n: f"{latex(n.expr)}({', '.join(latex(a) for a in n.args)})",
}
