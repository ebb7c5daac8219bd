r"""Caption equations, each as plain text and as LaTeX math (for renderers that typeset).

Every step caption that is an equation is made here once, in both forms, so the text a reader of
the timeline sees and the formula on screen say the same thing: ``out[0,1,2] = Σ window × kernel
+ b = -0.34`` and ``\mathrm{out}[0,1,2] = \sum \mathrm{window} \odot \mathrm{kernel} + b =
{-0.34}``. A caption event carries both (``text`` and ``tex``, see :meth:`Equation.data`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from convanim.storyboard.common import fmt_value

__all__ = [
    "Equation",
    "deform_sum",
    "pool_window",
    "se_step",
    "stamp",
    "tex_number",
    "window_sum",
]


@dataclass(frozen=True)
class Equation:
    """A caption line: ``text`` (plain) and ``tex`` (LaTeX math, no ``$``)."""

    text: str
    tex: str

    def data(self) -> dict[str, str]:
        """The caption event's data: ``{"text": ..., "tex": ...}``."""
        return {"text": self.text, "tex": self.tex}


def tex_number(value: float) -> str:
    """A value as :func:`fmt_value` shows it, braced so a minus sign reads as a sign."""
    return "{" + fmt_value(value) + "}"


def _out(index: Sequence[int]) -> tuple[str, str]:
    joined = ",".join(str(int(i)) for i in index)
    return f"out[{joined}]", f"\\mathrm{{out}}[{joined}]"


def window_sum(
    index: Sequence[int],
    value: float,
    *,
    bias: bool,
    kernel: str = "kernel",
    window: str = "window",
    kernel_tex: str = "\\mathrm{kernel}",
    window_tex: str = "\\mathrm{window}",
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
    kernel, window, kernel_tex, window_tex : str
        Words for the two factors (``flipped kernel``, ``4×3×3×3 window``...), plain and TeX.
    """
    target, target_tex = _out(index)
    b, b_tex = (" + b", " + b") if bias else ("", "")
    return Equation(
        f"{target} = Σ {window} × {kernel}{b} = {fmt_value(value)}",
        f"{target_tex} = \\sum {window_tex} \\odot {kernel_tex}{b_tex} = {tex_number(value)}",
    )


def pool_window(index: Sequence[int], value: float, reduction: str) -> Equation:
    """``out[c,i,j] = max(window) = v`` (or ``mean``)."""
    target, target_tex = _out(index)
    return Equation(
        f"{target} = {reduction}(window) = {fmt_value(value)}",
        f"{target_tex} = \\mathrm{{{reduction}}}(\\mathrm{{window}}) = {tex_number(value)}",
    )


def deform_sum(index: Sequence[int], value: float, *, bias: bool, mask: bool) -> Equation:
    """``out[c,i,j] = Σ_k w_k·m_k·x(p_k + Δp_k) + b = v``."""
    target, target_tex = _out(index)
    b = " + b" if bias else ""
    m, m_tex = ("·m_k", "\\, m_k") if mask else ("", "")
    return Equation(
        f"{target} = Σ_k w_k{m}·x(p_k + Δp_k){b} = {fmt_value(value)}",
        f"{target_tex} = \\sum_k w_k{m_tex}\\, x(p_k + \\Delta p_k){b} = {tex_number(value)}",
    )


def _touched(indices: Sequence[int], size: int) -> tuple[str, str, list[int]]:
    """Indices a stamp touches: plain ``0..1``, TeX with cropped ones struck through in grey."""
    inside = [i for i in indices if 0 <= i < size]
    cropped = [i for i in indices if not 0 <= i < size]
    if not inside:
        plain = "none"
    elif inside == list(range(inside[0], inside[-1] + 1)) and len(inside) > 1:
        plain = f"{inside[0]}..{inside[-1]}"
    else:
        plain = ",".join(str(i) for i in inside)
    tex = ", ".join(
        str(i) if 0 <= i < size else f"{{\\color{{gray}}\\cancel{{{i}}}}}" for i in indices
    )
    return plain, tex, cropped


def stamp(
    rows: Sequence[int],
    cols: Sequence[int],
    output_size: tuple[int, int],
    element: tuple[int, int],
    value: float | None,
) -> Equation:
    r"""One stamp of a transposed convolution: the output rows and columns it adds to.

    Rows and columns outside the output (removed by ``padding``, or past its end) are named as
    cropped: ``out rows 0..1, cols 0..1 += x[0,0,0] = 0.27 × kernel (row -1, col -1 cropped)``;
    the TeX form lists every row and column the kernel covers, the cropped ones struck through
    in grey. ``value`` is the input element's value (one input channel), or ``None`` for
    ``x[:,i,j]`` (every channel stamps its own kernel).
    """
    i, j = element
    r_plain, r_tex, r_cut = _touched([int(r) for r in rows], output_size[0])
    c_plain, c_tex, c_cut = _touched([int(c) for c in cols], output_size[1])
    notes = [f"row {r}" for r in r_cut] + [f"col {c}" for c in c_cut]
    note = f" ({', '.join(notes)} cropped)" if notes else ""
    target = (
        f"\\mathrm{{out}}[\\text{{rows }} {r_tex};\\ \\text{{cols }} {c_tex}] \\;{{+}}{{=}}\\; "
    )
    if value is None:
        return Equation(
            f"out rows {r_plain}, cols {c_plain} += x[:,{i},{j}] × kernel{note}",
            target + f"x[:,{i},{j}] \\cdot \\mathrm{{kernel}}",
        )
    return Equation(
        f"out rows {r_plain}, cols {c_plain} += x[0,{i},{j}] = {fmt_value(value)} × kernel{note}",
        target
        + f"x[0,{i},{j}] \\cdot \\mathrm{{kernel}} = {tex_number(value)} \\cdot \\mathrm{{kernel}}",
    )


def se_step(phase: str, *, h: int, w: int, channels: int, hidden: int, w0: float) -> Equation:
    r"""The caption of an SE phase: squeeze, FC1 + ReLU (``\delta``), FC2 + sigmoid, scale."""
    if phase == "squeeze":
        return Equation(
            f"squeeze: s[c] = mean of the {h}×{w} cells of channel c",
            f"\\text{{squeeze: }}\\ s_c = \\frac{{1}}{{{h} \\cdot {w}}} \\sum_{{i,j}} x_{{c,i,j}}",
        )
    if phase == "fc1":
        return Equation(
            f"excite: h = ReLU(FC1 s),  FC1: {channels} -> {hidden}",
            f"\\text{{excite: }}\\ h = \\delta(W_1 s + b_1),\\quad "
            f"W_1 \\in \\mathbb{{R}}^{{{hidden} \\times {channels}}},"
            "\\quad \\delta = \\mathrm{ReLU}",
        )
    if phase == "fc2":
        return Equation(
            f"w = sigmoid(FC2 h),  FC2: {hidden} -> {channels},  w[0] = {fmt_value(w0)}",
            f"w = \\sigma(W_2\\, \\delta(W_1 s + b_1) + b_2),\\quad W_2 \\in "
            f"\\mathbb{{R}}^{{{channels} \\times {hidden}}},\\quad w_0 = {tex_number(w0)}",
        )
    return Equation(
        "scale: out[c] = x[c] × w[c]", "\\text{scale: }\\ \\mathrm{out}_c = w_c \\, x_c"
    )
