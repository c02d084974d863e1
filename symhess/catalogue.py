"""PRML equations as data: one :class:`Record` per equation, read by derive, check and the handout.

A record says what the book's equation is (number, titles, PRML section, role), what the checker
needs when a reader cites, tags or ends a chain in it (statement in reader notation, the setting it
puts in force, a known misprint), and, for an equation symhess derives, the *name* of its recipe
(``module.function`` or ``module.function(argument)``, looked up by
:func:`symhess.derive.resolve`), the statement the derivation is compared with, and the
figures and algorithms the handout shows beside it.  This module imports nothing from
:mod:`symhess.derive`: deriving goes the other way, :func:`symhess.derive.derive_entry` reads a
record and runs the recipe it names.

>>> get("5.95").recipe, get("5.95").section, BOOK["5.95"].printed_latex is not None
('exact.derive_equation(5.95)', '5.4.5', True)
>>> get("5.116").number                       # an equation inside a range record
'5.115-5.117'
"""
from __future__ import annotations

from dataclasses import dataclass

from .errors import UnknownEquation

__all__ = ["BOOK", "Entry", "Record", "ROLES", "entries", "get"]

#: What a record's equation is in the book.
ROLES = ("definition", "identity", "approximation", "condition", "setting")


@dataclass(frozen=True)
class Record:
    """What symhess knows about one PRML equation.

    ``title``/``title_ja``: what the equation says, in English and Japanese (the derive output,
    the handout and the checker's messages use them); ``section``: the PRML subsection, with the
    exercise where it comes from one (the handout's part follows from it); ``role``: one of
    :data:`ROLES`.

    For the checker: ``statement``: its right side in reader notation (the *corrected* one for a
    misprint), for a chain ending ``= (5.xx)``; ``defines``: (name, reader LaTeX) — the quantity
    it defines in ``domain`` (``"data"``, ``"integral"`` or None for any); ``error_model``: the
    key in :data:`symhess.context.ERROR_MODELS` of the network error model it puts in force;
    ``condition``: (left, right) in reader LaTeX — a condition it states (1.89);
    ``printed_latex``/``erratum_note``: what the book prints where that is a known misprint;
    ``drops``: for an approximation, the term it neglects; ``single_pattern``: E in this
    equation is one pattern's error E_n (§5.4.6).

    For deriving: ``recipe``: the name of its recipe, ``module.function[(argument)]`` (None:
    the checker knows the equation, symhess does not derive it); ``statement_latex``: the
    statement the derivation reaches, as the derive output prints it; ``figures``/``algorithms``:
    keys of :mod:`symhess.figures` and :mod:`symhess.algorithms` the handout shows with it.

    >>> BOOK["5.95"].printed_latex is not None, BOOK["5.104"].error_model
    (True, 'sum_of_squares')
    >>> BOOK["5.82"].recipe is None, BOOK["5.93"].recipe
    (True, 'exact.derive_equation(5.93)')
    """

    number: str
    title: str
    role: str
    title_ja: str = ""
    section: str = ""
    recipe: str | None = None
    statement_latex: str = ""
    statement: str | None = None
    domain: str | None = None
    defines: tuple[str, str] | None = None
    error_model: str | None = None
    condition: tuple[str, str] | None = None
    printed_latex: str | None = None
    erratum_note: str = ""
    drops: str = ""
    single_pattern: bool = False
    figures: tuple[str, ...] = ()
    algorithms: tuple[str, ...] = ()


Entry = Record
"""The name the public API (``symhess.Entry``) has for a catalogue record."""


