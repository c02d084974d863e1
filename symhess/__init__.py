"""symhess: derive and check PRML chapter-5 Hessian formulas symbolically and numerically.

>>> import symhess
>>> symhess.get("5.93").derive().verdict
'proved'
>>> [s.verdict for s in symhess.check_text("$$ M_{kk'} = M_{k'k} $$").derivations[0].steps]
['proved']
"""
from __future__ import annotations

__version__ = "0.1.0"

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
