"""What the new layers and picture inputs put in the Timeline (no drawing): ReLU morphs its block
from the input's values, a flatten flies every cube into a row, a linear layer reveals its output
column as its dot products complete (a last one ends on its largest output), vectors are rows or
columns, and a picture input is coloured like a picture (batch norm:
tests/test_visual_batch_norm.py)."""

from __future__ import annotations

import numpy as np
import pytest

from convanim.engine import plan
from convanim.renderer.state import TimelineState
from convanim.spec import load, loads
from convanim.storyboard import build, palette
from convanim.storyboard.equations import dense_largest, dense_step
from convanim.storyboard.ops.layers import DenseActor, FlattenActor
from convanim.storyboard.timeline import BlockActor, Timeline

from .conftest import SCENES

CHAIN = """\
input: {shape: [2, 4, 4]}
ops:
  - {type: conv2d, out_channels: 3, kernel_size: 3}
  - {type: batch_norm2d, weight: random, running_var: random}
  - {type: relu}
  - {type: flatten}
  - {type: linear, out_features: 5}
  - {type: relu}
"""


def _timeline(text: str) -> Timeline:
    return build(plan(loads(text)))


def _blocks(timeline: Timeline) -> list[BlockActor]:
    return [a for a in timeline.actors if isinstance(a, BlockActor)]


def test_vectors_are_rows_after_a_flatten_and_columns_after_a_linear_layer() -> None:
    blocks = _blocks(_timeline(CHAIN))
    assert [b.shape for b in blocks[3:]] == [(3, 2, 2), (1, 1, 12), (1, 5, 1), (1, 5, 1)]
    assert [b.label for b in blocks[3:]] == ["3×2×2", "12", "5", "5"]


def test_relu_morphs_from_its_input() -> None:
    timeline = _timeline(CHAIN)
    state = TimelineState(timeline)
    blocks = _blocks(timeline)
    morphs = {e.target: e for e in timeline.events if e.kind == "morph"}
    assert set(morphs) == {"t3", "t6"}  # the two ReLUs; batch norm has a chart of its own
    assert morphs["t3"].data == {"source": "t2"}
    relu = blocks[3]
    assert relu.initially == "full"
    e = morphs["t3"]
    source, u = state.morph(relu, e.start - 0.1) or ("", np.ones(1))
    assert source == "t2" and (u == 0).all()  # before: the input's values
    _, u = state.morph(relu, e.start + e.duration * 0.5) or ("", np.ones(1))
    assert np.allclose(u, 0.5)  # every channel at once, half way
    assert state.morph(relu, e.end) is None  # after: its own values


def test_a_flatten_flies_and_a_linear_layer_reveals_its_column() -> None:
    timeline = _timeline(CHAIN)
    state = TimelineState(timeline)
    flatten = next(a for a in timeline.actors if isinstance(a, FlattenActor))
    dense = next(a for a in timeline.actors if isinstance(a, DenseActor))
    assert (flatten.input, flatten.output) == ("t3", "t4")
    assert any(e.kind == "flatten" and e.target == flatten.id for e in timeline.events)
    assert dense.weight.array.shape == (5, 12)
    sweeps = [e for e in timeline.events if e.kind == "sweep" and e.target == dense.id]
    out = _blocks(timeline)[5]
    assert not state.revealed(out, sweeps[0].start).any()
    assert state.revealed(out, sweeps[-1].end).all()
    middle = sweeps[0].start + sweeps[0].duration * 0.9
    assert state.revealed(out, middle)[0, :, 0].tolist() == [True, False, False, False, False]
    assert state.sweep(dense.id, middle) is not None


def test_a_picture_input_is_coloured_like_a_picture() -> None:
    blocks = _blocks(build(plan(load(SCENES / "conv_bn_relu.yaml"))))
    picture = blocks[0]
    assert picture.caption == "input picture"
    assert picture.coloring.hues == palette.PICTURE_HUES
    assert picture.coloring.value_range == (0.0, 1.0)
    grey = _blocks(build(plan(load(SCENES / "edge_detection.yaml"))))[0]
    assert grey.coloring.hues == (palette.PICTURE_GREY,)
    assert blocks[1].coloring.hues == (palette.OUTPUT_HUE,) * 4  # outputs keep the value map


LINEAR_LAST = """\
input: {shape: [1, 4, 4]}
ops:
  - {type: flatten}
  - {type: linear, out_features: 5}
"""


def _captions_from(timeline: Timeline, start: float) -> list[str]:
    events = [e for e in timeline.events if e.kind == "caption" and e.start >= start - 1e-9]
    return [str(e.data.get("text", "")) for e in events]


def test_a_last_linear_layer_keeps_its_equation_then_ends_on_its_largest_output() -> None:
    """The equation of output 0 goes up with its sweep and stays while the other outputs fill
    in; the chain's last op then names its largest output, to the end of the scene."""
    result = plan(loads(LINEAR_LAST))
    timeline = build(result)
    dense = next(a for a in timeline.actors if isinstance(a, DenseActor))
    sweeps = [e for e in timeline.events if e.kind == "sweep" and e.target == dense.id]
    assert len(sweeps) == 2  # output 0 in full, then the other four
    scores = result.ops[-1].output[0]
    top = int(np.argmax(scores))
    captions = _captions_from(timeline, sweeps[0].start)
    assert captions == [
        dense_step(0, 16, float(scores[0]), bias=True).text,
        dense_largest(top, 5, float(scores[top])).text,
    ]
    ends = [e for e in timeline.events if e.kind == "caption" and e.start >= sweeps[0].start]
    assert ends[0].start == sweeps[0].start
    assert ends[1].start == pytest.approx(sweeps[-1].end)
    assert f"out[{top}] = " in captions[-1] and "largest of the 5 outputs" in captions[-1]


def test_a_linear_layer_inside_a_chain_clears_its_caption() -> None:
    timeline = _timeline(CHAIN)  # linear, then relu
    dense = next(a for a in timeline.actors if isinstance(a, DenseActor))
    sweeps = [e for e in timeline.events if e.kind == "sweep" and e.target == dense.id]
    captions = _captions_from(timeline, sweeps[0].start)
    assert captions[0].startswith("out[0] = Σ W[0, i] × x[i] over 12 inputs")
    assert captions[1] == ""
    assert not any("largest" in c for c in captions)
