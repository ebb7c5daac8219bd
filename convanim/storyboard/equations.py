r"""Caption equations, each as plain text and as LaTeX math (for renderers that typeset).

Every step caption that is an equation is made here once, in both forms, so the text a reader of
the timeline sees and the formula on screen say the same thing: ``out[0,1,2] = Σ window × kernel
+ b = -0.34`` and ``\mathrm{out}[0,1,2] = \sum \mathrm{window} \odot \mathrm{kernel} + b =
{-0.34}``. A caption event carries both (``text`` and ``tex``, see :meth:`Equation.data`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from convanim.storyboard.common import fmt_value
from convanim.storyboard.words import EN, Words

__all__ = [
    "Equation",
    "bn_affine",
    "bn_normalize",
    "deform_sum",
    "dense_largest",
    "dense_step",
    "flatten_step",
    "insert_zeros",
    "pad_border",
    "pool_window",
    "relu_step",
    "se_step",
    "shuffle_flatten",
    "stamp",
    "stamp_target",
    "tex_number",
    "tex_word",
    "window_sum",
]


@dataclass(frozen=True)
class Equation:
    """A caption line: ``text`` (plain) and ``tex`` (LaTeX math, no ``$``)."""

    text: str
    tex: str

    def data(self) -> dict[str, Any]:
        """The caption event's data: ``{"text": ..., "tex": ...}``."""
        return {"text": self.text, "tex": self.tex}


def tex_number(value: float) -> str:
    """A value as :func:`fmt_value` shows it, braced so a minus sign reads as a sign."""
    return "{" + fmt_value(value) + "}"


def tex_word(word: str) -> str:
    r"""A word of the catalogue inside a formula: ``\mathrm{kernel}`` for one Latin word,
    ``\text{...}`` for anything else (several words, Chinese: the renderer sets text the math
    font has no glyphs for in the text font)."""
    if word.isascii() and word.isalpha():
        return f"\\mathrm{{{word}}}"
    return f"\\text{{{word}}}"


def _out(index: Sequence[int]) -> tuple[str, str]:
    joined = ",".join(str(int(i)) for i in index)
    return f"out[{joined}]", f"\\mathrm{{out}}[{joined}]"


def window_sum(
    index: Sequence[int],
    value: float,
    *,
    bias: bool,
    words: Words = EN,
    template: str | None = None,
    size: Sequence[int] = (),
    flipped: bool = False,
) -> Equation:
    r"""``out[c,i,j] = Σ window × kernel + b = v``; in TeX the product is elementwise (``\odot``).

    Parameters
    ----------
    index : sequence of int
        The output element's indices (channel first).
    value : float
        Its value.
    bias : bool
        Whether the op adds a bias.
    words : Words
        The language of the words (``window``, ``kernel``).
    template : str or None
        The plain text's template (``words.step_sum`` by default; its ``size``, ``target``,
        ``bias``, ``value`` placeholders are filled).
    size : sequence of int
        The window's size (``C×D×H×W``), written as the window's subscript; empty for none.
    flipped : bool
        Whether the kernel is flipped (the direct view of a transposed convolution).
    """
    target, target_tex = _out(index)
    b = " + b" if bias else ""
    m = words.math_words
    plain = (template or words.step_sum).format(
        target=target, bias=b, value=fmt_value(value), size="×".join(str(v) for v in size)
    )
    window_tex = tex_word(m["window"])
    if size:
        window_tex += "_{" + " \\times ".join(str(v) for v in size) + "}"
    kernel_tex = tex_word(m["kernel"])
    if flipped:
        kernel_tex = f"{tex_word(m['flip'])}({kernel_tex})"
    return Equation(
        plain,
        f"{target_tex} = \\sum {window_tex} \\odot {kernel_tex}{b} = {tex_number(value)}",
    )


def pool_window(index: Sequence[int], value: float, reduction: str, words: Words = EN) -> Equation:
    """``out[c,i,j] = max(window) = v`` (or ``mean``, in the language's words)."""
    target, target_tex = _out(index)
    fn = words.op_name(words.reductions, reduction, reduction)
    window = tex_word(words.math_words["window"])
    return Equation(
        words.step_pool.format(target=target, fn=fn, value=fmt_value(value)),
        f"{target_tex} = {tex_word(fn)}({window}) = {tex_number(value)}",
    )


