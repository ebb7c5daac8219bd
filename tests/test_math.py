"""Typeset math: the LaTeX forms of formulas and step equations, and typesetting them without TeX.

The LaTeX strings are pinned exactly (they are what a learner reads); typesetting is checked to
give ink, to be cached per formula, and to refuse bad LaTeX with one clear message.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from convanim.engine import plan
from convanim.errors import ConvanimError
from convanim.spec import load, loads
from convanim.spec.ops import op_def
from convanim.storyboard import build
from convanim.storyboard.equations import (
    bn_affine,
    bn_normalize,
    dense_step,
    flatten_step,
    insert_zeros,
    pad_border,
    pool_window,
    relu_step,
    se_step,
    shuffle_flatten,
    stamp,
    window_sum,
)
from convanim.storyboard.timeline import OverlayActor, Timeline
from convanim.storyboard.words import ZH

from .conftest import SCENES

STANDARD = """
input: {shape: [8, 7, 7]}
ops:
  - {type: conv2d, out_channels: 8, kernel_size: 3}
"""


def _op(text: str):  # type: ignore[no-untyped-def]
    spec = loads(text)
    return spec.ops[0], spec.input_shape


# -- output-size formulas: one LaTeX line per axis, next to the plain text --------------------


def test_conv2d_formula_tex_is_symbolic_then_with_the_numbers() -> None:
    op, shape = _op(STANDARD)
    assert op_def(op).formulas_tex(op, shape) == (
        r"H_{\mathrm{out}} = \left\lfloor \frac{H_{\mathrm{in}} + 2p - d(k-1) - 1}{s} \right\rfloor"
        r" + 1 = \left\lfloor (7 + 0 - 2 - 1) / 1 \right\rfloor + 1 = 5",
        r"W_{\mathrm{out}} = \left\lfloor \frac{W_{\mathrm{in}} + 2p - d(k-1) - 1}{s} \right\rfloor"
        r" + 1 = \left\lfloor (7 + 0 - 2 - 1) / 1 \right\rfloor + 1 = 5",
    )
    # the plain text that `convanim inspect` prints is unchanged
    assert op_def(op).formulas(op, shape)[0] == "H_out = floor((7 + 2*0 - 1*(3-1) - 1) / 1) + 1 = 5"


def test_same_padding_with_an_odd_total_names_both_sides() -> None:
    op, shape = _op(
        "input: {shape: [1, 6, 6]}\n"
        "ops: [{type: conv2d, out_channels: 1, kernel_size: 4, padding: same}]\n"
    )
    assert op_def(op).formulas_tex(op, shape)[1] == (
        r"W_{\mathrm{out}} = \left\lfloor \frac{W_{\mathrm{in}} + p_{b} + p_{a} - d(k-1) - 1}{s}"
        r" \right\rfloor + 1 = \left\lfloor (6 + 3 - 3 - 1) / 1 \right\rfloor + 1 = 6"
    )


def test_pool_formula_tex_uses_ceil_and_shows_the_dropped_window() -> None:
    op, shape = _op(
        "input: {shape: [1, 5, 5]}\n"
        "ops: [{type: max_pool2d, kernel_size: 2, stride: 2, padding: 1, ceil_mode: true}]\n"
    )
    assert (
        op_def(op).formulas(op, shape)[0].endswith("(the last window would start in the padding)")
    )
    assert op_def(op).formulas_tex(op, shape)[0] == (
        r"H_{\mathrm{out}} = \left\lceil \frac{H_{\mathrm{in}} + 2p - d(k-1) - 1}{s} \right\rceil"
        r" + 1 = \left\lceil (5 + 2 - 1 - 1) / 2 \right\rceil + 1 - 1 = 3"
    )


def test_transposed_conv_formula_tex() -> None:
    op, shape = _op(
        "input: {shape: [1, 3, 3]}\n"
        "ops: [{type: conv_transpose2d, out_channels: 1, kernel_size: 3, stride: 2, padding: 1,"
        " output_padding: 1}]\n"
    )
    assert op_def(op).formulas_tex(op, shape)[0] == (
        r"H_{\mathrm{out}} = (H_{\mathrm{in}} - 1)\,s - 2p + d(k-1) + p_{\mathrm{out}} + 1"
        r" = 2 \cdot 2 - 2 + 2 + 1 + 1 = 6"
    )


def test_shape_keeping_ops_typeset_each_axis_kept_and_say_why_in_words() -> None:
    op, shape = _op("input: {shape: [12, 5, 5]}\nops: [{type: channel_shuffle, groups: 3}]\n")
    assert op_def(op).formulas(op, shape) == (
        "output shape = input shape: C=12, H=5, W=5 (channels reordered in 3 groups)",
    )
    tex = op_def(op).formulas_tex(op, shape)
    assert tex == (
        r"C_{\mathrm{out}} = C_{\mathrm{in}} = 12",
        r"H_{\mathrm{out}} = H_{\mathrm{in}} = 5",
        r"W_{\mathrm{out}} = W_{\mathrm{in}} = 5",
        r"\text{(channels reordered in 3 groups)}",
    )
    assert ZH.formula_tex(tex[3]) == r"\text{(通道分 3 组重排)}"


def test_squeeze_excitation_typesets_its_hidden_size_as_a_size_rule() -> None:
    se, se_shape = _op(
        "input: {shape: [8, 6, 6]}\nops: [{type: squeeze_excitation, reduction: 4}]\n"
    )
    # its one size rule, typeset as the windowed ops' sizes are (fractions), on one line
    assert op_def(se).formulas_tex(se, se_shape) == (
        r"\text{hidden} = \left\lfloor \frac{C}{r} \right\rfloor"
        r" = \left\lfloor \frac{8}{4} \right\rfloor = 2",
    )
    assert ZH.formula_tex(op_def(se).formulas_tex(se, se_shape)[0]).startswith(
        r"\text{隐藏层大小} = "
    )
    assert ZH.formula(op_def(se).formulas(se, se_shape)[0]).endswith(
        "(每个通道乘以它的权重; 隐藏层大小 2)"
    )  # the plain text of `convanim inspect` keeps the reason in words
    # fewer channels than the reduction: max(1, ...) is what gives the size
    few, few_shape = _op(
        "input: {shape: [3, 6, 6]}\nops: [{type: squeeze_excitation, reduction: 4}]\n"
    )
    assert op_def(few).formulas_tex(few, few_shape) == (
        r"\text{hidden} = \max\left(1, \left\lfloor \frac{C}{r} \right\rfloor\right)"
        r" = \max(1, \lfloor 3 / 4 \rfloor) = 1",
    )


def test_the_shape_keeping_panel_is_typeset_in_the_timeline() -> None:
    spec = loads("input: {shape: [12, 5, 5]}\nops: [{type: channel_shuffle, groups: 3}]\n")
    panel = next(a for a in build(plan(spec)).actors if a.id == "formula0")
    assert isinstance(panel, OverlayActor)
    assert panel.tex[0] == r"C_{\mathrm{out}} = C_{\mathrm{in}} = 12"
    assert panel.lines[0].startswith("output shape = input shape: C=12")


def test_the_timeline_carries_the_tex_next_to_the_text() -> None:
    tl = build(plan(loads(STANDARD)))
    formula = next(a for a in tl.actors if a.id == "formula0")
    assert isinstance(formula, OverlayActor)
    assert len(formula.lines) == len(formula.tex) == 2
    assert formula.tex[0].endswith("= 5")
    captions = [e.data for e in tl.events if e.kind == "caption" and e.data.get("tex")]
    assert captions[0]["text"].startswith("out[0,0,0] = Σ window × kernel + b = ")
    assert captions[0]["tex"].startswith(
        r"\mathrm{out}[0,0,0] = \sum \mathrm{window} \odot \mathrm{kernel} + b = {"
    )
    again = Timeline.from_json(tl.to_json())
    assert next(a for a in again.actors if a.id == "formula0") == formula


# -- step equations ---------------------------------------------------------------------------


def test_window_sum_reads_sum_of_elementwise_product() -> None:
    eq = window_sum((0, 1, 2), -0.3412, bias=True)
    assert eq.text == "out[0,1,2] = Σ window × kernel + b = -0.34"
    assert (
        eq.tex == r"\mathrm{out}[0,1,2] = \sum \mathrm{window} \odot \mathrm{kernel} + b = {-0.34}"
    )
    assert window_sum((3, 4), 0.5, bias=False).tex.endswith(r"\odot \mathrm{kernel} = {0.50}")


def test_pool_equations() -> None:
    assert pool_window((0, 0, 1), 0.87, "max").tex == (
        r"\mathrm{out}[0,0,1] = \mathrm{max}(\mathrm{window}) = {0.87}"
    )
    assert pool_window((0, 0, 1), 0.1, "mean").text == "out[0,0,1] = mean(window) = 0.10"


def test_a_stamp_names_its_rows_and_columns_and_the_cropped_ones() -> None:
    # 3x3 kernel, stride 2, padding 1: x[0,0] covers rows/cols -1..1 of a 3x3 output
    eq = stamp([-1, 0, 1], [1, 2, 3], (3, 3), (0, 1), 0.27)
    assert eq.text == (
        "out[rows 0..1, cols 1..2] += x[0,0,1] = 0.27 × kernel (row -1, col 3 cropped)"
    )
    assert eq.tex == (
        r"\mathrm{out}[\text{rows } {\color{gray}\cancel{-1}}, 0, 1;\ "
        r"\text{cols } 1, 2, {\color{gray}\cancel{3}}] \;{+}{=}\; "
        r"x[0,0,1] \cdot \mathrm{kernel} = {0.27} \cdot \mathrm{kernel}"
    )
    many = stamp([0, 1, 2], [0, 1, 2], (4, 4), (0, 0), None)
    assert many.text == "out[rows 0..2, cols 0..2] += x[:,0,0] × kernel"


def test_se_excitation_formula() -> None:
    eq = se_step("fc2", h=6, w=6, channels=8, hidden=2, w0=0.5912)
    # h as the excite step before defines it, as the plain text says (FC2 h)
    assert eq.tex == (
        r"w = \sigma(W_2\, h + b_2),\quad W_2 \in \mathbb{R}^{8 \times 2},\quad w_0 = {0.59}"
    )
    assert eq.text == "w = sigmoid(FC2 h),  FC2: 2 -> 8,  w[0] = 0.59"


LAYERS = """
input: {shape: [2, 16, 5, 5]}
ops:
  - {type: batch_norm2d}
  - {type: relu}
  - {type: flatten}
  - {type: linear, out_features: 10}
