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
    "transposed_conv": "scatter view: stamps, not windows",
    "matrix_conv": "matrix view: each row of C · x is the window's dot product, drawn as such",
    "matrix_im2col": "matrix view: each column of P meets each row of F",
    "matrix_transpose_stride2": "matrix view: each column of Cᵀ scaled by one input value",
    "lenet_digit": "a chain of eight ops: close-ups only when the spec asks for them",
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
    from convanim.renderer.manim.draw_closeup import PAD_FILL, PRODUCT_FILL

    fills = [PAD_FILL, PRODUCT_FILL, palette.tint(palette.KERNEL_HUE)]
    fills += [palette.tint(palette.group_hue(g, n)) for n in (1, 2, 8) for g in range(n)]
    for fill in fills:
        assert palette.contrast(palette.ink_on(fill), fill) >= 4.5, fill
