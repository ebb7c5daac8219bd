"""relu, flatten and linear: what the layers around the convolutions look like (batch_norm2d:
:mod:`convanim.storyboard.ops.batch_norm`).

- ``relu``: the output block appears holding the input's values; then every negative cell slides
  to 0 (a ``morph`` event on the block: its colours move from the input's values to its own, on
  one scale), and the block takes the colour scale of its own values (0 darkest).
- ``flatten``: every cube flies from the input block into one row, in C,H,W order
  (:class:`FlattenActor`), and the row is the output.
- ``linear``: a fully connected layer: lines from every input cell to the output cell being
  computed, coloured by the sign of its weight, and the outputs light up one after the other
  down the output column as each dot product completes (:class:`DenseActor`, its ``sweep``);
  the last op of a chain ends on its largest output (a classifier's answer).

A vector (an ``(N, features)`` tensor) is drawn as one row of cubes after a flatten and as one
column after a linear layer (:meth:`OpVisual.vector_layout`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from convanim.storyboard import palette
from convanim.storyboard.arrays import ArrayData
from convanim.storyboard.common import chw, value_range
from convanim.storyboard.equations import dense_largest, dense_step, flatten_step, relu_step
from convanim.storyboard.ops.base import BuildContext, OpVisual
from convanim.storyboard.regions import Region
from convanim.storyboard.timeline import Coloring, actor_kind
from convanim.storyboard.words import Words

if TYPE_CHECKING:
    from convanim.engine import OpResult

MORPH_SECONDS = 2.4
"""How long the negative cells of a ReLU take to reach 0."""
FLY_SECONDS = 3.2
"""How long the cubes of a flatten take to fly into the row."""
OUTPUT_SECONDS = 0.5
"""Seconds per output of a linear layer played one by one."""
DENSE_MAX = 5.0
"""Longest fast-forward of a linear layer's outputs."""


def _union_range(*arrays: np.ndarray) -> tuple[float, float]:
    """(min, max) over batch 0 of every array, widened to a non-empty interval."""
    ranges = [value_range(a) for a in arrays]
    return (min(r[0] for r in ranges), max(r[1] for r in ranges))


class _SameShapeVisual(OpVisual):
    """An element-wise op: the output block shows the input's values, then morphs to its own."""

    def output_initially(self, op: OpResult) -> str:
        """Full: it starts out holding the input's values."""
        return "full"

    def output_coloring(self, op: OpResult) -> Coloring:
        """Values in the output hue on one scale spanning input and output (the morph is seen)."""
        channels = chw(op.output)[0]
        return Coloring(
            "values", (palette.OUTPUT_HUE,) * channels, _union_range(op.input, op.output)
        )

    def back_region(self, op: OpResult, region: Region) -> Region:
        """The same cells: an element-wise op."""
        return region


class ReluVisual(_SameShapeVisual):
    """ReLU: the negative cells drop to 0."""

    def caption(self, op: OpResult, words: Words) -> str:
        """``ReLU``."""
        return "ReLU"

    def play(self, ctx: BuildContext, op: OpResult, in_id: str, out_id: str) -> None:
        """One morph of the whole block, with the count of cells set to 0."""
        x = op.input[0]
        clock = ctx.clock
        negative = int(np.count_nonzero(x < 0))
        clock.add("caption", "caption", 0.0, **relu_step(negative, int(x.size), ctx.words).data())
        clock.then("morph", out_id, MORPH_SECONDS * ctx.pacing.phase_speed, source=in_id)
        # Then the output takes its own colour scale: 0 darkest, what ReLU kept stands out.
        channels = chw(op.output)[0]
        own = Coloring("values", (palette.OUTPUT_HUE,) * channels, value_range(op.output))
        clock.then("recolor", out_id, 0.6 * ctx.pacing.phase_speed, coloring=own.__dict__)
        clock.wait(0.4 * ctx.pacing.phase_speed)
        clock.add("caption", "caption", 0.0, text="")


@actor_kind
@dataclass(frozen=True)
class FlattenActor:
    """The cubes of block ``input`` flying into the row (or column) of block ``output``.

    Element ``i`` in C,H,W order lands on cell ``i`` of the output; the flying cubes are
    coloured like the input (``hue`` over ``value_range``).
    """

    id: str
    input: str
    output: str
    hue: str
    value_range: tuple[float, float]
    kind: str = field(default="flatten", init=False)