_R95 = r"x_i h'(a_j) \left\{ \delta_k I_{jj'} + z_{j'} \sum_{k'} w_{k'j}^{(2)} M_{kk'} \right\}"
_RECORDS = (
    Record("1.89", "at the minimum of the expected squared loss, y(x, w) = E[t|x]", "condition",
           "期待二乗損失の最小点で y(x, w) = E[t|x]",
           section="1.5.5",
           condition=(r"y(\mathbf{x}, \mathbf{w})", r"\mathbb{E}[t|\mathbf{x}]")),
    Record("5.14", "sum-of-squares error with linear outputs (regression)", "setting", "二乗和誤差",
           section="5.2",
           error_model="sum_of_squares"),
    Record("5.21", "cross-entropy error with logistic outputs", "setting", "交差エントロピー誤差",
           section="5.2",
           error_model="cross_entropy"),
    Record("5.78", "Diagonal Hessian entries from pre-activation second derivatives", "identity",
           "前活性の二階微分から得るヘッセ行列の対角成分",
           section="5.4.1",
           recipe="diag.derive_5_78",
           statement_latex=r"\frac{\partial^2 E_n}{\partial w_{ji}^2} = \frac{\partial^2 E_n}{\partial a_j^2} "
                           r"z_i^2"),
    Record("5.79", "Second derivative with respect to a hidden pre-activation", "identity",
           "隠れユニットの前活性についての二階微分",
           section="5.4.1",
           recipe="diag.derive_5_79",
           statement_latex=r"\frac{\partial^2 E_n}{\partial a_j^2} = h'(a_j)^2 \sum_k \sum_{k'} w_{kj} w_{k'j} "
                           r"\frac{\partial^2 E_n}{\partial a_k \partial a_{k'}} + h''(a_j) \sum_k w_{kj} "
                           r"\frac{\partial E_n}{\partial a_k}"),
    Record("5.80", "Diagonal approximation: backpropagated second derivatives", "approximation",
           "対角近似: 二階微分の逆伝播",
           section="5.4.1",
           recipe="diag.derive_5_80",
           statement_latex=r"\frac{\partial^2 E_n}{\partial a_j^2} \simeq h'(a_j)^2 \sum_k w_{kj}^2 "
                           r"\frac{\partial^2 E_n}{\partial a_k^2} + h''(a_j) \sum_k w_{kj} \frac{\partial "
                           r"E_n}{\partial a_k}",
           drops=r"the off-diagonal terms k \neq k' of \partial^2 E_n / \partial a_k \partial a_{k'}"),
    Record("5.82", "sum-of-squares error, one output", "definition", "二乗和誤差",
           section="5.4.2",
           domain="data",
           defines=("E", r"\frac{1}{2} \sum_{n=1}^{N} (y_n - t_n)^2")),
    Record("5.83", "Hessian of the sum-of-squares error", "identity", "二乗和誤差のヘッセ行列",
           section="5.4.2",
           recipe="outer.derive_5_83",
           statement_latex=r"\mathbf{H} = \nabla\nabla E = \sum_{n=1}^{N} \nabla y_n (\nabla y_n)^{\mathrm{T}} "
                           r"+ \sum_{n=1}^{N} (y_n - t_n) \nabla\nabla y_n",
           statement=r"\sum_{n=1}^{N} \nabla y_n (\nabla y_n)^T + \sum_{n=1}^{N} (y_n - t_n) \nabla \nabla y_n"),
    Record("5.84", "Outer-product approximation of the Hessian", "approximation", "外積による近似",
           section="5.4.2",
           recipe="outer.derive_5_84",
           statement_latex=r"\mathbf{H} \simeq \sum_{n=1}^{N} \mathbf{b}_n \mathbf{b}_n^{\mathrm{T}}",
           statement=r"\sum_{n=1}^{N} \mathbf{b}_n \mathbf{b}_n^T",
           drops=r"\sum_n (y_n - t_n) \nabla\nabla y_n, small near a good fit",
           figures=("outer_gap",)),
    Record("5.85", "Outer-product Hessian: logistic output, cross-entropy", "approximation",
           "ロジスティックシグモイド出力と交差エントロピー誤差の場合",
           section="5.4.2",
           recipe="outer.derive_5_85",
           statement_latex=r"\mathbf{H} \simeq \sum_{n=1}^{N} y_n (1 - y_n) \mathbf{b}_n "
                           r"\mathbf{b}_n^{\mathrm{T}}",
           drops=r"\sum_n (y_n - t_n) \nabla\nabla a_n"),
    Record("5.87", "Sequential build-up of the outer-product Hessian", "identity", "データ点を 1 つ加えたときの更新",
           section="5.4.3",
           recipe="inverse.derive_5_87",
           statement_latex=r"\mathbf{H}_{L+1} = \mathbf{H}_{L} + \mathbf{b}_{L+1}\mathbf{b}_{L+1}^{\mathrm{T}}"),
    Record("5.88", "Rank-one Woodbury identity", "identity", "Woodbury の恒等式",
           section="5.4.3",
           recipe="inverse.derive_5_88",
           statement_latex=r"\left(\mathbf{M} + \mathbf{v}\mathbf{v}^{\mathrm{T}}\right)^{-1} = "
                           r"\mathbf{M}^{-1} - "
                           r"\frac{(\mathbf{M}^{-1}\mathbf{v})(\mathbf{v}^{\mathrm{T}}\mathbf{M}^{-1})}{1 + "
                           r"\mathbf{v}^{\mathrm{T}}\mathbf{M}^{-1}\mathbf{v}}"),
    Record("5.89", "Sequential update of the inverse Hessian", "identity", "逆行列の逐次更新",
           section="5.4.3",
           recipe="inverse.derive_5_89",
           statement_latex=r"\mathbf{H}_{L+1}^{-1} = \mathbf{H}_{L}^{-1} - "
                           r"\frac{\mathbf{H}_{L}^{-1}\mathbf{b}_{L+1}\mathbf{b}_{L+1}^{\mathrm{T}}\mathbf{H}_{L}^{-1}}{1 "
                           r"+ \mathbf{b}_{L+1}^{\mathrm{T}}\mathbf{H}_{L}^{-1}\mathbf{b}_{L+1}}",
           figures=("inverse_cost",), algorithms=("sequential_inverse",)),
    Record("5.90", "Hessian by central differences of the error", "identity", "中心差分による二階微分",
           section="5.4.4",
           recipe="finite.derive_5_90",
           statement_latex=r"\frac{\partial^2 E}{\partial w_{ji} \partial w_{lk}} = "
                           r"\frac{1}{4\epsilon^2}\{E(w_{ji}+\epsilon, w_{lk}+\epsilon) - E(w_{ji}+\epsilon, "
                           r"w_{lk}-\epsilon) - E(w_{ji}-\epsilon, w_{lk}+\epsilon) + E(w_{ji}-\epsilon, "
                           r"w_{lk}-\epsilon)\} + O(\epsilon^2)",
           figures=("fd_error",)),
    Record("5.91", "Hessian by central differences of the gradient", "identity", "勾配の中心差分",
           section="5.4.4",
           recipe="finite.derive_5_91",
           statement_latex=r"\frac{\partial^2 E}{\partial w_{ji} \partial w_{lk}} = "
                           r"\frac{1}{2\epsilon}\left\{\frac{\partial E}{\partial w_{ji}}(w_{lk}+\epsilon) - "
                           r"\frac{\partial E}{\partial w_{ji}}(w_{lk}-\epsilon)\right\} + O(\epsilon^2)"),
    Record("5.93", "Both weights in the second layer", "identity", "両方の重みが第二層にある",
           section="5.4.5",
           recipe="exact.derive_equation(5.93)",
           statement_latex=r"\frac{\partial^2 E_n}{\partial w_{kj}^{(2)} \partial w_{k'j'}^{(2)}} = z_{j} "
                           r"z_{j'} M_{kk'}",
           statement="z_j z_{j'} M_{kk'}",
           algorithms=("exact_hessian",)),
    Record("5.94", "Both weights in the first layer", "identity", "両方の重みが第一層にある",
           section="5.4.5",
           recipe="exact.derive_equation(5.94)",
           statement_latex=r"\frac{\partial^2 E_n}{\partial w_{ji}^{(1)} \partial w_{j'i'}^{(1)}} = x_{i} "
                           r"x_{i'} h'(a_{j}) h'(a_{j'}) \sum_{k} \sum_{k'} w_{kj}^{(2)} w_{k'j'}^{(2)} M_{kk'} "
                           r"+ x_{i} x_{i'} h''(a_{j'}) I_{jj'} \sum_{k} w_{kj'}^{(2)} \delta_{k}",
           statement=r"x_i x_{i'} h''(a_{j'}) I_{jj'} \sum_k w_{kj'}^{(2)} \delta_k + x_i x_{i'} h'(a_{j'}) "
                     r"h'(a_j) \sum_k \sum_{k'} w_{k'j'}^{(2)} w_{kj}^{(2)} M_{kk'}"),
    Record("5.95", "One weight in each layer", "identity", "重みは 1 つの層に 1 つずつある",
           section="5.4.5",
           recipe="exact.derive_equation(5.95)",
           statement_latex=r"\frac{\partial^2 E_n}{\partial w_{ji}^{(1)} \partial w_{kj'}^{(2)}} = x_{i} "
                           r"h'(a_{j'}) \left(I_{jj'} \delta_{k} + z_{j} \sum_{k'} w_{k'j'}^{(2)} "
                           r"M_{kk'}\right)",
           statement=_R95,
           printed_latex=r"x_i h'(a_{j'}) \left\{ \delta_k I_{jj'} + z_j \sum_{k'} w_{k'j'}^{(2)} H_{kk'} "
                         r"\right\}",
           erratum_note=r"PRML prints x_i h'(a_{j'})\{\delta_k I_{jj'} + z_j \sum_{k'} w_{k'j'} H_{kk'}\} with "
                        r"j and j' exchanged in the second term (wrong for j \neq j'); the corrected "
                        r"form is " + _R95),
    Record("5.96", "fast multiplication by the Hessian (one pattern's error, §5.4.6)", "setting",
           "ヘッセ行列との高速な積（1つのパターンの誤差）",
           section="5.4.6",
           single_pattern=True),
    Record("5.97", "fast multiplication by the Hessian (one pattern's error, §5.4.6)", "setting",
           "ヘッセ行列との高速な積（1つのパターンの誤差）",
           section="5.4.6",
           single_pattern=True),
    Record("5.98", "fast multiplication by the Hessian (one pattern's error, §5.4.6)", "setting",
           "ヘッセ行列との高速な積（1つのパターンの誤差）",
           section="5.4.6",
           single_pattern=True),
    Record("5.99", "fast multiplication by the Hessian (one pattern's error, §5.4.6)", "setting",
           "ヘッセ行列との高速な積（1つのパターンの誤差）",
           section="5.4.6",
           single_pattern=True),
    Record("5.100", "fast multiplication by the Hessian (one pattern's error, §5.4.6)", "setting",
           "ヘッセ行列との高速な積（1つのパターンの誤差）",
           section="5.4.6",
           single_pattern=True),
    Record("5.101", "R-forward: hidden pre-activations", "identity", "R 順伝播: 隠れユニットの活性",
           section="5.4.6",
           recipe="rop.derive_equation(5.101)",
           statement_latex=r"\mathcal{R}\{a_{j}\} = \sum_{i} x_{i} v_{ji}",
           single_pattern=True,
           algorithms=("r_operator",)),
    Record("5.102", "R-forward: hidden unit outputs", "identity", "R 順伝播: 隠れユニットの出力",
           section="5.4.6",
           recipe="rop.derive_equation(5.102)",
           statement_latex=r"\mathcal{R}\{z_{j}\} = h'(a_{j}) \mathcal{R}\{a_{j}\}",
           single_pattern=True),
    Record("5.103", "R-forward: network outputs", "identity", "R 順伝播: ネットワークの出力",
           section="5.4.6",
           recipe="rop.derive_equation(5.103)",
           statement_latex=r"\mathcal{R}\{y_{k}\} = \sum_{j} w_{kj}^{(2)} \mathcal{R}\{z_{j}\} + \sum_{j} "
                           r"z_{j} v_{kj}",
           single_pattern=True),
    Record("5.104", "sum-of-squares error with linear outputs: δ_k = y_k − t_k", "setting", "線形出力の二乗和誤差",
           section="5.4.6",
           error_model="sum_of_squares"),
    Record("5.105", "fast multiplication by the Hessian (one pattern's error, §5.4.6)", "setting",
           "ヘッセ行列との高速な積（1つのパターンの誤差）",
           section="5.4.6",
           single_pattern=True),
    Record("5.106", "R-backward: output errors", "identity", "R 逆伝播: 出力ユニットの誤差",
           section="5.4.6",
           recipe="rop.derive_equation(5.106)",
           statement_latex=r"\mathcal{R}\{\delta_{k}\} = \mathcal{R}\{y_{k}\}",
           error_model="sum_of_squares",
           single_pattern=True),
    Record("5.107", "R-backward: hidden errors", "identity", "R 逆伝播: 隠れユニットの誤差",
           section="5.4.6",
           recipe="rop.derive_equation(5.107)",
           statement_latex=r"\mathcal{R}\{\delta_{j}\} = h'(a_{j}) \sum_{k} w_{kj}^{(2)} "
                           r"\mathcal{R}\{\delta_{k}\} + h'(a_{j}) \sum_{k} v_{kj} \delta_{k} + h''(a_{j}) "
                           r"\mathcal{R}\{a_{j}\} \sum_{k} w_{kj}^{(2)} \delta_{k}",
           single_pattern=True),
    Record("5.108", "fast multiplication by the Hessian (one pattern's error, §5.4.6)", "setting",
           "ヘッセ行列との高速な積（1つのパターンの誤差）",
           section="5.4.6",
           single_pattern=True),
    Record("5.109", "fast multiplication by the Hessian (one pattern's error, §5.4.6)", "setting",
           "ヘッセ行列との高速な積（1つのパターンの誤差）",
           section="5.4.6",
           single_pattern=True),
    Record("5.110", "R of the gradient, second-layer weights", "identity", "勾配の R: 第二層の重み",
           section="5.4.6",
           recipe="rop.derive_equation(5.110)",
           statement_latex=r"\mathcal{R}\left\{\frac{\partial E_n}{\partial w_{kj}^{(2)}}\right\} = z_{j} "
                           r"\mathcal{R}\{\delta_{k}\} + \delta_{k} \mathcal{R}\{z_{j}\}",
           single_pattern=True),
    Record("5.111", "R of the gradient, first-layer weights", "identity", "勾配の R: 第一層の重み",
           section="5.4.6",
           recipe="rop.derive_equation(5.111)",
           statement_latex=r"\mathcal{R}\left\{\frac{\partial E_n}{\partial w_{ji}^{(1)}}\right\} = x_{i} "
                           r"\mathcal{R}\{\delta_{j}\}",
           single_pattern=True),
    Record("5.112", "Simple weight decay is not consistent with the linear transformations", "definition",
           "単純な荷重減衰は線形変換と無矛盾でない",
           section="5.5.1",
           recipe="priors.derive_weight_decay_counterexample",
           statement_latex=r"\widetilde{E}(\mathbf{w}) = E(\mathbf{w}) + "
                           r"\frac{\lambda}{2}\mathbf{w}^{T}\mathbf{w}\ \text{is not invariant under "
                           r"(5.116)--(5.117), (5.119)--(5.120)}"),
    Record("5.115-5.117", "Input transformation x -> a x + b absorbed by the first-layer weights", "identity",
           r"入力の変換 $x \to ax + b$ を第一層の重みで吸収する",
           section="5.5.1",
           recipe="priors.derive_input_transformation",
           statement_latex=r"x_i \to \tilde{x}_i = a x_i + b \;\Rightarrow\; \tilde{w}_{ji}^{(1)} = "
                           r"\frac{w_{ji}^{(1)}}{a},\quad \tilde{w}_{j0}^{(1)} = w_{j0}^{(1)} - \frac{b "
                           r"\sum_{i} w_{ji}^{(1)}}{a}"),
    Record("5.118-5.120", "Output transformation y -> c y + d absorbed by the second-layer weights", "identity",
           r"出力の変換 $y \to cy + d$ を第二層の重みで吸収する",
           section="5.5.1",
           recipe="priors.derive_output_transformation",
           statement_latex=r"y_k \to \tilde{y}_k = c y_k + d \;\Rightarrow\; \tilde{w}_{kj}^{(2)} = c "
                           r"w_{kj}^{(2)},\quad \tilde{w}_{k0}^{(2)} = c w_{k0}^{(2)} + d"),
    Record("5.121", "The regulariser consistent under linear transformations, and the rescaling of "
                    "λ1, λ2 that keeps it", "definition",
           r"二群の正則化項を不変に保つ $\lambda_1, \lambda_2$ の変換",
           section="5.5.1",
           recipe="priors.derive_regulariser_rescaling",
           statement=r"\frac{\lambda_1}{2}\sum_{w\in\mathcal{W}_1} w^2 + "
                     r"\frac{\lambda_2}{2}\sum_{w\in\mathcal{W}_2} w^2",
           statement_latex=r"\frac{\lambda_1}{2}\sum_{w\in\mathcal{W}_1} w^2 + "
                           r"\frac{\lambda_2}{2}\sum_{w\in\mathcal{W}_2} w^2 \text{ unchanged for } \lambda_1 "
                           r"\to a^{1/2}\lambda_1,\ \lambda_2 \to c^{-1/2}\lambda_2",
           erratum_note=r"this is the rescaling PRML prints after (5.121), a known misprint: the regulariser "
                        r"is invariant under \lambda_1 \to a^{2} \lambda_1, \lambda_2 \to c^{-2} \lambda_2"),
    Record("5.122", "The consistent prior is improper: the biases are unconstrained", "definition",
           "無矛盾な事前分布は変則: バイアスが制約されない",
           section="5.5.1",
           recipe="priors.derive_improper_prior",
           statement_latex=r"p(\mathbf{w}\mid\alpha_1,\alpha_2) \propto "
                           r"\exp\Big(-\frac{\alpha_1}{2}\sum_{w\in\mathcal{W}_1} w^2 - "
                           r"\frac{\alpha_2}{2}\sum_{w\in\mathcal{W}_2} w^2\Big) \text{ is improper}"),
    Record("5.193", "expected squared loss", "definition", "期待二乗損失",
           section="5.4.2 (exercise 5.17)",
           domain="integral",
           defines=("E", r"\frac{1}{2} \iint (y(\mathbf{x}, \mathbf{w}) - t)^2 p(\mathbf{x}, t) d\mathbf{x} dt")),
    Record("5.194", "Exercise 5.17: Hessian of the expected squared loss", "identity",
           "演習 5.17: 最適解では二階微分の項が消える",
           section="5.4.2 (exercise 5.17)",
           recipe="outer.derive_5_194",
           statement_latex=r"\frac{\partial^2 \widetilde{E}}{\partial w_r \partial w_s} = \int \frac{\partial "
                           r"y}{\partial w_r} \frac{\partial y}{\partial w_s} p(\mathbf{x})\, d\mathbf{x}",
           statement=r"\int \frac{\partial y}{\partial w_r} \frac{\partial y}{\partial w_s} p(\mathbf{x}) "
                     r"d\mathbf{x}"),
    Record("ex5.16", "Outer-product approximation with several outputs", "approximation",
           "演習 5.16: 出力が複数あるときの外積近似",
           section="5.4.2 (exercise 5.16)",
           recipe="outer.derive_ex5_16",
           statement_latex=r"\mathbf{H} \simeq \sum_{n=1}^{N} \sum_{k=1}^{K} \mathbf{b}_{nk} "
                           r"\mathbf{b}_{nk}^{\mathrm{T}}",
           drops=r"\sum_n \sum_k (y_{nk} - t_{nk}) \nabla\nabla y_{nk}"),
    Record("ex5.20", "Outer-product Hessian: softmax outputs, cross-entropy", "approximation",
           "演習 5.20: ソフトマックス出力と交差エントロピー誤差の外積近似",
           section="5.4.2 (exercise 5.20)",
           recipe="outer.derive_ex5_20",
           statement_latex=r"\mathbf{H} \simeq \sum_{n=1}^{N} \sum_{k=1}^{K} \sum_{k'=1}^{K} y_{nk} (I_{kk'} - "
                           r"y_{nk'}) \mathbf{b}_{nk} \mathbf{b}_{nk'}^{\mathrm{T}}, \quad \mathbf{b}_{nk} = "
                           r"\nabla a_{nk}",
           drops=r"\sum_n \sum_k (y_{nk} - t_{nk}) \nabla\nabla a_{nk}"),
    Record("ex5.23", "Exact Hessian with skip-layer connections (exercise 5.23)", "identity",
           "演習 5.23: 層を飛び越える結合があるとき",
           section="5.4.5",
           recipe="skip.derive",
           statement_latex=r"\frac{\partial^2 E_n}{\partial w_{ki}^{(s)}\, \partial w_{k'i'}^{(s)}} = x_{i} "
                           r"x_{i'} M_{kk'} ,\quad \frac{\partial^2 E_n}{\partial w_{ki}^{(s)}\, \partial "
                           r"w_{k'j}^{(2)}} = x_{i} z_{j} M_{kk'} ,\quad \frac{\partial^2 E_n}{\partial "
                           r"w_{ki}^{(s)}\, \partial w_{ji'}^{(1)}} = x_{i} x_{i'} h'(a_{j}) \sum_{k'} "
                           r"w_{k'j}^{(2)} M_{kk'}"),)


