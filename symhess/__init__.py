"""symhess: derive and check PRML chapter-5 Hessian formulas symbolically and numerically.

>>> import symhess, symhess.derive
>>> symhess.derive.derive_entry("5.93").verdict
'proved'
>>> [s.verdict for s in symhess.check_text("$$ M_{kk'} = M_{k'k} $$").derivations[0].steps]
['proved']
"""
from __future__ import annotations

__version__ = "0.1.0"

import importlib
from typing import TYPE_CHECKING, Any

# The public names, imported on first use (PEP 562): ``symhess check`` must not pay for the
# handout, the renderers or the derivation recipes it never uses.
_LAZY = {
    "Entry": "catalogue", "entries": "catalogue", "get": "catalogue",
    "Report": "check", "check_paths": "check", "check_text": "check",
    "find_blocks": "documents", "decide": "equivalence",
    "InputError": "errors", "SymhessError": "errors",
    "build_checked_notes": "handout", "build_handout": "handout",
    "NetworkConfig": "network", "interpret": "notation.interpret",
    "parse_chain": "notation.parser",
    "DerivationResult": "results", "NumericCheck": "results", "Step": "results",
}

if TYPE_CHECKING:
    from .catalogue import Entry, entries, get
    from .check import Report, check_paths, check_text
    from .documents import find_blocks
    from .equivalence import decide
    from .errors import InputError, SymhessError
    from .handout import build_checked_notes, build_handout
    from .network import NetworkConfig
    from .notation.interpret import interpret
    from .notation.parser import parse_chain
    from .results import DerivationResult, NumericCheck, Step


def __getattr__(name: str) -> Any:
    """``symhess.check_text`` and the other public names, imported when first used.

    >>> import symhess
    >>> symhess.no_such_name
    Traceback (most recent call last):
    ...
    AttributeError: module 'symhess' has no attribute 'no_such_name'
    """
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


def load_ipython_extension(ipython: Any) -> None:
    """``%load_ext symhess``: show derivations and check reports as HTML/LaTeX in Jupyter."""
    from .render.jupyter import register

    register(ipython)


def _register_in_running_ipython() -> None:
    """In a running IPython, ``import symhess`` alone makes results display themselves."""
    import sys

    if "IPython" not in sys.modules:
        return
    shell = sys.modules["IPython"].get_ipython()
    if shell is not None and getattr(shell, "display_formatter", None) is not None:
        load_ipython_extension(shell)


_register_in_running_ipython()


__all__ = [
    "DerivationResult",
    "Entry",
    "InputError",
    "NetworkConfig",
    "NumericCheck",
    "Report",
    "Step",
    "SymhessError",
    "__version__",
    "build_checked_notes",
    "build_handout",
    "check_paths",
    "check_text",
    "decide",
    "entries",
    "find_blocks",
    "get",
    "interpret",
    "parse_chain",
]
