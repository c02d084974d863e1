"""Loop-form reference algorithms (exact Hessian, R-operator pass, sequential inverse) and their latexify renderings.

The functions here are deliberately written as plain loops over PRML's indices so
that latexify-py can typeset them as pseudo-code; they are slow and exist to be
*shown*.  Tests check that they agree numerically with the vectorised code in
:mod:`symhess.numeric` (and with autograd), so the algorithm printed in the handout is
the algorithm that runs.

Conventions: one data point, a two-layer network without biases, weights
``W1[j][i]`` (M x D) and ``W2[k][j]`` (K x M), activation ``h`` with derivatives
``dh``, ``d2h``.  Indices run from 0 as in Python.

>>> import numpy as np
>>> x, t = np.array([0.5, -1.0]), np.array([0.3])
>>> W1, W2 = np.array([[0.1, 0.2], [0.3, -0.4]]), np.array([[1.0, -2.0]])
>>> H11, H12, H22 = exact_hessian_blocks(x, t, W1, W2, np.tanh, dtanh, d2tanh, sse_delta, sse_m)
>>> H22.shape, H12.shape, H11.shape
((1, 2, 1, 2), (2, 2, 1, 2), (2, 2, 2, 2))
>>> "\\\\For" in algorithm_latex("exact_hessian").latex
True
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy import eye, outer, zeros

Array = np.ndarray
Act = Callable[[float], float]


# --------------------------------------------------------------------------- helpers
def dtanh(a: float) -> float:
    """h'(a) for h = tanh.

    >>> float(dtanh(0.0))
    1.0
    """
    return 1.0 - np.tanh(a) ** 2


def d2tanh(a: float) -> float:
    """h''(a) for h = tanh.

    >>> abs(float(d2tanh(0.0)))
    0.0
    """
    return -2.0 * np.tanh(a) * (1.0 - np.tanh(a) ** 2)


def sse_delta(a2: Array, t: Array) -> Array:
    """delta_k = dE_n/da_k for the sum-of-squares error with linear outputs (y_k = a_k).

    >>> sse_delta(np.array([1.0]), np.array([0.25]))
    array([0.75])
    """
    return np.asarray(a2, dtype=float) - np.asarray(t, dtype=float)


def sse_m(a2: Array, t: Array) -> Array:
    """M_kk' = d2E_n/da_k da_k' for the sum-of-squares error: the identity.

    >>> sse_m(np.zeros(2), np.zeros(2)).tolist()
    [[1.0, 0.0], [0.0, 1.0]]
    """
    return np.eye(len(a2))


# --------------------------------------------------------------------------- algorithms
def exact_hessian_blocks(x, t, W1, W2, h, dh, d2h, dE, d2E):  # type: ignore[no-untyped-def]
    """The exact Hessian of E_n for one data point, block by block (PRML 5.92-5.95).

    Returns ``(H11, H12, H22)`` with ``H11[j][i][jp][ip]`` = d2E/dw_ji dw_j'i',
    ``H12[j][i][k][jp]`` = d2E/dw_ji dw_kj' and ``H22[k][j][kp][jp]`` = d2E/dw_kj dw_k'j'.
    """
    D, M, K = len(x), len(W1), len(W2)
    a1 = zeros(M)
    z = zeros(M)
    a2 = zeros(K)
    for j in range(M):
        a1[j] = sum(W1[j][i] * x[i] for i in range(D))
        z[j] = h(a1[j])
    for k in range(K):
        a2[k] = sum(W2[k][j] * z[j] for j in range(M))
    delta = dE(a2, t)
    Mkk = d2E(a2, t)
    I = eye(M)
    s = zeros(M)
    r = zeros((M, K))
    q = zeros((M, M))
    for j in range(M):
        s[j] = sum(W2[k][j] * delta[k] for k in range(K))
        for k in range(K):
            r[j][k] = sum(W2[kp][j] * Mkk[k][kp] for kp in range(K))
    for j in range(M):
        for jp in range(M):
            q[j][jp] = sum(W2[k][j] * r[jp][k] for k in range(K))
    H22 = zeros((K, M, K, M))
    H11 = zeros((M, D, M, D))
    H12 = zeros((M, D, K, M))
    for k in range(K):
        for j in range(M):
            for kp in range(K):
                for jp in range(M):
                    H22[k][j][kp][jp] = z[j] * z[jp] * Mkk[k][kp]
    for j in range(M):
        for i in range(D):
            for jp in range(M):
                for ip in range(D):
                    H11[j][i][jp][ip] = x[i] * x[ip] * (d2h(a1[j]) * I[j][jp] * s[j] + dh(a1[j]) * dh(a1[jp]) * q[j][jp])
    for j in range(M):
        for i in range(D):
            for k in range(K):
                for jp in range(M):
                    H12[j][i][k][jp] = x[i] * dh(a1[j]) * (delta[k] * I[j][jp] + z[jp] * r[j][k])
    return H11, H12, H22


def r_operator_pass(x, t, W1, W2, V1, V2, h, dh, d2h):  # type: ignore[no-untyped-def]
    """v^T H for one data point by Pearlmutter's R-operator (PRML 5.98-5.111).

    Sum-of-squares error with linear outputs, as in PRML 5.4.6.  Returns
    ``(RW1, RW2)`` = R{dE_n/dw_ji}, R{dE_n/dw_kj}, laid out like the weights.
    """
    D, M, K = len(x), len(W1), len(W2)
    a = zeros(M)
    z = zeros(M)
    Ra = zeros(M)
    Rz = zeros(M)
    y = zeros(K)
    Ry = zeros(K)
    for j in range(M):
        a[j] = sum(W1[j][i] * x[i] for i in range(D))
        z[j] = h(a[j])
        Ra[j] = sum(V1[j][i] * x[i] for i in range(D))
        Rz[j] = dh(a[j]) * Ra[j]
    for k in range(K):
        y[k] = sum(W2[k][j] * z[j] for j in range(M))
        Ry[k] = sum(W2[k][j] * Rz[j] for j in range(M)) + sum(V2[k][j] * z[j] for j in range(M))
    delta = y - t
    Rdelta = Ry
    deltaj = zeros(M)
    Rdeltaj = zeros(M)
    for j in range(M):
        deltaj[j] = dh(a[j]) * sum(W2[k][j] * delta[k] for k in range(K))
        Rdeltaj[j] = d2h(a[j]) * Ra[j] * sum(W2[k][j] * delta[k] for k in range(K)) + dh(a[j]) * sum(V2[k][j] * delta[k] for k in range(K)) + dh(a[j]) * sum(W2[k][j] * Rdelta[k] for k in range(K))
    RW1 = zeros((M, D))
    RW2 = zeros((K, M))
    for k in range(K):
        for j in range(M):
            RW2[k][j] = Rdelta[k] * z[j] + delta[k] * Rz[j]
    for j in range(M):
        for i in range(D):
            RW1[j][i] = x[i] * Rdeltaj[j]
    return RW1, RW2


def sequential_inverse(B, alpha):  # type: ignore[no-untyped-def]
    """(H_N + alpha I)^{-1} built one data point at a time (PRML 5.86-5.89).

    ``B`` holds one vector b_n = grad y_n per row; H_0 = alpha I.

    >>> B = np.array([[1.0, 0.0], [1.0, 1.0]])
    >>> np.allclose(sequential_inverse(B, 0.5), np.linalg.inv(B.T @ B + 0.5 * np.eye(2)))
    True
    """
    W = len(B[0])
    Hinv = eye(W) / alpha
    for b in B:
        u = Hinv @ b
        Hinv = Hinv - outer(u, u) / (1 + b @ u)
    return Hinv


def assemble_hessian(H11: Array, H12: Array, H22: Array) -> Array:
    """The W x W Hessian from the blocks, weights ordered (W1 row-major, then W2 row-major).

    >>> H = assemble_hessian(np.zeros((1, 1, 1, 1)), np.zeros((1, 1, 1, 1)), np.ones((1, 1, 1, 1)))
    >>> H.tolist()
    [[0.0, 0.0], [0.0, 1.0]]
    """
    M, D, K = H11.shape[0], H11.shape[1], H22.shape[0]
    n1, n2 = M * D, K * M
    H = np.zeros((n1 + n2, n1 + n2))
    H[:n1, :n1] = H11.reshape(n1, n1)
    H[:n1, n1:] = H12.reshape(n1, n2)
    H[n1:, :n1] = H[:n1, n1:].T
    H[n1:, n1:] = H22.reshape(n2, n2)
    return H


# --------------------------------------------------------------------------- rendering
@dataclass(frozen=True)
class RenderedAlgorithm:
    """One algorithm typeset by latexify: ``latex`` (algorithmic), ``mathjax`` (array form)."""

    name: str
    title_ja: str
    title_en: str
    equations: str
    latex: str
    mathjax: str


# Identifiers of the code -> PRML symbols.  ``@`` marks where a subscript goes, so that
# ``W1[j][i]`` reads w_{ji}^{(1)} and ``Ra[j]`` reads R{a_j}, as in PRML.
_SYMBOLS: dict[str, str] = {
    "W1": r"w@^{(1)}",
    "W2": r"w@^{(2)}",
    "V1": r"v@^{(1)}",
    "V2": r"v@^{(2)}",
    "a1": r"a@^{(1)}",
    "a2": r"a@^{(2)}",
    "dh": r"h'",
    "d2h": r"h''",
    "dE": r"\nabla_{\mathbf{a}} E_n",
    "d2E": r"\nabla_{\mathbf{a}}\nabla_{\mathbf{a}} E_n",
    "Mkk": r"M@",
    "Ra": r"\mathcal{R}\{a@\}",
    "Rz": r"\mathcal{R}\{z@\}",
    "Ry": r"\mathcal{R}\{y@\}",
    "Rdelta": r"\mathcal{R}\{\delta@\}",
    "deltaj": r"\delta@^{(1)}",
    "Rdeltaj": r"\mathcal{R}\{\delta@^{(1)}\}",
    "RW1": r"\mathcal{R}\{\partial E_n / \partial w@^{(1)}\}",
    "RW2": r"\mathcal{R}\{\partial E_n / \partial w@^{(2)}\}",
    "H11": r"H@^{(11)}",
    "H12": r"H@^{(12)}",
    "H22": r"H@^{(22)}",
    "Hinv": r"\mathbf{H}^{-1}",
    "zeros": r"\mathrm{zeros}",
    "eye": r"\mathrm{eye}",
    "outer": r"\mathrm{outer}",
    "alpha": r"\alpha",
    "delta": r"\delta@",
    "b": r"\mathbf{b}",
}
# Index variables: primes, no braces, so that subscripts can be joined (w_{k'j}).
_INDICES: dict[str, str] = {"kp": "k'", "jp": "j'", "ip": "i'"}

_FUNCTIONS: dict[str, tuple[Callable[..., object], str, str, str]] = {
    "exact_hessian": (exact_hessian_blocks, "ヘッセ行列の厳密な評価 (1 データ点)",
                      "Exact evaluation of the Hessian (one data point)", "5.92–5.95"),
    "r_operator": (r_operator_pass, "R 演算子による $\\mathbf{v}^{\\mathrm{T}}\\mathbf{H}$ の計算",
                   "$\\mathbf{v}^{\\mathrm{T}}\\mathbf{H}$ by the R-operator", "5.98–5.111"),
    "sequential_inverse": (sequential_inverse, "逆ヘッセ行列の逐次更新",
                           "Sequential update of the inverse Hessian", "5.86–5.89"),
}


def algorithm_names() -> tuple[str, ...]:
    """Names accepted by :func:`algorithm_latex`.

    >>> algorithm_names()
    ('exact_hessian', 'r_operator', 'sequential_inverse')
    """
    return tuple(_FUNCTIONS)


def algorithm_latex(name: str) -> RenderedAlgorithm:
    """Typeset the reference function ``name`` with latexify, in PRML's symbols.

    >>> alg = algorithm_latex("sequential_inverse")
    >>> r"\\mathbf{H}^{-1}" in alg.latex and r"\\mathbf{H}^{-1}" in alg.mathjax
    True
    """
    import latexify  # local import: latexify parses source, only needed when rendering

    try:
        fn, title_ja, title_en, eqs = _FUNCTIONS[name]
    except KeyError:
        raise ValueError(f"unknown algorithm {name!r}; known: {', '.join(_FUNCTIONS)}") from None
    raw = latexify.get_latex(fn, style=latexify.Style.ALGORITHMIC, use_math_symbols=True)
    jax = latexify.get_latex(fn, style=latexify.Style.IPYTHON_ALGORITHMIC, use_math_symbols=True)
    return RenderedAlgorithm(name, title_ja, title_en, eqs, _prml_symbols(raw), _prml_symbols(jax))


def _prml_symbols(latex: str) -> str:
    """Rewrite latexify's identifiers into PRML's notation and tidy its brackets."""
    # the docstring, which latexify prints as a \textrm{"..."} statement
    latex = re.sub(r'[ ]*\\State \$\\textrm\{".*?"\}\$\n', "", latex, flags=re.S)
    latex = re.sub(r'\\hspace\{1em\} \\textrm\{".*?"\} \\\\ ', "", latex, flags=re.S)
    # range(X) -> {0, ..., X-1};  len(X) -> |X|
    latex = re.sub(
        r"\\mathrm\{range\} \\mathopen\{\}\\left\( (.+?) \\mathclose\{\}\\right\)",
        r"\\{0, \\ldots, \1 - 1\\}", latex)
    latex = re.sub(
        r"\\mathrm\{len\} \\mathopen\{\}\\left\( (.+?) \\mathclose\{\}\\right\)", r"|\1|", latex)
    # index variables first (kp -> k'), then join index lists: w_{k, j} -> w_{kj}
    for name, sym in _INDICES.items():
        latex = re.sub(rf"\\mathrm\{{{name}\}}|(?<![\\A-Za-z0-9_]){name}(?![A-Za-z0-9_])", sym, latex)

    def join(m: re.Match[str]) -> str:
        idx = m.group(1).split(", ")
        if len(idx) == 4:
            return "_{" + "".join(idx[:2]) + "," + "".join(idx[2:]) + "}"
        return "_{" + "".join(idx) + "}"

    latex = re.sub(r"_\{((?:[a-z]'*, )+[a-z]'*)\}", join, latex)
    # then the symbols, taking their subscript along
    alternatives = "|".join(re.escape(n) for n in sorted(_SYMBOLS, key=len, reverse=True))
    pattern = (rf"(?:\\mathrm\{{({alternatives})\}}|(?<![\\A-Za-z0-9_])({alternatives})(?![A-Za-z0-9_]))"
               r"(_\{[^{}]*\})?")

    def symbol(m: re.Match[str]) -> str:
        template = _SYMBOLS[m.group(1) or m.group(2)]
        sub = m.group(3) or ""
        if "@" not in template:
            return "{" + template + "}" + sub
        return "{" + template.replace("@", sub) + "}"

    return re.sub(pattern, symbol, latex)
