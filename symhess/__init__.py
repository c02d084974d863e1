"""symhess: derive and check PRML chapter-5 Hessian formulas symbolically and numerically."""
from __future__ import annotations

__version__ = "0.1.0"

from .catalogue import Entry, entries, get
from .errors import InputError, SymhessError
from .network import NetworkConfig
from .results import DerivationResult, NumericCheck, Step

__all__ = [
    "DerivationResult",
    "Entry",
    "InputError",
    "NetworkConfig",
    "NumericCheck",
    "Step",
    "SymhessError",
    "__version__",
    "entries",
    "get",
]
