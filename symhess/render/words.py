"""The handout's words in Japanese and English: headings, prose, verdict names, captions.

Prose is plain text with ``$…$`` math (the LaTeX and Markdown renderers both use it).
No formula of a result lives here: those come from the derivations; nor an equation's title:
those are the catalogue's (:attr:`symhess.catalogue.Record.title_ja`).

>>> words("ja").headings["1.4"]
'ヘッセ行列の厳密な評価'
>>> words("en").verdict["verified"]
'verified numerically'
"""
from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Mapping

LANGS = ("ja", "en")


@dataclass(frozen=True)
class Words:
    """Every piece of fixed text of one language."""

    lang: str
    title: str
    subtitle: str
    intro: tuple[str, ...]
    headings: Mapping[str, str]
    prose: Mapping[str, tuple[str, ...]]
    verdict: Mapping[str, str]
    numeric: str
    assumptions: str
    notes: str
    raised: str
    algorithm: str
    figure_captions: Mapping[str, str]
    figure_missing: str
    correspondence_caption: str
    correspondence_head: tuple[str, str]
    summary_heading: str
    summary_head: tuple[str, str, str]           # equation, content, status
    summary_intro: str
    algorithm_intro: str
    checked_title: str
    checked_intro: str
    phrases: Mapping[str, str] = field(default_factory=dict)
    step_marks: Mapping[str, str] = field(default_factory=dict)
    residual: str = ""
    no_steps: str = ""
    erratum: Mapping[str, str] = field(default_factory=dict)
    checked: Mapping[str, str] = field(default_factory=dict)


