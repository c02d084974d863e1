r"""Jupyter display of symhess results: derivations and check reports, as HTML and LaTeX.

The result types themselves never format (data flows one way: results → render); this module
tells IPython how to show them.  ``import symhess`` in a running IPython registers it, and
``%load_ext symhess`` does so explicitly.

>>> from symhess.results import DerivationResult, Step
>>> r = DerivationResult("x", "a=b", "proved", (Step("a", None, ""), Step("b")), None, 0.0, title="t")
>>> derivation_latex(r)
'$$\\begin{aligned}a &= b \\\\ &\\text{(x) t: ✓ proved}\\end{aligned}$$'
"""
from __future__ import annotations

from typing import Any

from ..results import DerivationResult
from .text import mark

# (module, class name) → (MIME type, formatter name in this module); by name, so that
# registering imports neither the checker nor the HTML renderer.
FORMATS = (
    ("symhess.results", "DerivationResult", "text/html", "derivation_html"),
    ("symhess.results", "DerivationResult", "text/latex", "derivation_latex"),
    ("symhess.check", "Report", "text/html", "report_html"),
)


def derivation_latex(r: DerivationResult) -> str:
    """The chain of a derivation as one ``aligned`` display, then its verdict as a text line."""
    head = f"({r.equation}) {r.title}: {mark(r.verdict)}".replace("{", "(").replace("}", ")")
    return "$$\\begin{aligned}" + r.chain_latex() + " \\\\ &\\text{" + head + "}\\end{aligned}$$"


def derivation_html(r: DerivationResult) -> str:
    """Title, verdict, the chain in MathML, the erratum and the numeric check."""
    from .html import derivation_html as page

    return page(r)


def report_html(report: Any) -> str:
    """A check report as the fragment of ``symhess check --format html`` (no page around it)."""
    from .html import report_html as page

    return str(page(report, standalone=False))


def register(ipython: Any) -> None:
    """Tell ``ipython``'s display formatters how to show symhess results (see :data:`FORMATS`).

    >>> class Formatter(dict):
    ...     def for_type_by_name(self, module, name, func): self[module, name] = func.__name__
    >>> class Shell: pass
    >>> ip = Shell(); ip.display_formatter = Shell()
    >>> ip.display_formatter.formatters = {"text/html": Formatter(), "text/latex": Formatter()}
    >>> register(ip)
    >>> ip.display_formatter.formatters["text/html"]
    {('symhess.results', 'DerivationResult'): 'derivation_html', ('symhess.check', 'Report'): 'report_html'}
    """
    formatters = ipython.display_formatter.formatters
    for module, name, mime, func in FORMATS:
        formatters[mime].for_type_by_name(module, name, globals()[func])
