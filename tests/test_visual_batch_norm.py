"""Batch norm's chart: every channel is normalised, then scaled and shifted, in its own row, with
the engine's numbers on the caption line and drawn in the chart (``storyboard/ops/batch_norm.py``,
``renderer/manim/draw_batch_norm.py``)."""

from __future__ import annotations

import numpy as np
import pytest

from convanim.engine import OpResult, plan
from convanim.engine.trace import LayerTrace
from convanim.renderer.items import DrawnItem
from convanim.renderer.manim.frames import FrameFormat, FrameRenderer
from convanim.renderer.state import TimelineState
from convanim.spec import load, loads
from convanim.spec.ops.layers import BatchNorm2dSpec
from convanim.storyboard import build
from convanim.storyboard.common import fmt_value
from convanim.storyboard.ops.batch_norm import MAX_ROWS, PHASES, BatchNormActor
from convanim.storyboard.timeline import BlockActor, Event, Timeline
from convanim.storyboard.words import ZH

from .conftest import SCENES

WIDE = """\
input: {shape: [3, 6, 6]}
ops:
  - {type: conv2d, out_channels: 9, kernel_size: 3}
  - {type: batch_norm2d, weight: random, bias: random, running_mean: random, running_var: random}
"""


def _scene() -> tuple[OpResult, Timeline]:
    p = plan(load(SCENES / "conv_bn_relu.yaml"))
    return p.ops[1], build(p)


def _chart(timeline: Timeline) -> BatchNormActor:
    (actor,) = [a for a in timeline.actors if isinstance(a, BatchNormActor)]
    return actor


def _steps(timeline: Timeline, actor: BatchNormActor) -> dict[tuple[str, int], Event]:
    return {
        (str(e.data["phase"]), int(e.data["channel"])): e
        for e in timeline.events
        if e.kind == "batch_norm" and e.target == actor.id
    }


def _caption_at(timeline: Timeline, t: float) -> str:
    """The caption line's text at time t (the last caption event started by then)."""
    return TimelineState(timeline).caption(t)


def _std(op: OpResult) -> np.ndarray:
    """√(σ² + ε), computed here rather than by the engine."""
    assert isinstance(op.spec, BatchNorm2dSpec)
    return np.sqrt(op.params["running_var"] + float(op.spec.eps))


def test_every_channel_is_normalised_then_scaled_and_shifted_in_turn() -> None:
    op, timeline = _scene()
    actor = _chart(timeline)
    steps = _steps(timeline, actor)
    channels = int(op.output.shape[1])
    assert actor.rows == channels == 4
    assert set(steps) == {(phase, c) for phase in PHASES for c in range(channels)}
    for c in range(channels):
        starts = [steps[phase, c].start for phase in PHASES]
        assert starts == sorted(starts) and steps[PHASES[0], c].duration > 0
    for phase in ("normalize", "affine"):  # one channel after the other, each seen on its own
        for c in range(1, channels):
            assert steps[phase, c].start >= steps[phase, c - 1].end
    # every channel is normalised before any is scaled: the rows share one scale in between
    assert max(steps["normalize", c].end for c in range(channels)) <= steps["affine", 0].start


def test_each_step_captions_the_channels_own_numbers_from_the_engine() -> None:
    op, timeline = _scene()
    steps = _steps(timeline, _chart(timeline))
    mean, std = op.params["running_mean"], _std(op)
    assert op.weight is not None and op.bias is not None
    scale = op.weight / std  # y = x·s + t with the engine's folded factors
    shift = op.bias - mean * scale
    for c in range(4):
        text = _caption_at(timeline, steps["normalize", c].start + 0.01)
        assert text.startswith(f"channel {c}: x̂ = (x - μ) / √(σ² + ε)")
        assert f"(x {'+' if mean[c] <= 0 else '−'} {fmt_value(abs(mean[c]))})" in text
        assert text.endswith(f"/ {fmt_value(std[c])}")
        text = _caption_at(timeline, steps["affine", c].start + 0.01)
        assert text.startswith(f"channel {c}: y = γ × x̂ + β = {fmt_value(op.weight[c])} × x̂")
        assert f"{fmt_value(abs(op.bias[c]))} = x × {fmt_value(scale[c])}" in text
        assert text.endswith(fmt_value(abs(shift[c])))
        assert isinstance(op.trace, LayerTrace) and op.trace.scale is not None
        assert fmt_value(op.trace.scale[c]) == fmt_value(scale[c])  # the trace agrees