def deform_sum(index: Sequence[int], value: float, *, bias: bool, mask: bool) -> Equation:
    """``out[c,i,j] = Σ_k w_k·m_k·x(p_k + Δp_k) + b = v`` (symbols only: the same in every
    language)."""
    target, target_tex = _out(index)
    b = " + b" if bias else ""
    m, m_tex = ("·m_k", "\\, m_k") if mask else ("", "")
    return Equation(
        f"{target} = Σ_k w_k{m}·x(p_k + Δp_k){b} = {fmt_value(value)}",
        f"{target_tex} = \\sum_k w_k{m_tex}\\, x(p_k + \\Delta p_k){b} = {tex_number(value)}",
    )


def _touched(indices: Sequence[int], size: int, none: str) -> tuple[str, str, list[int]]:
    """Indices a stamp touches: plain ``0..1``, TeX with cropped ones struck through in grey."""
    inside = [i for i in indices if 0 <= i < size]
    cropped = [i for i in indices if not 0 <= i < size]
    if not inside:
        plain = none
    elif inside == list(range(inside[0], inside[-1] + 1)) and len(inside) > 1:
        plain = f"{inside[0]}..{inside[-1]}"
    else:
        plain = ",".join(str(i) for i in inside)
    tex = ", ".join(
        str(i) if 0 <= i < size else f"{{\\color{{gray}}\\cancel{{{i}}}}}" for i in indices
    )
    return plain, tex, cropped


def stamp_target(rows: Sequence[int], cols: Sequence[int], words: Words = EN) -> str:
    """The output block a stamp covers, as the close-up panel names it: ``out[rows 0..2,
    cols 1..3]`` (every row and column the kernel covers, cropped ones included)."""
    m = words.math_words
    return (
        f"out[{m['rows']} {int(rows[0])}..{int(rows[-1])}, "
        f"{m['cols']} {int(cols[0])}..{int(cols[-1])}]"
    )


def stamp(
    rows: Sequence[int],
    cols: Sequence[int],
    output_size: tuple[int, int],
    element: tuple[int, int],
    value: float | None,
    words: Words = EN,
) -> Equation:
    r"""One stamp of a transposed convolution: the output rows and columns it adds to.

    Rows and columns outside the output (removed by ``padding``, or past its end) are named as
    cropped: ``out[rows 0..1, cols 0..1] += x[0,0,0] = 0.27 × kernel (row -1, col -1
    cropped)``; the TeX form lists every row and column the kernel covers, the cropped ones
    struck through in grey. ``value`` is the input element's value (one input channel), or
    ``None`` for ``x[:,i,j]`` (every channel stamps its own kernel).
    """
    m = words.math_words
    i, j = element
    r_plain, r_tex, r_cut = _touched([int(r) for r in rows], output_size[0], m["none"])
    c_plain, c_tex, c_cut = _touched([int(c) for c in cols], output_size[1], m["none"])
    notes = [m["row"].format(i=r) for r in r_cut] + [m["col"].format(i=c) for c in c_cut]
    note = m["cropped"].format(which=", ".join(notes)) if notes else ""
    target = f"out[{m['rows']} {r_plain}, {m['cols']} {c_plain}]"
    target_tex = (
        f"\\mathrm{{out}}[\\text{{{m['rows']} }} {r_tex};\\ \\text{{{m['cols']} }} {c_tex}]"
        " \\;{+}{=}\\; "
    )
    kernel = tex_word(m["kernel"])
    if value is None:
        source, source_tex = f"x[:,{i},{j}]", f"x[:,{i},{j}] \\cdot {kernel}"
    else:
        source = f"x[0,{i},{j}] = {fmt_value(value)}"
        source_tex = f"x[0,{i},{j}] \\cdot {kernel} = {tex_number(value)} \\cdot {kernel}"
    plain = words.stamp.format(target=target, source=source) + note
    return Equation(plain, target_tex + source_tex)