"""


def test_layer_formulas_tex_are_textbook_notation() -> None:
    spec = loads(LAYERS)
    shape = spec.input_shape
    texts = []
    for op in spec.ops:
        definition = op_def(op)
        texts.append(definition.formulas_tex(op, shape))
        shape = definition.output_shape(op, shape)
    assert texts == [
        (
            r"y = \frac{x - \mu}{\sqrt{\sigma^2 + \varepsilon}} \cdot \gamma + \beta,"
            r"\quad \varepsilon = 10^{-5}",
        ),
        (r"y = \max(x, 0)",),
        (r"\text{features} = C \cdot H \cdot W = 16 \cdot 5 \cdot 5 = 400",),
        (r"y = W x + b,\quad W \in \mathbb{R}^{10 \times 400}",),
    ]
    # the plain text `convanim inspect` prints is unchanged
    flatten = spec.ops[2]
    assert op_def(flatten).formulas(flatten, (2, 16, 5, 5)) == ("features = C*H*W = 16*5*5 = 400",)


def test_layer_step_equations() -> None:
    from convanim.storyboard.words import ZH

    relu = relu_step(3854, 4704)
    assert relu.text == "ReLU: y = max(x, 0); 3854 of 4704 values were negative and become 0"
    assert relu.tex == (
        r"\text{ReLU: }\ y = \max(x, 0);\quad "
        r"\text{3854 of 4704 values were negative and become 0}"
    )
    bn = bn_normalize(3, 0.05, 0.2449)
    assert bn.text == "channel 3: x̂ = (x - μ) / √(σ² + ε) = (x − 0.05) / 0.24"
    assert bn.tex == (
        r"\text{channel 3: }\ \hat{x} = (x - \mu_{3}) / \sqrt{\sigma_{3}^2 + \varepsilon}"
        r" = (x - 0.05) / {0.24}"
    )
    assert bn_normalize(0, -0.06, 0.3162).text.endswith("= (x + 0.06) / 0.32")
    bn = bn_affine(3, 1.0, -0.1, 4.0812, -0.2991)
    assert bn.text == "channel 3: y = γ × x̂ + β = 1.00 × x̂ − 0.10 = x × 4.08 − 0.30"
    assert bn.tex == (
        r"\text{channel 3: }\ y = \gamma_{3}\, \hat{x} + \beta_{3}"
        r" = {1.00}\, \hat{x} - 0.10 = {4.08}\, x - 0.30"
    )
    assert bn_affine(0, 1.2, 0.1, 3.79, 0.33, ZH).tex.startswith(r"\text{通道 0: }")
    flat = flatten_step(("C", "H", "W"), (16, 5, 5))
    assert flat.text == "flatten: the C,H,W cubes line up in one row of 400 features"
    assert flat.tex == (
        r"\text{flatten (C,H,W order): }\ \mathrm{features} = C \cdot H \cdot W"
        r" = 16 \cdot 5 \cdot 5 = 400"
    )
    assert r"\text{特征数}" in flatten_step(("C", "H", "W"), (16, 5, 5), ZH).tex
    dense = dense_step(0, 400, 0.0912, bias=True)
    assert dense.text == "out[0] = Σ W[0, i] × x[i] over 400 inputs + b = 0.09"
    assert dense.tex == r"y_{0} = \sum W_{0,i}\, x_i + b_{0} = {0.09}"
    assert dense_step(2, 4, -1.0, bias=False).tex.endswith(r"x_i = {-1.00}")


def test_words_in_panel_formulas_follow_the_language() -> None:
    from convanim.pipeline import build_timeline
    from convanim.storyboard.words import ZH

    assert ZH.formula_tex(r"\text{features} = 400") == r"\text{特征数} = 400"
    spec = loads(LAYERS + "labels: {language: zh}\n")
    tl = build_timeline(spec)
    formula = next(a for a in tl.actors if a.id == "formula2")
    assert isinstance(formula, OverlayActor)
    assert formula.tex == (r"\text{特征数} = C \cdot H \cdot W = 16 \cdot 5 \cdot 5 = 400",)


@pytest.mark.parametrize(
    "scene",
    [
        "lenet_digit",
        "edge_detection",
        "conv_bn_relu",
        "standard_conv",
        "grouped_conv",
        "depthwise_conv",
        "pooling",
        "conv1d",
        "conv3d",
        "deformable_conv",
        "transposed_conv",
        "transposed_conv_stride2",
        "squeeze_excitation",
    ],
)
def test_every_step_equation_typesets(scene: str) -> None:
    from convanim.renderer.typeset import typeset

    tl = build(plan(load(SCENES / f"{scene}.yaml")))
    texts = {str(e.data["tex"]) for e in tl.events if e.kind == "caption" and e.data.get("tex")}
    texts |= {t for a in tl.actors if isinstance(a, OverlayActor) for t in a.tex}
    assert texts, f"{scene} has no equation"
    for tex in texts:
        assert typeset(tex).outlines


# -- typesetting ------------------------------------------------------------------------------


def test_typesetting_gives_ink_in_em_units() -> None:
    from convanim.renderer.typeset import typeset

    shape = typeset(r"H_{\mathrm{out}} = \left\lfloor \frac{7 + 0 - 2 - 1}{1} \right\rfloor + 1")
    assert len(shape.outlines) > 10
    assert all(len(o.points) and len(o.points) % 4 == 0 for o in shape.outlines)
    assert 8 < shape.width < 20 and shape.height > 1 and shape.depth > 0.3
    points = np.concatenate([o.points for o in shape.outlines])
    assert points[:, 0].min() >= -0.1 and points[:, 0].max() <= shape.width + 0.1
    assert points[:, 1].max() <= shape.height + 0.1 and points[:, 1].min() >= -shape.depth - 0.1


def test_the_cache_returns_the_same_object() -> None:
    from convanim.renderer.typeset import typeset

    tex = r"\mathrm{out}[0,0,0] = \sum \mathrm{window} \odot \mathrm{kernel} = {0.12}"
    assert typeset(tex) is typeset(tex)
    assert typeset(tex) is not typeset(tex + " + b")


def test_grey_ink_is_marked_muted_and_cancel_lines_are_strokes() -> None:
    from convanim.renderer.typeset import typeset

    shape = typeset(r"0, {\color{gray}\cancel{3}}")
    assert {o.muted for o in shape.outlines} == {False, True}
    assert any(o.stroke_width > 0 and o.muted for o in shape.outlines)


@pytest.mark.parametrize(
    ("latex", "reason"),
    [
        (r"\frac{1}{", "cannot typeset the formula '\\\\frac{1}{': "),
        (r"\left( x", "cannot typeset the formula '\\\\left( x': "),
        (r"x + \nosuchcommand{y}", "unknown command \\nosuchcommand"),
        (r"a \mathrel{+} b", "an operator wrapper"),
        ("  ", "cannot typeset an empty formula"),
    ],
)
def test_bad_latex_is_one_clear_error(latex: str, reason: str) -> None:
    from convanim.renderer.typeset import MathError, typeset

    with pytest.raises(MathError) as info:
        typeset(latex)
    assert isinstance(info.value, ConvanimError)
    assert reason in str(info.value)
    # no chained traceback of the parser's exception
    assert info.value.__cause__ is None
    assert info.value.__suppress_context__ or info.value.__context__ is None


def test_the_environment_check_names_a_missing_math_font(monkeypatch: pytest.MonkeyPatch) -> None:
    from convanim.renderer import environment, typeset

    assert environment.math_font_problem() is None
    monkeypatch.setattr(typeset, "math_font_path", lambda: None)
    problem = environment.math_font_problem()
    assert problem is not None and "STIXTwoMath-Regular.ttf" in problem
    with pytest.raises(ConvanimError, match="cannot render: the math font STIXTwoMath"):
        environment.check_fonts(None)


# -- drawing ----------------------------------------------------------------------------------


@pytest.mark.render
def test_math_mobjects_are_outlines_scaled_to_the_em() -> None:
    from convanim.renderer.manim.mobjects import math_mobject
    from convanim.renderer.typeset import typeset

    tex = r"w = \sigma(W_2\, \delta(W_1 s))"
    small, large = math_mobject(tex, 0.2, "#222222"), math_mobject(tex, 0.4, "#222222")
    assert small.width == pytest.approx(typeset(tex).width * 0.2, rel=0.02)
    assert large.width == pytest.approx(2 * small.width, rel=1e-6)
    assert sum(len(m.points) for m in small.family_members_with_points()) > 40


@pytest.mark.render
def test_split_equation_keeps_the_symbolic_form_on_the_first_line() -> None:
    from convanim.renderer.manim.draw_overlay import split_equation

    tex = r"H_{\mathrm{out}} = \frac{a = b}{s} + 1 = \frac{4}{1} + 1 = 5"
    assert split_equation(tex) == [
        r"H_{\mathrm{out}} = \frac{a = b}{s} + 1",
        r"= \frac{4}{1} + 1 = 5",
    ]
    assert split_equation("a = b") == ["a = b"]


@pytest.mark.render
def test_an_untypesettable_caption_stops_the_render_with_the_message() -> None:
    from convanim.renderer.manim.frames import FrameFormat, FrameRenderer
    from convanim.renderer.typeset import MathError

    tl = build(plan(loads(STANDARD)))
    events = tuple(
        dataclasses.replace(e, data={**e.data, "tex": r"\frac{1}{"})
        if e.kind == "caption" and e.data.get("tex")
        else e
        for e in tl.events
    )
    tl = dataclasses.replace(tl, events=events)
    first = next(e.start for e in events if e.kind == "caption" and e.data.get("tex"))
    renderer = FrameRenderer(tl, FrameFormat(320, 180, 15))
    with pytest.raises(MathError, match=r"cannot typeset the formula '\\\\frac\{1\}\{'"):
        renderer.frame_at(first + 0.05)


# -- words inside formulas: the language's, and Chinese set in the text font ------------------


def test_equation_words_come_from_the_language() -> None:
    from convanim.storyboard.words import ZH

    eq = window_sum((0, 1, 2), 0.25, bias=True, words=ZH)
    assert eq.text == "out[0,1,2] = Σ 窗口 × 卷积核 + b = 0.25"
    assert eq.tex == r"\mathrm{out}[0,1,2] = \sum \text{窗口} \odot \text{卷积核} + b = {0.25}"
    flipped = window_sum((0, 0, 0), 1.0, bias=False, words=ZH, flipped=True)
    assert r"\text{翻转}(\text{卷积核})" in flipped.tex
    cut = stamp([-1, 0, 1], [0, 1, 2], (3, 3), (0, 0), 0.5, ZH)
    assert cut.text == "out[行 0..1, 列 0..2] += x[0,0,0] = 0.50 × 卷积核 (行 -1 被裁掉)"
    assert cut.tex.startswith(r"\mathrm{out}[\text{行 } {\color{gray}\cancel{-1}}, 0, 1;")
    assert se_step("squeeze", h=6, w=6, channels=8, hidden=2, w0=0.5, words=ZH).tex.startswith(
        r"\text{挤压: }"
    )
    assert pool_window((0, 0, 0), 0.1, "mean", ZH).tex == (
        r"\mathrm{out}[0,0,0] = \text{平均}(\text{窗口}) = {0.10}"
    )


def test_split_text_cuts_out_the_words_the_math_font_lacks() -> None:
    from convanim.renderer.fontconfig import has_cjk
    from convanim.renderer.typeset import split_text

    def in_font(words: str) -> bool:
        return not has_cjk(words)

    tex = r"\mathrm{out}[0] = \sum \text{窗口}_{2 \times 3} \odot \text{卷积核} + b = {0.25}"
    assert split_text(tex, in_font) == [
        ("math", r"\mathrm{out}[0] = \sum"),
        ("text", "窗口"),
        ("math", r"{}_{2 \times 3} \odot"),
        ("text", "卷积核"),
        ("math", "+ b = {0.25}"),
    ]
    english = r"\text{squeeze: }\ s_c = \frac{1}{36}"
    assert split_text(english, in_font) == [("math", english)]
    assert split_text(r"\text{挤压: }\ s_c", in_font) == [("text", "挤压: "), ("math", r"\ s_c")]
    assert split_text(r"a;\ \text{列 } 1", in_font) == [
        ("math", "a;\\ "),
        ("text", "列 "),
        ("math", "1"),
    ]
    nested = r"\frac{\text{窗口}}{2}"  # not at the top level: left whole
    assert split_text(nested, in_font) == [("math", nested)]


@pytest.mark.render
def test_a_chinese_equation_is_math_and_text_on_one_line() -> None:
    from convanim.renderer.manim.mobjects import TextShape, formula_mobject

    tex = r"\mathrm{out}[0,0,0] = \sum \text{窗口} \odot \text{卷积核} + b = {0.45}"
    mob = formula_mobject(tex, 0.3, "#222222")
    texts = [m for m in mob.submobjects if isinstance(m, TextShape)]
    assert len(texts) == 2 and len(mob.submobjects) == 5
    lefts = [float(m.get_left()[0]) for m in mob.submobjects]
    assert lefts == sorted(lefts)  # in reading order, none overlapping the next
    for a, b in zip(mob.submobjects, mob.submobjects[1:], strict=False):
        assert a.get_right()[0] < b.get_left()[0]
    for t in texts:  # the words sit on the formula's line (baseline at y = 0)
        assert -0.1 < t.get_bottom()[1] < 0.05 and 0.2 < t.get_top()[1] < 0.4


@pytest.mark.render
@pytest.mark.parametrize(
    ("scene", "height"), [("conv3d", 480), ("standard_conv", 480), ("conv3d", 1080)]
)
def test_formulas_are_legible_at_480p(scene: str, height: int) -> None:
    """The output-size formulas of every axis at 12 px per em or more (a 854×480 frame is 8
    units tall), 3-D ones included."""
    from convanim.renderer.manim.draw_overlay import OverlayDrawer
    from convanim.renderer.manim.frames import FrameFormat, FrameRenderer

    tl = build(plan(load(SCENES / f"{scene}.yaml")))
    renderer = FrameRenderer(tl, FrameFormat(height * 16 // 9, height, 15))
    drawer = renderer.drawers["overlay"]
    assert isinstance(drawer, OverlayDrawer)
    formulas = [a for a in tl.actors if isinstance(a, OverlayActor) and a.role == "formula"]
    assert formulas
    for overlay in formulas:
        _, em = drawer.formula_group(overlay.tex)
        assert em * 480 / 8 >= 12, (overlay.id, em)


def test_transposed_direct_view_steps_are_typeset() -> None:
    eq = insert_zeros((1, 1), (3, 3), (5, 5))
    assert eq.text == "insert stride - 1 = 1 zero(s) between inputs: 3×3 -> 5×5"
    assert eq.tex == (
        r"\text{insert}\ s - 1 = 1\ \text{zero(s) between inputs:}\ 3 \times 3 \to 5 \times 5"
    )
    assert insert_zeros((1, 0), (3, 3), (5, 3), ZH).tex == (
        r"\text{输入之间插入}\ s - 1 = (1, 0)\ \text{个零:}\ 3 \times 3 \to 5 \times 3"
    )
    pad = pad_border(1, 3, 1, 1)
    assert pad.text == (
        "pad the border by d·(k-1) - p = 1·(3-1) - 1 = 1, + output_padding 1 bottom/right"
    )
    assert pad.tex == (
        r"\text{pad the border by}\ d(k - 1) - p = 1 \cdot (3 - 1) - 1 = 1,\quad "
        r"p_{\mathrm{out}} = 1\ \text{more on the bottom/right}"
    )
    assert pad_border(2, 3, 0, 0, ZH).tex == (
        r"\text{边缘填充}\ d(k - 1) - p = 2 \cdot (3 - 1) - 0 = 4"
    )


def test_the_transposed_scene_captions_carry_the_typeset_steps() -> None:
    tl = build(plan(load(SCENES / "transposed_conv_stride2.yaml")))
    texes = [e.data.get("tex", "") for e in tl.events if e.kind == "caption"]
    assert any(t.startswith(r"\text{insert}\ s - 1 = 1") for t in texes)
    assert any(t.startswith(r"\text{pad the border by}\ d(k - 1) - p =") for t in texes)


def test_channel_shuffle_flatten_reads_out_j_is_in_pi_j() -> None:
    eq = shuffle_flatten((0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11))
    assert (
        eq.text == "flatten: out[j] = in[perm[j]],  perm = [0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11]"
    )
    assert eq.tex == (
        r"\text{flatten:}\ \mathrm{out}_j = \mathrm{in}_{\pi(j)},\quad "
        r"\pi = (0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11)"
    )
    long = shuffle_flatten(tuple(range(20)), ZH)
    assert long.tex == (
        r"\text{展平:}\ \mathrm{out}_j = \mathrm{in}_{\pi(j)},\quad \pi = ("
        + ", ".join(str(i) for i in range(16))
        + r", \ldots)"
    )
    assert long.text.endswith("15, …]")
    tl = build(plan(load(SCENES / "channel_shuffle.yaml")))
    assert any(
        e.data.get("tex", "").startswith(r"\text{flatten:}\ \mathrm{out}_j") for e in tl.events
    )