def test_the_chart_holds_the_engines_numbers() -> None:
    op, timeline = _scene()
    actor = _chart(timeline)
    assert op.weight is not None and op.bias is not None
    assert actor.mean == tuple(op.params["running_mean"].tolist())
    assert actor.var == tuple(op.params["running_var"].tolist())
    assert actor.gamma == tuple(op.weight.tolist())
    assert actor.beta == tuple(op.bias.tolist())
    x = op.input[0]
    normalized = (x - op.params["running_mean"][:, None, None]) / _std(op)[:, None, None]
    np.testing.assert_allclose(actor.normalized.array, normalized, rtol=0, atol=1e-12)
    y = normalized * op.weight[:, None, None] + op.bias[:, None, None]
    np.testing.assert_allclose(y, op.output[0], rtol=0, atol=1e-12)  # x̂ leads to the output
    lo, hi = actor.value_range
    assert lo <= min(x.min(), normalized.min(), y.min()) and hi >= max(x.max(), y.max())
    # the output block fills as the tiles land: empty before, whole after
    state = TimelineState(timeline)
    out = next(a for a in timeline.actors if isinstance(a, BlockActor) and a.id == actor.output)
    steps = _steps(timeline, actor)
    assert not state.revealed(out, steps["land", 0].start).any()
    assert state.revealed(out, steps["land", 3].end).all()


@pytest.mark.render
def test_every_channels_numbers_are_drawn_in_a_row_of_its_own() -> None:
    op, timeline = _scene()
    actor = _chart(timeline)
    steps = _steps(timeline, actor)
    t = (steps["affine", 3].end + steps["land", 0].start) / 2  # every row done, none landed
    fmt = FrameFormat(854, 480, 15)
    texts = [i for i in FrameRenderer(timeline, fmt).items_at(t) if i.actor == actor.id]
    lines: list[list[DrawnItem]] = []  # the chart's texts by line, top to bottom
    for item in sorted(texts, key=lambda i: i.box[1] + i.box[3]):
        middle = (item.box[1] + item.box[3]) / 2
        if lines and abs(middle - (lines[-1][0].box[1] + lines[-1][0].box[3]) / 2) < 3:
            lines[-1].append(item)
        else:
            lines.append([item])
    header, *rows = ([i.name for i in sorted(line, key=lambda i: i.box[0])] for line in lines)
    assert header[-4:] == ["text 'μ'", "text 'σ²'", "text 'γ'", "text 'β'"]
    assert op.weight is not None and op.bias is not None
    columns = (op.params["running_mean"], op.params["running_var"], op.weight, op.bias)
    assert rows == [
        [f"text '{c}'"] + [f"text '{fmt_value(float(v[c]))}'" for v in columns] for c in range(4)
    ]
    for item in texts:  # legible: whole, opaque, inside the frame, apart from one another
        x0, y0, x1, y1 = item.box
        assert item.opacity > 0.99 and 0 <= x0 < x1 <= fmt.width and 0 <= y0 < y1 <= fmt.height
        assert y1 - y0 >= 8  # pixels
    for a, b in zip(lines, lines[1:], strict=False):
        assert max(i.box[3] for i in a) < min(i.box[1] for i in b)


def test_a_wide_batch_norm_shows_six_rows_and_says_the_others_are_alike() -> None:
    p = plan(loads(WIDE))
    timeline = build(p)
    actor = _chart(timeline)
    assert actor.rows == MAX_ROWS == 6
    steps = _steps(timeline, actor)
    assert {c for _, c in steps} == set(range(6))
    captions = [str(e.data["text"]) for e in timeline.events if e.kind == "caption"]
    assert "channels 6–8: the same, each with its own μ, σ², γ, β" in captions
    out = next(a for a in timeline.actors if isinstance(a, BlockActor) and a.id == actor.output)
    assert TimelineState(timeline).revealed(out, steps["land", 5].end).all()


def test_the_chart_speaks_chinese() -> None:
    spec = load(SCENES / "conv_bn_relu.yaml")
    spec = spec.model_copy(update={"labels": spec.labels.model_copy(update={"language": "zh"})})
    timeline = build(plan(spec))
    captions = [str(e.data["text"]) for e in timeline.events if e.kind == "caption"]
    assert ZH.bn_lift in captions
    assert any(c.startswith("通道 3: x̂ = ") for c in captions)
    assert any(c.startswith("通道 3: y = ") for c in captions)
