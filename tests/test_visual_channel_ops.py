"""Visuals of channel_shuffle, squeeze_excitation and conv_transpose2d: storyboard and frames.

The storyboard tests check that the events carry the engine's real numbers (the shuffle's
permutation, the SE weights, the transposed conv's stamp regions); the render tests draw a few
small frames of every scene and check they are not blank and that they move.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from convanim.engine import OpResult, Plan, plan
from convanim.engine.trace import SETrace, ShuffleTrace, TransposeTrace
from convanim.spec import load, loads
from convanim.storyboard import build
from convanim.storyboard.ops.squeeze import SEChartActor
from convanim.storyboard.timeline import BlockActor, Event, KernelActor, Timeline

from .conftest import SCENES

MY_SCENES = [
    "channel_shuffle",
    "shufflenet_unit",
    "squeeze_excitation",
    "transposed_conv",
    "transposed_conv_stride2",
]


def _scene(stem: str) -> tuple[Plan, Timeline]:
    p = plan(load(SCENES / f"{stem}.yaml"))
    return p, build(p)


def _events(timeline: Timeline, kind: str) -> list[Event]:
    return [e for e in timeline.events if e.kind == kind]


def _transpose(op: OpResult) -> TransposeTrace:
    assert isinstance(op.trace, TransposeTrace)
    return op.trace


def _shuffle(op: OpResult) -> ShuffleTrace:
    assert isinstance(op.trace, ShuffleTrace)
    return op.trace


def _se(op: OpResult) -> SETrace:
    assert isinstance(op.trace, SETrace)
    return op.trace


def _plan_text(text: str) -> tuple[Plan, Timeline]:
    p = plan(loads(text, filename="test.yaml", base_dir=Path.cwd()))
    return p, build(p)


# -- channel shuffle ------------------------------------------------------------------------


@pytest.mark.parametrize("stem", ["channel_shuffle", "shufflenet_unit"])
def test_shuffle_events_carry_the_engine_permutation(stem: str) -> None:
    p, tl = _scene(stem)
    op = next(o for o in p.ops if o.type == "channel_shuffle")
    events = [e for e in _events(tl, "shuffle") if e.target == f"shuffle{op.index}"]
    assert [e.data["phase"] for e in events] == ["reshape", "transpose", "flatten"]
    assert all(a.end <= b.start for a, b in zip(events, events[1:], strict=False))
    flatten = events[-1]
    assert flatten.data["perm"] == [int(v) for v in _shuffle(op).perm]
    actor = tl.actor(f"shuffle{op.index}")
    assert list(actor.perm) == [int(v) for v in _shuffle(op).perm]  # type: ignore[union-attr]
    # The output block is revealed once the slabs have landed.
    out_id = f"t{op.index + 1}"
    fills = [e for e in _events(tl, "fill") if e.target == out_id]
    assert fills and fills[0].start >= flatten.end - 1e-9


def test_shuffle_output_keeps_each_channel_colour() -> None:
    p, tl = _scene("channel_shuffle")
    op = p.ops[0]
    inp, out = tl.actor("t0"), tl.actor("t1")
    assert isinstance(inp, BlockActor) and isinstance(out, BlockActor)
    perm = _shuffle(op).perm
    assert out.coloring.hues == tuple(inp.coloring.hues[int(c)] for c in perm)
    # Input coloured by group: channels of one group share a hue family, groups differ.
    groups = int(_shuffle(op).groups)
    per = len(perm) // groups
    firsts = {inp.coloring.hues[g * per] for g in range(groups)}
    assert len(firsts) == groups
    # After the shuffle each run of `groups` consecutive output channels holds every group.
    for start in range(0, len(perm), groups):
        assert sorted(int(c) // per for c in perm[start : start + groups]) == list(range(groups))


def test_shuffle_in_a_chain_is_briefer() -> None:
    _, alone = _scene("channel_shuffle")
    _, chain = _scene("shufflenet_unit")
    first = sum(e.duration for e in _events(alone, "shuffle"))
    later = sum(e.duration for e in _events(chain, "shuffle"))
    assert later < first


# -- squeeze-excitation ---------------------------------------------------------------------


def test_se_chart_carries_the_engine_values() -> None:
    p, tl = _scene("squeeze_excitation")
    op = p.ops[0]
    events = _events(tl, "se")
    assert [e.data["phase"] for e in events] == ["squeeze", "fc1", "fc2", "scale"]
    by_phase = {e.data["phase"]: e for e in events}
    chart = tl.actor("se0")
    assert isinstance(chart, SEChartActor)
    np.testing.assert_array_equal(chart.squeezed, _se(op).squeezed[0])
    np.testing.assert_array_equal(chart.hidden_values, _se(op).hidden[0])
    np.testing.assert_array_equal(chart.scale, _se(op).scale[0])
    assert chart.hidden == len(chart.hidden_values) and chart.channels == len(chart.scale)
    np.testing.assert_allclose(op.output[0], op.input[0] * _se(op).scale[0][:, None, None])
    # The output fills channel by channel during the scale phase.
    scale = by_phase["scale"]
    fill = next(e for e in _events(tl, "fill") if e.target == "t1")
    assert fill.start == pytest.approx(scale.start) and fill.duration == pytest.approx(
        scale.duration
    )
    assert fill.data["channels"] == list(range(op.input.shape[1]))


def test_se_output_is_shown_on_the_input_value_scale() -> None:
    _, tl = _scene("squeeze_excitation")
    inp, out = tl.actor("t0"), tl.actor("t1")
    assert isinstance(inp, BlockActor) and isinstance(out, BlockActor)
    assert inp.coloring.mode == out.coloring.mode == "values"
    assert inp.coloring.value_range == out.coloring.value_range
    chart = tl.actor("se0")
    assert chart.gap_slot == 1 and chart.gap > 0  # type: ignore[union-attr]


# -- transposed convolution ------------------------------------------------------------------


def test_scatter_stamps_match_the_trace() -> None:
    p, tl = _scene("transposed_conv")
    op = p.ops[0]
    stamps = _events(tl, "stamp")
    hin, win = _transpose(op).input_size
    covered = sorted(
        i for e in stamps for i in range(e.data["first"], e.data["first"] + e.data["count"])
    )
    assert covered == list(range(hin * win))
    for e in stamps:
        if not e.data["detail"]:
            continue
        i, j = e.data["element"]
        assert (i, j) == divmod(e.data["first"], win)
        rows, cols = _transpose(op).stamp(i, j)
        assert e.data["rows"] == [int(r) for r in rows]
        assert e.data["cols"] == [int(c) for c in cols]
    assert op.output.shape[2:] == (4, 4)
    assert _events(tl, "fill")[-1].start >= stamps[-1].end - 1e-9


def test_stride2_scatter_plays_fast_stamps_too() -> None:
    text = (SCENES / "transposed_conv_stride2.yaml").read_text().replace("direct", "scatter")
    p, tl = _plan_text(text)
    stamps = _events(tl, "stamp")
    assert sum(e.data["count"] for e in stamps) == 9
    assert any(not e.data["detail"] for e in stamps)
    assert not any(e.kind == "sweep" for e in tl.events)


def test_direct_view_sweeps_the_zero_inserted_input() -> None:
    p, tl = _scene("transposed_conv_stride2")
    op = p.ops[0]
    trace = _transpose(op)
    dilated = tl.actor("z0")
    assert isinstance(dilated, BlockActor)
    assert dilated.shape == (op.input.shape[1], *trace.dilated_shape)
    assert dilated.tensor == "ops[0].direct_input"
    np.testing.assert_array_equal(tl.values(dilated), trace.direct_input(op.input)[0])
    pads = [e for e in _events(tl, "pad") if e.target == "z0"]
    assert pads[-1].data["padding"] == [max(int(b), 0) for b in trace.border]
    kernel = next(a for a in tl.actors if isinstance(a, KernelActor))
    assert kernel.block == "z0" and kernel.stride == (1, 1)
    assert kernel.padding == tuple(int(v) for v in trace.direct.padding)
    sweeps = _events(tl, "sweep")
    assert sweeps and all(e.data["input"] == "z0" for e in sweeps)
    ho, wo = op.output.shape[2:]
    assert sum(e.data["count"] for e in sweeps if e.data["out_channel"] == 0) == ho * wo
    # The direct view's convolution over the zero-inserted input is the engine's output.
    z = trace.direct_input(op.input)[0]  # zero-inserted and border-padded
    top, left = max(trace.border[0], 0), max(trace.border[2], 0)
    direct = np.empty(op.output.shape[1:])
    for oh in range(ho):
        for ow in range(wo):
            rows, cols = trace.direct.window(oh, ow)
            win = z[:, rows + top][:, :, cols + left]
            direct[:, oh, ow] = np.einsum("cab,ocab->o", win, trace.direct_weight) + np.asarray(
                op.bias
            )
    np.testing.assert_allclose(direct, op.output[0], atol=1e-12)


def test_scatter_partial_sums_add_up_to_the_output() -> None:
    from convanim.renderer.manim.draw_scatter import ScatterDrawer
    from convanim.renderer.manim.frames import FrameFormat, FrameRenderer

    text = (SCENES / "transposed_conv_stride2.yaml").read_text().replace("direct", "scatter")
    p, tl = _plan_text(text)
    renderer = FrameRenderer(tl, FrameFormat(320, 180, 5))
    drawer = renderer.drawers["scatter"]
    assert isinstance(drawer, ScatterDrawer)
    actor = tl.actor("scatter0")
    total, hits = drawer.partial(actor, 9)  # type: ignore[arg-type]
    op = p.ops[0]
    np.testing.assert_allclose(total + np.asarray(op.bias)[0], op.output[0, 0], atol=1e-12)
    assert hits.max() > 1  # stamps overlap with stride 2 and kernel 3


# -- scenes and frames ------------------------------------------------------------------------


@pytest.mark.render
@pytest.mark.parametrize("stem", MY_SCENES)
def test_frames_not_blank_and_moving(stem: str) -> None:
    from convanim.renderer.manim.frames import FrameFormat, FrameRenderer

    p, tl = _scene(stem)
    renderer = FrameRenderer(tl, FrameFormat(320, 180, 5))
    kinds = {"shuffle", "se", "stamp", "sweep"}
    main = [e for e in tl.events if e.kind in kinds]
    times = [main[0].start + main[0].duration * 0.5, main[-1].start + main[-1].duration * 0.7]
    frames = [renderer.frame_at(t) for t in times]
    for f in frames:
        assert f.shape == (180, 320, 4)
        assert f[..., :3].std() > 10
    assert np.abs(frames[0].astype(int) - frames[1].astype(int)).mean() > 0.5
