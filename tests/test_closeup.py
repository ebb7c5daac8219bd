"""The close-up of one window's arithmetic: its numbers are the engine's, its cells readable."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from convanim.engine import plan
from convanim.spec import load, loads
from convanim.storyboard import build, palette
from convanim.storyboard.closeup import (
    CloseupActor,
    CloseupStep,
    step_sum,
)
from convanim.storyboard.common import fmt_value

SCENES = sorted((Path(__file__).resolve().parent.parent / "scenes").glob("*.yaml"))
NO_CLOSEUP = {
    "channel_shuffle": "no window: channels move",
    "squeeze_excitation": "no window: a global mean and two small FC layers",
    "matrix_conv": "matrix view: each row of C · x is the window's dot product, drawn as such",
    "matrix_im2col": "matrix view: each column of P meets each row of F",
    "matrix_transpose_stride2": "matrix view: each column of Cᵀ scaled by one input value",
}
STANDARD = "input: {shape: [8, 7, 7]}\nops: [{type: conv2d, out_channels: 8, kernel_size: 3}]\n"


def _closeups(timeline: object) -> list[tuple[CloseupActor, CloseupStep]]:
    """(actor, step) of every ``closeup`` event, in time order."""
    actors = {a.id: a for a in timeline.actors if isinstance(a, CloseupActor)}  # type: ignore[attr-defined]
    seen = dict.fromkeys(
        (e.target, int(e.data["step"]))
        for e in timeline.events  # type: ignore[attr-defined]
        if e.kind == "closeup"
    )
    return [(actors[target], actors[target].steps[step]) for target, step in seen]


@pytest.mark.parametrize("path", SCENES, ids=lambda p: p.stem)
def test_every_number_of_a_closeup_is_the_engines(path: Path) -> None:
    the_plan = plan(load(path))
    timeline = build(the_plan)
    shown = _closeups(timeline)
    if path.stem in NO_CLOSEUP:
        assert not shown
        return
    assert shown, f"{path.stem} shows no close-up"
    for actor, step in shown:
        op = the_plan.ops[actor.op]
        if step.scatter is not None:
            _check_stamp(op, step)
            continue
        plane = np.asarray(op.output)[0, step.out_channel]
        engine = float(plane[step.cell[len(step.cell) - plane.ndim :]])  # a sequence: no row
        assert step.result == engine
        assert math.isclose(step_sum(step), engine, rel_tol=1e-9, abs_tol=1e-12)
        for term in step.terms:
            values = term.values.array
            assert not values[term.padded.array].any()  # padding reads 0
            if step.mode in ("products", "dot"):
                products = term.products.array
                assert np.array_equal(products, values * term.weights.array)
                assert math.isclose(term.total, products.sum(), rel_tol=1e-12, abs_tol=1e-12)
                printed = fmt_value(sum(float(fmt_value(p)) for p in products.reshape(-1)))
                assert term.approx == (printed != fmt_value(term.total))
            elif step.mode == "max":
                inside = values[~term.padded.array]
                assert term.total == inside.max() == values.reshape(-1)[term.pick]
            else:
                assert math.isclose(term.total, values.sum(), rel_tol=1e-12, abs_tol=1e-12)
        if step.sample is not None:
            s = step.sample
            value = sum(c * w for c, w in zip(s.corners, s.weights, strict=True)) * (s.mask or 1)
            assert math.isclose(value, s.value, rel_tol=1e-9, abs_tol=1e-12)


def _check_stamp(op: object, step: CloseupStep) -> None:
    """A transposed conv's stamp close-up against a scatter recomputed here from the engine's
    input and weight: every product, the stamp, the output so far, its sum with the stamp and
    the focus cell's sum (+ bias = the engine's output once no later stamp reaches it)."""
    s = step.scatter
    assert s is not None
    trace = op.trace  # type: ignore[attr-defined]
    x, w = np.asarray(op.input)[0], np.asarray(op.weight)  # type: ignore[attr-defined]
    co = step.out_channel
    group, local = divmod(co, trace.out_per_group)
    chans = range(group * trace.in_per_group, (group + 1) * trace.in_per_group)
    (sh, sw), (ph, pw), (dh, dw) = trace.stride, trace.padding, trace.dilation
    kh, kw = trace.kernel
    ho, wo = trace.output_size
    out, hits = np.zeros((ho, wo)), np.zeros((ho, wo), dtype=int)
    for i in range(trace.input_size[0]):
        for j in range(trace.input_size[1]):
            stamp = sum(x[c, i, j] * w[c, local] for c in chans)
            rows = [i * sh - ph + a * dh for a in range(kh)]
            cols = [j * sw - pw + b * dw for b in range(kw)]
            inside = np.array([[0 <= r < ho and 0 <= c < wo for c in cols] for r in rows])
            if (i, j) == s.element:
                assert (s.rows, s.cols) == (tuple(rows), tuple(cols))
                assert np.array_equal(s.inside.array, inside)
                assert np.allclose(s.stamp.array, stamp, rtol=1e-12, atol=1e-12)
                rr, cc = np.clip(rows, 0, ho - 1), np.clip(cols, 0, wo - 1)
                before = np.where(inside, out[np.ix_(rr, cc)], 0.0)
                earlier = np.where(inside, hits[np.ix_(rr, cc)], 0)
                assert np.allclose(s.before.array, before, rtol=1e-12, atol=1e-12)
                assert np.array_equal(s.earlier.array, earlier)
                after = s.after.array
                assert np.allclose(after[inside], (before + stamp)[inside], rtol=1e-12, atol=1e-12)
                for r, c in np.argwhere(inside):
                    printed = float(fmt_value(before[r, c])) + float(fmt_value(stamp[r, c]))
                    assert s.approx.array[r, c] == (fmt_value(printed) != fmt_value(after[r, c]))
                for c, term in zip(chans, step.terms, strict=False):
                    assert term.values.array[0, 0] == x[c, i, j]
                    assert np.array_equal(term.weights.array, w[c, local])
                    assert np.array_equal(term.products.array, x[c, i, j] * w[c, local])
                shown_sum = sum(t.products.array for t in step.terms)
                assert len(step.terms) + step.rest_count == len(chans)
                assert math.isclose(shown_sum.sum() + step.rest_total, stamp.sum(), abs_tol=1e-12)
                if not step.rest_count:
                    assert np.allclose(shown_sum, stamp, rtol=1e-12, atol=1e-12)
            for a, b in np.argwhere(inside):
                out[rows[a], cols[b]] += stamp[a, b]
                hits[rows[a], cols[b]] += 1
            if (i, j) == s.element:
                fr, fc = s.focus
                focus = (rows[fr], cols[fc])
                reached = hits[focus]
    bias = 0.0 if op.bias is None else float(op.bias[co])  # type: ignore[attr-defined]
    engine = np.asarray(op.output)[0, co]  # type: ignore[attr-defined]
    assert np.allclose(out + bias, engine, rtol=1e-9, atol=1e-9)  # the scatter is the op's
    assert step.cell == focus
    assert s.complete == (hits[focus] == reached)
    if s.complete:
        assert step.result == float(engine[focus])
        assert step.bias == (None if op.bias is None else bias)  # type: ignore[attr-defined]
    else:
        assert step.result == float(s.after.array[s.focus]) and step.bias is None
    assert math.isclose(step_sum(step), step.result, rel_tol=1e-9, abs_tol=1e-12)


def test_closeup_windows_are_the_inputs_under_the_kernel() -> None:
    the_plan = plan(loads(STANDARD + "animation: {closeup: 2}\n"))
    op = the_plan.ops[0]
    steps = _closeups(build(the_plan))
    assert [s.cell for _, s in steps] == [(0, 0), (0, 1)]
    for _, step in steps:
        oh, ow = step.cell
        for c, term in enumerate(step.terms):
            window = np.asarray(op.input)[0, c, oh : oh + 3, ow : ow + 3]
            assert np.array_equal(term.values.array, window)
            assert np.array_equal(term.weights.array, np.asarray(op.weight)[0, c])
        assert step.rest_count == 6 and step.rest_label == "+ 6 more channels"
        rest = (np.asarray(op.input)[0, 2:, oh : oh + 3, ow : ow + 3] * op.weight[0, 2:]).sum()
        assert math.isclose(step.rest_total, rest, rel_tol=1e-12)


def test_closeup_setting() -> None:
    def steps(extra: str) -> int:
        return len(_closeups(build(plan(loads(STANDARD + extra)))))

    assert steps("") == 1
    assert steps("animation: {closeup: false}\n") == 0
    assert steps("animation: {closeup: 3}\n") == 3
    assert steps("animation: {closeup: 3, full_positions: 2}\n") == 2  # only positions in full


def test_closeup_lengthens_only_its_positions() -> None:
    with_it = build(plan(loads(STANDARD)))
    without = build(plan(loads(STANDARD + "animation: {closeup: false}\n")))
    sweeps = [e for e in with_it.events if e.kind == "sweep"]
    plain = [e for e in without.events if e.kind == "sweep"]
    assert sweeps[0].duration > plain[0].duration
    assert [e.duration for e in sweeps[1:]] == pytest.approx([e.duration for e in plain[1:]])


def test_pointwise_is_a_dot_product_and_pooling_a_max_or_mean() -> None:
    dot = _closeups(build(plan(loads(
        "input: {shape: [6, 4, 4]}\nops: [{type: conv2d, out_channels: 2, kernel_size: 1}]\n"
    ))))[0][1]  # fmt: skip
    assert dot.mode == "dot" and dot.terms[0].values.shape == (1, 6)
    mean = _closeups(build(plan(loads(
        "input: {shape: [1, 4, 4]}\nops: [{type: avg_pool2d, kernel_size: 3, padding: 1}]\n"
    ))))[0][1]  # fmt: skip
    assert (mean.mode, mean.divisor, mean.divisor_label) == ("mean", 9, "padding counts")
    skip = _closeups(build(plan(loads(
        "input: {shape: [1, 4, 4]}\nops: [{type: avg_pool2d, kernel_size: 3, padding: 1,"
        " count_include_pad: false}]\n"
    ))))[0][1]  # fmt: skip
    assert (skip.divisor, skip.divisor_label) == (4, "padding not counted")


TRANSPOSED = (
    "input: {shape: [3, 3, 3]}\nops: [{type: conv_transpose2d, out_channels: 2, kernel_size: 3,"
    " stride: 2, padding: 1, output_padding: 1}]\n"
)


def test_a_stamp_closeup_shows_overlap_sums_and_keeps_the_caption() -> None:
    timeline = build(plan(loads(TRANSPOSED)))
    [(actor, step)] = _closeups(timeline)
    s = step.scatter
    assert step.mode == "scatter" and s is not None
    # The default close-up goes to the first stamp that lands on cells an earlier one reached.
    assert s.element == (0, 1) and (s.earlier.array > 0).any()
    assert not s.inside.array.all()  # padding 1 cuts its top row off
    assert [t.label for t in step.terms] == ["x[0,0,1]", "x[1,0,1]"]
    assert step.rest_count == 1 and step.rest_label == "+ 1 more channels"
    start = min(e.start for e in timeline.events if e.kind == "closeup")
    end = max(e.end for e in timeline.events if e.kind == "closeup")
    cleared = [e for e in timeline.events if e.kind == "caption" and start <= e.start <= end]
    assert all(e.data["text"] for e in cleared)
    stamps = [e for e in timeline.events if e.kind == "stamp" and start - 1 < e.start < start]
    assert len(stamps) == 1 and stamps[0].data["element"] == [0, 1]
    assert 0 < stamps[0].data["depart"] < stamps[0].data["land"] < 1
    plain = build(plan(loads(TRANSPOSED + "animation: {closeup: false}\n")))
    assert not _closeups(plain)
    assert timeline.duration > plain.duration
    two = _closeups(build(plan(loads(TRANSPOSED + "animation: {closeup: 2}\n"))))
    assert [st.scatter.element for _, st in two] == [(0, 1), (0, 2)]  # type: ignore[union-attr]


def _cell_colours() -> list[np.ndarray]:
    """Every colour an input cell under a kernel can have: channel shades, group hues, value
    levels (the transposed conv colours its input by value)."""
    out = []
    for count in (1, 3, 8, 16):
        out += [palette.hex_to_rgb(h) for h in palette.channel_shades(palette.INPUT_HUE, count)]
    for groups in (2, 4, 8):
        out += [palette.hex_to_rgb(h) for h in palette.grouped_channel_hues(groups * 2, groups)]
    out += [palette.level_rgb(palette.INPUT_HUE, lv) for lv in range(palette.VALUE_LEVELS)]
    return out


def _kernel_hues() -> list[str]:
    """The kernel's tint: gold, or a light tint of a group's hue (as the kernel drawer does)."""
    tints = [palette.rgb_to_hex(palette.hex_to_rgb(h) * 0.45 + 0.55) for h in palette.GROUP_HUES]
    return [palette.KERNEL_HUE, *tints]


def test_numbers_in_the_lit_kernel_window_have_contrast() -> None:
    worst = min(
        palette.contrast(palette.ink_on(lit), lit)
        for cell in _cell_colours()
        for hue in _kernel_hues()
        for lit in [palette.lit(cell, hue)]
    )
    assert worst >= 4.5, worst


def test_numbers_on_closeup_cells_have_contrast() -> None:
    from convanim.renderer.manim.draw_closeup import OUTPUT_FILL, PAD_FILL, PRODUCT_FILL

    fills = [PAD_FILL, PRODUCT_FILL, OUTPUT_FILL, palette.tint(palette.KERNEL_HUE)]
    fills += [palette.tint(palette.INPUT_HUE)]  # a transposed conv's input value
    fills += [palette.tint(palette.group_hue(g, n)) for n in (1, 2, 8) for g in range(n)]
    for fill in fills:
        assert palette.contrast(palette.ink_on(fill), fill) >= 4.5, fill