_JA = Words(
    lang="ja",
    title="PRML 輪講資料: ヘッセ行列",
    subtitle="5.4 節 ヘッセ行列・5.5.1 節 無矛盾なガウス事前分布 — 定義から導出し検証した式による資料",
    intro=(
        "この資料に出てくる導出は、すべてネットワークの定義から導き、検証したものをそのまま組版している"
        "（手で打った式はない）。各導出の下に検証の状態を記す: "
        "\\emph{記号的に証明} は記号のサイズ・添字について恒等式として示したもの、"
        "\\emph{数値的に検証} は具体的なサイズと乱数点で確かめたもの、"
        "\\emph{近似} は何を落としたかを明示した近似、"
        "\\emph{誤植} は導出は成り立つが教科書の印刷された式が誤っているもので、反例と正しい形を添える。",
    ),
    headings=MappingProxyType({
        "1": "ヘッセ行列",
        "1.1": "外積による近似",
        "1.2": "ヘッセ行列の逆行列",
        "1.3": "有限幅の差分による近似",
        "1.4": "ヘッセ行列の厳密な評価",
        "1.5": "ヘッセ行列の積の高速な計算",
        "2": "ニューラルネットワークの正則化",
        "2.1": "無矛盾なガウス事前分布",
        "A": "その他の式",
    }),
    prose=MappingProxyType({
        "1": (
            "まず計算のモチベーションを再確認しておく。ヘッセ行列は 5.7 節でベイズニューラルネットワークの"
            "重みの事後分布を考えるとき、その共分散行列に顔を出す。後で出てくる量の計算法を、ここで頭に入れておこう"
            "というのが 5.4 節の趣旨である。",
            "以下ではまず誤差関数が二乗和の場合にヘシアンを求めて近似表現を得る (1.1–1.3)。"
            "次に近似なしの厳密な評価 (1.4)、最後にヘシアンとベクトルの積を速く求める方法 (1.5) を見る。",
        ),
        "1.1": (
            "誤差関数を二乗和誤差 (5.82) とし、ネットワークを回帰に使う場合を考える。"
            "$\\nabla$ を 2 回かますと (5.83) の 2 項が出てくる。第 1 項は出力の勾配 $\\mathbf{b}_n = \\nabla y_n$ の外積の和で、"
            "外積の形にしておくと後で逆行列が計算しやすいという嬉しさがある。"
            "第 2 項は残差 $y_n - t_n$ と二階微分 $\\nabla\\nabla y_n$ の積の和である。"
            "(5.4.1 節の対角近似 (5.78–5.80) も、比較のためにここに並べておく。)",
            "第 2 項を落としてよい理由は、確率変数が連続な場合 (演習 5.17) に見える: "
            "二乗誤差を最小にする $y(\\mathbf{x}, \\mathbf{w}) = \\mathbb{E}[t|\\mathbf{x}]$ (1.89) では、"
            "二階微分の項がちょうど消える。離散的なサンプルではそれを近似として消すのが (5.84) である。",
        ),
        "1.2": (
            "外積近似のヘシアンは逆行列が扱いやすい。この逆行列は 5.7 節の事後分布・予測分布の共分散 (例えば (5.167)) に現れる。",
            "データ点を 1 つ加えるたびに、Woodbury の恒等式で逆行列を更新できる。$H_0 = \\alpha I$ から始めて"
            "1 点あたり $O(W^2)$ で済み、逆行列を作り直す $O(W^3)$ より安い。その差を実測した (図)。",
        ),
        "1.3": (
            "中心差分 (5.90) は誤差が $O(\\epsilon^2)$ で、前進差分の $O(\\epsilon)$ より良い。"
            "ただし $\\epsilon$ を小さくしすぎると丸め誤差が効いてくる。図では傾き 2 で下がった誤差が、"
            "ある所から丸め誤差で上がりはじめる様子が見える。",
        ),
        "1.4": (
            "逆伝播のテクニックを使うと、任意の微分可能な誤差関数・活性化関数についてヘシアンを厳密に求められる。"
            "2 層の重みを持つネットワークで、添字の規則は p.255 に従う。"
            "$M_{kk'}$ は (5.92) の出力側の二階微分である。",
            "3 つのケースを順に並べる: 両方の重みが第二層、両方が第一層、1 つずつ。"
            "第 3 のケースでは、$\\delta_k I_{jj'}$ の項が $j = j'$ のときにだけ残る。"
            "異なる添字だけで確かめると見落とす項である。",
        ),
        "1.5": (
            "ヘシアンそのもの ($W^2$ 個の要素) を作らず、ベクトル $\\mathbf{v}$ との積 $\\mathbf{v}^{\\mathrm{T}}\\mathbf{H}$ "
            "($W$ 個の要素) を $O(W)$ で求める。$\\mathcal{R}\\{\\cdot\\} = \\mathbf{v}^{\\mathrm{T}}\\nabla$ を、"
            "勾配を評価する順伝播・逆伝播の方程式に作用させればよい。",
            "教科書は新しい方程式が元の方程式を「そっくり再現している」と言うが、項の数が合わないので"
            "「相似」くらいが妥当だと思う。対応する式を左右に並べたので見比べてほしい。",
        ),
        "2": (
            "ここで話は切り替わる。5.4 節と 5.5 節の間にストーリー上の繋がりはないので、頭を切り替えて読むこと。",
        ),
        "2.1": (
            "荷重減衰の正則化項 $\\frac{\\lambda}{2}\\mathbf{w}^{\\mathrm{T}}\\mathbf{w}$ には、"
            "ネットワーク写像のスケーリングの性質を壊すという問題がある。"
            "入力や出力を線形変換しても、重みを対応して変換すれば出力は変わらない (5.113–5.117)。"
            "ところが単純な荷重減衰はこの変換で不変でない。",
            "重みを層ごとの群に分け、群ごとに $\\lambda_1, \\lambda_2$ を持たせて適切にスケールすれば不変にできる。"
            "対応する事前分布は変則事前分布 (improper) になる (5.121–5.122)。",
        ),
        "A": ("本文の節立てに入らなかった式をここにまとめる。",),
    }),
    verdict=MappingProxyType({
        "proved": "記号的に証明",
        "verified": "数値的に検証",
        "approximation": "近似",
        "failed": "不成立",
        "unsupported": "判定不能",
        "erratum": "誤植 (導出は成立)",
        "definition": "定義",
    }),
    numeric="数値でも確認: {sizes} の計 {points} 点で相対誤差 {err} 以下。",
    assumptions="前提:",
    notes="注",
    raised="導出中にエラー",
    algorithm="アルゴリズム",
    figure_captions=MappingProxyType({
        "fd_error": "中心差分 (5.90) による二階微分の誤差と $\\epsilon$ (両対数)。破線は傾き 2。",
        "inverse_cost": "データ点を 1 つ加えたときの逆ヘシアンの更新: 逐次更新 (5.89) と逆行列の作り直し。",
        "outer_gap": "厳密なヘシアンと外積近似 (5.84) の相対的な差 (教師ネットワークの出力に雑音を加えたデータ)。"
                     "左: 最適点 $\\mathbf{w}^\\star$ からの距離。右: データ数 $N$。最適点では $N^{-1/2}$ で消えていくが、"
                     "最適点から離れた点では $N$ を増やしても消えない。",
    }),
    figure_missing="(図は numeric モジュールが使えないため省略)",
    correspondence_caption="勾配の順伝播・逆伝播 (左) と $\\mathcal{R}\\{\\cdot\\}$ を作用させた式 (右) の対応",
    correspondence_head=("勾配の方程式", "$\\mathcal{R}\\{\\cdot\\}$ の方程式"),
    summary_heading="検証一覧",
    summary_head=("式", "内容", "判定"),
    summary_intro="この資料に載せた式の検証結果をまとめる。",
    algorithm_intro="以下はループ形の参照実装のコードをそのまま組版したもの。"
                    "ベクトル化した実装と数値的に一致することを確かめている。",
    phrases=MappingProxyType({
        "chain rule": "連鎖律",
        "product rule": "積の微分",
        "linearity of the sum": "和の線形性",
        "derivative of a sum": "和の微分",
        "definition of R (5.97)": "R の定義 (5.97)",
        "w + epsilon v at epsilon = 0": "$\\epsilon = 0$ での $w + \\epsilon v$",
        "symmetry of M": "$M$ の対称性",
        "sums over Kronecker deltas collapsed": "クロネッカーのデルタで和を縮約",
        "Kronecker sums collapsed": "クロネッカーのデルタで和を縮約",
        "M symmetric": "$M$ の対称性",
        "rearranged": "並べ替え",
        "dummy indices renamed": "ダミー添字の付け替え",
        "definition of the second derivative": "二階微分の定義",
        "product and chain rules": "積の微分と連鎖律",
        "product rule and chain rule": "積の微分と連鎖律",
        "differentiation under the integral sign": "積分記号下の微分",
        "multiply out": "展開",
        "chain rule through": "連鎖律:",
        "factor": "くくり出す",
        "the first layer's": "第一層の",
        "depends on": "は次に依存:",
        "through every": "すべての",
        "split the double sum:": "二重和を分ける:",
        "and": "と",
        "neglect the off-diagonal": "非対角の項を無視:",
        "element": "成分",
        "drop": "落とす:",
        "linear output": "線形出力",
        "split off": "切り出す:",
        "a sum over the single term": "1 項だけの和",
        "is a scalar": "はスカラー",
        "(solved by SymPy)": "(連立方程式を解いて得る)",
        "choose": "選ぶ:",
        "a right inverse of a square matrix is its inverse": "正方行列の右逆行列は逆行列",
        "with": "で",
        "Taylor series of every term to order 5 about": "各項を次の点のまわりで 5 次までテイラー展開:",
        "lower powers of": "低次のべき",
        "cancel": "は打ち消し合う",
        "and higher powers into": "以上のべきは次にまとめる:",
        "inputs transformed only": "入力だけを変換",
        "expanded": "展開",
        "both weights 1, biases 0": "重みはともに 1, バイアスは 0",
        "at": "において",
        "for the network on transformed inputs": "変換した入力に対するネットワーク",
        "coefficients of": "係数比較:",
        "and the constant matched with": "と定数項を次と比べる:",
        "solved for the new weights": "新しい重みについて解く",
        "the hidden units are unchanged": "隠れユニットは変わらない",
        "with the new parameters": "新しいパラメータで",
        "biases excluded": "バイアスは除く",
        "coefficients of the two sums matched, solved for the new parameters": "2 つの和の係数を比べ、新しいパラメータについて解く",
        "unnormalised": "正規化前",
        "biases are in neither sum": "バイアスはどちらの和にも入らない",
        "the exponent is a sum over separate weights": "指数は重みごとの和",
        "the": "",
        "biases do not appear in it": "個のバイアスは現れない",
        "Gaussian integrals": "ガウス積分",
        "the bias integrals diverge": "バイアスの積分は発散する",
        "a positive number times an infinite one": "正の数と無限大の積",
        "integrate over": "先に積分:",
        "first": "",
        "and its derivatives do not depend on": "とその微分は次に依存しない:",
        "at the minimum": "最小点で",
        "sum-of-squares error with": "二乗和誤差, 出力数",
        "outputs": "",
        "product and quotient rule on the definition of": "定義に積・商の微分を適用:",
        "equal to the statement's": "教科書の次の形と一致:",
        "form": "",
        "Kronecker delta sums collapsed": "クロネッカーのデルタで和を縮約",
        "rearranged; $M_{kk'} = M_{k'k}$, dummy indices renamed": "並べ替え; $M_{kk'} = M_{k'k}$, ダミー添字の付け替え",
        "equal numerically (no symbolic proof)": "数値的に一致 (記号的な証明はない)",
        "corrected form of": "正しい形:",
        "chain rule:": "連鎖律:",
        "is": "は",
        "the recursion yields": "漸化式は次を与える:",
        "minimises": "は次を最小化する:",
        "targets": "目標値",
        "an unspecified smooth function of": "は次の任意の滑らかな関数:",
        "biases absorbed as": "バイアスは次として吸収:",
        "biases excluded from": "バイアスを除く:",
        "indices within their ranges": "添字はそれぞれの範囲内",
        "sum-of-squares error with linear outputs": "線形出力の二乗和誤差",
    }),
    checked_title="添削済みノート",
    checked_intro="各ステップの判定: ✓ 成立, ✗ 不成立 (右に残差), ≈ 近似, ? 判定不能。",
    step_marks=MappingProxyType({
        "proved": "✓", "verified": "✓", "approximation": "≈", "failed": "✗", "unsupported": "?",
    }),
    residual="残差",
    no_steps="(導出の鎖が見つからない)",
    erratum=MappingProxyType({
        "prints": "PRML の印刷",
        "wrong_when": "これは {when} のとき誤り",
        "wrong": "これは一般に誤り",
        "counterexample": "反例",
        "sizes": "サイズ",
        "indices": "添字",
        "printed": "印刷された式の値",
        "true": "正しい値",
        "derived": "導出結果",
    }),
    checked=MappingProxyType({
        "line": "行", "step": "ステップ", "expected": "想定どおりの誤り", "suggest": "修正案",
        "context": "使った前提", "counterexample": "反例",
    }),
)