def _sort_key(number: str) -> tuple[float, ...]:
    """Equations in PRML order, then exercises (``ex5.16`` after every 5.xx equation).

    >>> sorted(["ex5.16", "5.95", "5.115-5.117", "5.9", "1.89"], key=_sort_key)
    ['1.89', '5.9', '5.95', '5.115-5.117', 'ex5.16']
    """
    exercise = number.startswith("ex")
    head = number.removeprefix("ex").replace("–", "-").split("-")[0]
    try:
        chapter, eq = (float(p) for p in head.split("."))
    except ValueError:
        return (1e9,)
    return (chapter, float(exercise), eq)


BOOK: dict[str, Record] = {r.number: r for r in sorted(_RECORDS, key=lambda r: _sort_key(r.number))}
"""Every PRML equation symhess knows, by number, in PRML order (equations, then exercises)."""


def entries() -> list[Record]:
    """The equations symhess derives (those with a recipe), in PRML order.

    >>> [e.number for e in entries()][:4]
    ['5.78', '5.79', '5.80', '5.83']
    """
    return [r for r in BOOK.values() if r.recipe is not None]


def _in_range(number: str, key: str) -> bool:
    """Whether ``number`` (5.116) falls in a range entry ``key`` (5.115-5.117).

    >>> _in_range("5.116", "5.115-5.117"), _in_range("5.118", "5.115-5.117"), _in_range("5.116", "5.116")
    (True, False, False)
    """
    if "-" not in key:
        return False
    lo, hi = key.split("-", 1)
    return _sort_key(lo) <= _sort_key(number) <= _sort_key(hi)


def get(number: str) -> Record:
    """The record of equation ``number`` (``"5.95"``, or ``"5.116"`` inside ``5.115-5.117``).

    Raises :class:`~symhess.errors.UnknownEquation`, naming the known equations, otherwise.

    >>> get("5.82").title
    'sum-of-squares error, one output'
    >>> get("5.999")
    Traceback (most recent call last):
    ...
    symhess.errors.UnknownEquation: no equation '5.999' in the catalogue; known: 1.89, 5.14, ...
    """
    try:
        return BOOK[number]
    except KeyError:
        for key, record in BOOK.items():
            if _in_range(number, key):
                return record
        known = ", ".join(BOOK)
        raise UnknownEquation(f"no equation {number!r} in the catalogue; known: {known}") from None