def se_step(
    phase: str, *, h: int, w: int, channels: int, hidden: int, w0: float, words: Words = EN
) -> Equation:
    r"""The caption of an SE phase: squeeze, FC1 + ReLU (``\delta``), FC2 + sigmoid, scale."""
    m = words.math_words
    if phase == "squeeze":
        return Equation(
            words.se_squeeze.format(h=h, w=w),
            f"\\text{{{m['squeeze']}: }}\\ s_c = {{\\textstyle\\sum_{{i,j}}}}\\, x_{{c,i,j}}"
            f" \\,/\\, ({h} \\cdot {w})",
        )
    if phase == "fc1":
        return Equation(
            words.se_excite.format(channels=channels, hidden=hidden),
            f"\\text{{{m['excite']}: }}\\ h = \\delta(W_1 s + b_1),\\quad "
            f"W_1 \\in \\mathbb{{R}}^{{{hidden} \\times {channels}}},"
            "\\quad \\delta = \\mathrm{ReLU}",
        )
    if phase == "fc2":
        return Equation(
            words.se_sigmoid.format(hidden=hidden, channels=channels, w0=fmt_value(w0)),
            f"w = \\sigma(W_2\\, h + b_2),\\quad W_2 \\in "
            f"\\mathbb{{R}}^{{{channels} \\times {hidden}}},\\quad w_0 = {tex_number(w0)}",
        )
    return Equation(words.se_scale, f"\\text{{{m['scale']}: }}\\ \\mathrm{{out}}_c = w_c \\, x_c")


def relu_step(negative: int, total: int, words: Words = EN) -> Equation:
    r"""``ReLU: y = max(x, 0)`` and how many values it set to 0."""
    count = words.math_words["relu_count"].format(n=negative, total=total)
    return Equation(
        words.relu_step.format(n=negative, total=total),
        f"\\text{{ReLU: }}\\ y = \\max(x, 0);\\quad \\text{{{count}}}",
    )


def _signed(value: float) -> tuple[str, str]:
    """A term added to what stands before it, as text and as TeX: ``+ 0.33``, ``− 0.30``
    (TeX sets ``-`` as a minus sign)."""
    sign = ("+", "+") if value >= 0 else ("−", "-")
    number = fmt_value(abs(value))
    return f"{sign[0]} {number}", f"{sign[1]} {number}"


def bn_normalize(channel: int, mean: float, std: float, words: Words = EN) -> Equation:
    r"""Batch norm's first step for one channel: ``x̂ = (x - μ_c) / √(σ_c² + ε) = (x + 0.06) /
    0.32`` (``std`` is ``√(σ_c² + ε)``), on one line (a fraction would reach up into the block
    labels above the caption line)."""
    c = int(channel)
    minus, minus_tex = _signed(-mean)
    name = words.math_words["channel"].format(c=c)
    return Equation(
        words.bn_normalize.format(c=c, m=minus, d=fmt_value(std)),
        f"\\text{{{name}: }}\\ \\hat{{x}} = (x - \\mu_{{{c}}}) / "
        f"\\sqrt{{\\sigma_{{{c}}}^2 + \\varepsilon}} = (x {minus_tex}) / {tex_number(std)}",
    )


def bn_affine(
    channel: int, gamma: float, beta: float, scale: float, shift: float, words: Words = EN
) -> Equation:
    r"""Batch norm's second step for one channel: ``y = γ_c x̂ + β_c = 1.20 x̂ + 0.10``, and
    both steps folded into eval mode's one multiply-add ``= 3.79 x + 0.33`` (``scale``,
    ``shift``)."""
    c = int(channel)
    (b, b_tex), (t, t_tex) = _signed(beta), _signed(shift)
    name = words.math_words["channel"].format(c=c)
    return Equation(
        words.bn_affine.format(c=c, g=fmt_value(gamma), b=b, s=fmt_value(scale), t=t),
        f"\\text{{{name}: }}\\ y = \\gamma_{{{c}}}\\, \\hat{{x}} + \\beta_{{{c}}} = "
        f"{tex_number(gamma)}\\, \\hat{{x}} {b_tex} = {tex_number(scale)}\\, x {t_tex}",
    )


def flatten_step(names: Sequence[str], sizes: Sequence[int], words: Words = EN) -> Equation:
    r"""A flatten: ``features = C·H·W = 16·5·5 = 400``, in C,H,W order."""
    total = 1
    for v in sizes:
        total *= int(v)
    m = words.math_words
    dot = " \\cdot "
    order = m["flatten_order"].format(layout=",".join(names))
    return Equation(
        words.flatten_step.format(layout=",".join(names), n=total),
        f"\\text{{{order}: }}\\ {tex_word(m['features'])} = {dot.join(names)}"
        f" = {dot.join(str(int(v)) for v in sizes)} = {total}",
    )