class FlattenVisual(OpVisual):
    """Flatten: the cubes fly into one row, C,H,W order."""

    def vector_layout(self, op: OpResult, incoming: str) -> str:
        """A row."""
        return "row"

    def output_coloring(self, op: OpResult) -> Coloring:
        """The input's colours: the same values, in a row."""
        return Coloring("values", (palette.OUTPUT_HUE,), value_range(op.input))

    def caption(self, op: OpResult, words: Words) -> str:
        """``flatten``."""
        return words.flatten

    def back_region(self, op: OpResult, region: Region) -> Region:
        """All of the input (a row of features has no rows and columns to follow)."""
        c, h, w = chw(op.input)
        return Region((0, h), (0, w), tuple(range(c)))

    def play(self, ctx: BuildContext, op: OpResult, in_id: str, out_id: str) -> None:
        """The flight (event ``flatten`` on the actor), then the row takes the cubes' place."""
        clock = ctx.clock
        actor = FlattenActor(
            id=f"flatten{op.index}",
            input=in_id,
            output=out_id,
            hue=palette.OUTPUT_HUE,
            value_range=value_range(op.input),
        )
        ctx.add_actor(actor)
        shape = tuple(int(v) for v in op.input.shape[1:])
        names = ("C", "H", "W", "D")[: len(shape)] if len(shape) < 4 else ("C", "D", "H", "W")
        clock.add("caption", "caption", 0.0, **flatten_step(names, shape, ctx.words).data())
        clock.add("show", actor.id, 0.0)
        clock.then("flatten", actor.id, FLY_SECONDS * ctx.pacing.phase_speed)
        clock.add("fill", out_id, 0.0, channels=[0])
        clock.then("hide", actor.id, 0.0)
        clock.wait(0.4 * ctx.pacing.phase_speed)
        clock.add("caption", "caption", 0.0, text="")


@actor_kind
@dataclass(frozen=True)
class DenseActor:
    """A fully connected layer between blocks ``input`` and ``output``.

    ``weight`` is the layer's ``(out_features, in_features)`` matrix; during the actor's
    ``sweep`` the lines into the output cell being computed are drawn, coloured by the sign of
    their weights (``positive`` / ``negative`` hues).
    """

    id: str
    input: str
    output: str
    weight: ArrayData
    positive: str
    negative: str
    kind: str = field(default="dense", init=False)


class LinearVisual(OpVisual):
    """A fully connected layer: input row, output column, weight lines by sign."""

    def vector_layout(self, op: OpResult, incoming: str) -> str:
        """A column."""
        return "column"

    def caption(self, op: OpResult, words: Words) -> str:
        """``linear (fully connected)``; the chapter title adds ``400→120``."""
        return words.linear

    def back_region(self, op: OpResult, region: Region) -> Region:
        """All of the input: every output reads every feature."""
        c, h, w = chw(op.input)
        return Region((0, h), (0, w), tuple(range(c)))

    def play(self, ctx: BuildContext, op: OpResult, in_id: str, out_id: str) -> None:
        """The first outputs one by one with their dot product on the caption line, then the
        rest fast-forwarded, all as one ``sweep`` of the actor down the output column.

        Each equation goes up as its output's sweep starts; the last one stays while the rest
        fill in (every output is the same sum over its own row of W), so that it stays
        readable when ``animation.op_duration`` squeezes the op. When the layer is the last op
        of the chain (its outputs are the scores of a classifier, say), its largest output is
        captioned through the end of the scene.
        """
        assert op.weight is not None
        clock, pacing = ctx.clock, ctx.pacing
        actor = DenseActor(
            id=f"dense{op.index}",
            input=in_id,
            output=out_id,
            weight=ArrayData.of(op.weight),
            positive=palette.POSITIVE_HUE,
            negative=palette.NEGATIVE_HUE,
        )
        ctx.add_actor(actor)
        n_out, n_in = (int(v) for v in op.weight.shape)
        values = op.output[0].reshape(-1)
        clock.then("show", actor.id, pacing.kernel_show)
        common: dict[str, object] = dict(input=in_id, output=out_id, out_channel=0)
        full = min(n_out, max(1, pacing.full_positions))
        for j in range(full):
            equation = dense_step(
                j, n_in, float(values[j]), bias=op.bias is not None, words=ctx.words
            )
            clock.add("caption", "caption", 0.0, **equation.data())
            clock.then(
                "sweep", actor.id, OUTPUT_SECONDS * 2 * pacing.phase_speed,
                first=j, count=1, visits=1, detail=True, **common,
            )  # fmt: skip
        rest = n_out - full
        if rest:
            duration = min(rest * OUTPUT_SECONDS * 0.5, DENSE_MAX) * pacing.phase_speed
            clock.then(
                "sweep", actor.id, duration,
                first=full, count=rest, visits=min(rest, 40), detail=True, **common,
            )  # fmt: skip
        if op.index == len(ctx.plan.ops) - 1 and n_out > 1:
            top = int(np.argmax(values))
            largest = dense_largest(top, n_out, float(values[top]), ctx.words)
            clock.add("caption", "caption", 0.0, **largest.data())
        else:
            clock.add("caption", "caption", 0.0, text="")
        clock.then("hide", actor.id, pacing.kernel_show)