_EN = Words(
    lang="en",
    title="PRML reading group: the Hessian",
    subtitle="§5.4 the Hessian matrix and §5.5.1 consistent Gaussian priors, from derivations derived from the definitions and checked",
    intro=(
        "Every derivation in this handout was derived from the network's definitions and checked, "
        "and is typeset exactly as it came out (nothing typed by hand). Below each one is its status: "
        "\\emph{proved} means an identity for symbolic sizes and indices, "
        "\\emph{verified} means checked numerically at concrete sizes and random points, "
        "\\emph{approximation} means an approximation whose dropped term is named, and "
        "\\emph{erratum} means the derivation holds but the book's printed statement is wrong: "
        "shown with a counterexample and the corrected form.",
    ),
    headings=MappingProxyType({
        "1": "The Hessian matrix",
        "1.1": "Outer-product approximation",
        "1.2": "Inverse Hessian",
        "1.3": "Finite differences",
        "1.4": "Exact evaluation of the Hessian",
        "1.5": "Fast multiplication by the Hessian",
        "2": "Regularization in neural networks",
        "2.1": "Consistent Gaussian priors",
        "A": "Other equations",
    }),
    prose=MappingProxyType({
        "1": (
            "Why the Hessian at all? In §5.7 it turns up as the covariance of the posterior over the weights "
            "of a Bayesian neural network; §5.4 is where we learn how to compute it.",
            "We first take the sum-of-squares error and approximate its Hessian (1.1–1.3), then evaluate it "
            "exactly (1.4), and finally multiply by it fast without forming it (1.5).",
        ),
        "1.1": (
            "Take the sum-of-squares error (5.82) of a regression network. Applying $\\nabla$ twice gives the two "
            "terms of (5.83); the first is a sum of outer products of the output gradients "
            "$\\mathbf{b}_n = \\nabla y_n$, which makes the inverse easy later; the second is the residuals "
            "$y_n - t_n$ times the second derivatives $\\nabla\\nabla y_n$. (The diagonal approximation of "
            "§5.4.1, (5.78)–(5.80), is listed here too for comparison.)",
            "Why may the second term go? In the continuous case (Exercise 5.17) it vanishes exactly at the "
            "minimiser $y(\\mathbf{x}, \\mathbf{w}) = \\mathbb{E}[t|\\mathbf{x}]$ (1.89). For a finite sample we "
            "drop it as an approximation: (5.84).",
        ),
        "1.2": (
            "The outer-product Hessian has an inverse that is easy to build; it appears in the covariances of "
            "§5.7 (e.g. (5.167)).",
            "Adding one data point updates the inverse through the Woodbury identity, starting from "
            "$H_0 = \\alpha I$: $O(W^2)$ per point instead of $O(W^3)$ to invert again. Measured in the figure.",
        ),
        "1.3": (
            "Central differences (5.90) have error $O(\\epsilon^2)$, better than the $O(\\epsilon)$ of one-sided "
            "ones, until rounding error takes over for small $\\epsilon$: the figure shows slope 2, then the turn.",
        ),
        "1.4": (
            "Back-propagation gives the Hessian exactly, for any differentiable error and activation. "
            "We take the two-layer network with the index conventions of p.~255; $M_{kk'}$ is the output-side "
            "second derivative (5.92).",
            "Three cases: both weights in the second layer, both in the first, one in each. In the third, the "
            "term $\\delta_k I_{jj'}$ lives only on $j = j'$ --- the term one misses by checking distinct indices only.",
        ),
        "1.5": (
            "Instead of the $W^2$ entries of $\\mathbf{H}$ we compute the $W$ entries of $\\mathbf{v}^{\\mathrm{T}}\\mathbf{H}$ "
            "in $O(W)$, by applying $\\mathcal{R}\\{\\cdot\\} = \\mathbf{v}^{\\mathrm{T}}\\nabla$ to the forward and "
            "backward equations of the gradient.",
            "The book says the new equations \\emph{mirror} the old ones; they do not have the same number of "
            "terms, so ``similar'' is fairer. Compare them side by side.",
        ),
        "2": ("A change of subject: §5.4 and §5.5 are not connected; switch over.",),
        "2.1": (
            "Weight decay $\\frac{\\lambda}{2}\\mathbf{w}^{\\mathrm{T}}\\mathbf{w}$ breaks a scaling property of "
            "the network: linear transformations of inputs and outputs can be absorbed by transforming the "
            "weights (5.113–5.117), but simple weight decay is not invariant under them.",
            "Regularising the two layers separately with $\\lambda_1, \\lambda_2$, rescaled suitably, restores "
            "invariance; the corresponding prior is improper (5.121–5.122).",
        ),
        "A": ("Equations outside the outline above.",),
    }),
    verdict=MappingProxyType({
        "proved": "proved symbolically",
        "verified": "verified numerically",
        "approximation": "approximation",
        "failed": "failed",
        "unsupported": "unsupported",
        "erratum": "erratum in PRML",
        "definition": "definition",
    }),
    numeric="Also checked numerically at {sizes}, {points} points: relative error at most {err}.",
    assumptions="Assuming:",
    notes="Notes",
    raised="derivation raised an error",
    algorithm="Algorithm",
    figure_captions=MappingProxyType({
        "fd_error": "Error of central differences (5.90) for second derivatives against $\\epsilon$ (log--log); dashed: slope 2.",
        "inverse_cost": "Cost of adding one data point to the inverse Hessian: sequential update (5.89) against inverting again.",
        "outer_gap": "Relative gap between the exact Hessian and the outer-product approximation (5.84), for noisy "
                     "data from a teacher network. Left: distance from the optimum $\\mathbf{w}^\\star$. Right: number "
                     "of data points $N$; at the optimum the gap fades like $N^{-1/2}$, away from it more data does not help.",
    }),
    figure_missing="(figure left out: the numeric module is not available)",
    correspondence_caption="Forward and backward equations of the gradient (left) and their $\\mathcal{R}\\{\\cdot\\}$ counterparts (right)",
    correspondence_head=("gradient", "$\\mathcal{R}\\{\\cdot\\}$"),
    summary_heading="Verification summary",
    summary_head=("Eq.", "Content", "Status"),
    summary_intro="How each equation in this handout was checked.",
    algorithm_intro="Typeset directly from the loop-form reference code, which is checked against "
                    "the vectorised implementation.",
    phrases=MappingProxyType({"(solved by SymPy)": "(solved)", "solved by SymPy": "solved"}),
    checked_title="Checked notes",
    checked_intro="Each step: ✓ holds, ✗ fails (residual beside it), ≈ approximation, ? unsupported.",
    step_marks=MappingProxyType({
        "proved": "✓", "verified": "✓", "approximation": "≈", "failed": "✗", "unsupported": "?",
    }),
    residual="residual",
    no_steps="(no derivation chain found)",
    erratum=MappingProxyType({
        "prints": "PRML prints",
        "wrong_when": "this is wrong for {when}",
        "wrong": "this is wrong in general",
        "counterexample": "counterexample",
        "sizes": "sizes",
        "indices": "indices",
        "printed": "printed statement gives",
        "true": "true value",
        "derived": "derived",
    }),
    checked=MappingProxyType({
        "line": "line", "step": "step", "expected": "expected to fail", "suggest": "did you mean",
        "context": "context used", "counterexample": "counterexample",
    }),
)


def words(lang: str) -> Words:
    """The fixed text of ``lang`` (``"ja"`` or ``"en"``); ``ValueError`` otherwise.

    >>> words("fr")
    Traceback (most recent call last):
    ...
    ValueError: unknown language 'fr'; use one of ja, en
    """
    if lang == "ja":
        return _JA
    if lang == "en":
        return _EN
    raise ValueError(f"unknown language {lang!r}; use one of {', '.join(LANGS)}")