def dense_step(j: int, n_in: int, value: float, *, bias: bool, words: Words = EN) -> Equation:
    r"""Output ``j`` of a linear layer: ``y_j = Σ W_{j,i} x_i + b_j = v``, the sum over
    the inputs ``i`` (the plain text says how many); the typeset sum has no limits, which would
    make the caption taller than a text line and reach into the labels above it."""
    b = " + b" if bias else ""
    b_tex = f" + b_{{{j}}}" if bias else ""
    return Equation(
        words.dense_step.format(j=j, n=n_in, bias=b, value=fmt_value(value)),
        f"y_{{{j}}} = \\sum W_{{{j},i}}\\, x_i{b_tex} = {tex_number(value)}",
    )


def dense_largest(j: int, n_out: int, value: float, words: Words = EN) -> Equation:
    r"""The largest output of a linear layer: ``y_3 = 25.28`` is the largest of the 10 outputs
    (the class a classifier's scores pick)."""
    template = words.math_words["dense_largest"].replace("{n}", str(n_out))
    return Equation(
        words.dense_largest.format(j=j, n=n_out, value=fmt_value(value)),
        _words_around(template, f"y_{{{j}}} = {tex_number(value)}"),
    )


def _words_around(template: str, math: str) -> str:
    r"""A catalogue phrase with a formula inside: ``"pad the border by {math}"`` ->
    ``\text{pad the border by}\ math``; the words on either side of ``{math}`` (either may be
    empty) set as text, so each language puts the formula where its word order wants it."""
    before, _, after = template.partition("{math}")
    parts = [f"\\text{{{before.strip()}}}"] if before.strip() else []
    parts.append(math)
    if after.strip():
        parts.append(f"\\text{{{after.strip()}}}")
    return "\\ ".join(parts)


def insert_zeros(
    zeros: tuple[int, int], size: tuple[int, int], dilated: tuple[int, int], words: Words = EN
) -> Equation:
    r"""The first step of a transposed convolution's direct view: ``s - 1 = 1`` zeros between
    neighbouring inputs, ``3 \times 3 \to 5 \times 5`` (``zeros`` per axis:
    ``(s_h - 1, s_w - 1)``)."""
    plain_zeros = f"{zeros[0]}" if zeros[0] == zeros[1] else f"({zeros[0]}, {zeros[1]})"
    (hin, win), (dh, dw) = size, dilated
    plain = words.insert_zeros.format(zeros=plain_zeros, hin=hin, win=win, dh=dh, dw=dw)
    math = f"s - 1 = {plain_zeros}"
    resize = f"{hin} \\times {win} \\to {dh} \\times {dw}"
    return Equation(plain, _words_around(words.math_words["insert_zeros"], math) + f"\\ {resize}")


def pad_border(
    dilation: int, kernel: int, padding: int, output_padding: int, words: Words = EN
) -> Equation:
    r"""The border of a transposed convolution's direct view: ``d(k - 1) - p = 1 \cdot (3 - 1)
    - 1 = 1`` on every side, and ``p_{\mathrm{out}}`` more on the bottom/right when the op has
    an ``output_padding``."""
    border = dilation * (kernel - 1) - padding
    plain = words.pad_border.format(dil=dilation, kh=kernel, ph=padding, border=border)
    m = words.math_words
    math = f"d(k - 1) - p = {dilation} \\cdot ({kernel} - 1) - {padding} = {border}"
    tex = _words_around(m["pad_border"], math)
    if output_padding:
        plain += words.output_padding.format(oph=output_padding)
        extra = f"p_{{\\mathrm{{out}}}} = {output_padding}"
        tex += ",\\quad " + _words_around(m["output_padding"], extra)
    return Equation(plain, tex)


def shuffle_flatten(perm: Sequence[int], words: Words = EN, limit: int = 16) -> Equation:
    r"""The last step of a channel shuffle: output channel ``j`` is input channel ``\pi(j)``,
    ``\mathrm{out}_j = \mathrm{in}_{\pi(j)}``, with ``\pi`` written out (at most ``limit``
    values, then ``\ldots``)."""
    shown = [str(int(p)) for p in perm[:limit]]
    more = len(perm) > limit
    plain_list = "[" + ", ".join(shown) + (", …]" if more else "]")
    tex_list = "(" + ", ".join(shown) + (", \\ldots)" if more else ")")
    math = f"\\mathrm{{out}}_j = \\mathrm{{in}}_{{\\pi(j)}},\\quad \\pi = {tex_list}"
    return Equation(
        words.shuffle_flatten.format(perm=plain_list),
        _words_around(words.math_words["shuffle_flatten"], math),
    )
