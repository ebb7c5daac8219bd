"""batch_norm2d (eval mode): each channel normalised by its own statistics, then scaled, shifted.

A chart drawn between the input and output blocks (:class:`BatchNormActor`) shows every channel
at once, one row each, with the engine's numbers:

- each channel's slab lifts out of the input block into a column of tiles (the block exploded,
  one tile per channel, its cells coloured by value);
- beside each tile a bar spans the channel's values (min to max) on one value axis shared by all
  channels, with a tick where the channel's running mean ``μ_c`` goes;
- then the channel's ``μ``, ``σ²``, ``γ``, ``β``.

Then channel after channel (its row highlighted, its numbers on the caption line), in two
passes: **normalise**, ``x̂ = (x − μ_c) / √(σ_c² + ε)``: the tile's colours and the bar move
from x to x̂ and the tick to 0, so that after the pass every channel is on a common scale; then
**scale and shift**, ``y = γ_c x̂ + β_c`` (the caption folds both into the trace's eval-mode
``s_c x + t_c``): the bar moves to y's range and the tick to ``β_c``. Finally the tiles fly into
the output block, which fills channel by channel.

Tiles, bars and both blocks are coloured on one value scale spanning x, x̂ and y, so that every
change is seen. With more than :data:`MAX_ROWS` channels the chart shows the first ones; the
caption says that the others are done alike, and they fill the output block at the end.

Events: kind ``batch_norm`` on the actor, ``data["phase"]`` one of :data:`PHASES` and
``data["channel"]`` the row; a channel's phases follow one another.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from convanim.engine.layers import batch_norm_normalize, batch_norm_std
from convanim.engine.trace import LayerTrace
from convanim.spec.ops.layers import BatchNorm2dSpec
from convanim.storyboard import palette
from convanim.storyboard.arrays import ArrayData
from convanim.storyboard.common import chw, value_range
from convanim.storyboard.equations import bn_affine, bn_normalize
from convanim.storyboard.ops.base import BuildContext, OpVisual
from convanim.storyboard.regions import Region
from convanim.storyboard.timeline import Coloring, actor_kind
from convanim.storyboard.words import Words

if TYPE_CHECKING:
    from convanim.engine import OpResult

PHASES = ("lift", "normalize", "affine", "land")
"""What happens to one channel, in order (event kind ``batch_norm``, ``data["phase"]``)."""
MAX_ROWS = 6
"""Channels the chart shows (and plays one by one); the others are done alike, unseen."""
LIFT_SECONDS = 1.4
"""How long a tile takes to fly out of the input block (the tiles leave one after another)."""
STEP_SECONDS = 1.0
"""How long one channel's normalisation, or its scale and shift, takes (in a chart of at most
:data:`BRISK_ROWS` rows; in a taller one a little less)."""
BRISK_ROWS = 4
"""Rows up to which every step takes :data:`STEP_SECONDS`."""
LAND_SECONDS = 1.2
"""How long a tile takes to fly into the output block."""
PAUSE_SECONDS = 0.5
"""Pause between the passes."""
CHART_WIDTH = 12.0
"""Width of the chart in rows (one row per channel: its tile, its bar, its four numbers); the
drawer lays the chart out in these units."""
CHART_HEAD = 0.8
"""Height of the chart's header (the names of its columns), in rows."""
MAX_ASPECT = 3.0
"""Widest gap for the chart, in block heights (a chart of one or two rows is wider)."""


@actor_kind
@dataclass(frozen=True)
class BatchNormActor:
    """The batch-norm chart of op ``op`` between blocks ``input`` and ``output``.

    Rows ``0 .. rows - 1`` are the first channels. Their values are the blocks' (x of
    ``input``, y of ``output``) and ``normalized`` (x̂, batch 0, the rows' channels only);
    ``mean``, ``var``, ``gamma``, ``beta`` are each row's ``μ``, ``σ²``, ``γ``, ``β``. Tiles,
    bars and blocks are coloured in ``hue`` over ``value_range``. ``gap`` scene units are kept free
    before slot ``gap_slot`` for the chart.
    """

    id: str
    op: int
    input: str
    output: str
    rows: int
    hue: str
    value_range: tuple[float, float]
    gap_slot: int
    gap: float
    normalized: ArrayData
    mean: tuple[float, ...]
    var: tuple[float, ...]
    gamma: tuple[float, ...]
    beta: tuple[float, ...]
    kind: str = field(default="batch_norm", init=False)


@dataclass(frozen=True)
class _Numbers:
    """The engine's numbers of one batch norm (batch 0): x, x̂, y and the per-channel factors."""

    x: np.ndarray
    normalized: np.ndarray
    y: np.ndarray
    mean: np.ndarray
    var: np.ndarray
    std: np.ndarray
    gamma: np.ndarray
    beta: np.ndarray
    scale: np.ndarray
    shift: np.ndarray

    @property
    def value_range(self) -> tuple[float, float]:
        """One scale for x, x̂ and y."""
        ranges = [value_range(a[None]) for a in (self.x, self.normalized, self.y)]
        return (min(r[0] for r in ranges), max(r[1] for r in ranges))


def _numbers(op: OpResult) -> _Numbers:
    """x, x̂ (the engine's :func:`batch_norm_normalize`), y, and the per-channel factors."""
    trace, spec = op.trace, op.spec
    if not isinstance(trace, LayerTrace) or trace.scale is None or trace.shift is None:
        raise TypeError(f"ops[{op.index}] ({op.type}) has no batch-norm trace")
    assert isinstance(spec, BatchNorm2dSpec) and op.weight is not None and op.bias is not None
    mean, var = op.params["running_mean"], op.params["running_var"]
    eps = float(spec.eps)
    return _Numbers(
        x=op.input[0],
        normalized=batch_norm_normalize(op.input[:1], mean, var, eps)[0],
        y=op.output[0],
        mean=mean,
        var=var,
        std=batch_norm_std(var, eps),
        gamma=op.weight,
        beta=op.bias,
        scale=trace.scale,
        shift=trace.shift,
    )


def chart_gap(shape: tuple[int, int, int], rows: int) -> float:
    """Free space (scene units) between the blocks for a chart of ``rows`` channels: about
    as wide as the chart is for the blocks' height."""
    _, h, w = shape
    aspect = min(CHART_WIDTH / (CHART_HEAD + rows), MAX_ASPECT)
    return float((max(h, w) + 4.0) * aspect + 2.0)


class BatchNormVisual(OpVisual):
    """Batch norm (eval mode): every channel normalised, then scaled and shifted, in a chart."""

    def caption(self, op: OpResult, words: Words) -> str:
        """``batch norm``."""
        return words.batch_norm

    def back_region(self, op: OpResult, region: Region) -> Region:
        """The same cells: an element-wise op."""
        return region

    def _coloring(self, op: OpResult) -> Coloring:
        channels = chw(op.output)[0]
        return Coloring("values", (palette.OUTPUT_HUE,) * channels, _numbers(op).value_range)

    def input_coloring(self, op: OpResult) -> Coloring:
        """The input's values on the scale of the chart (x, x̂ and y)."""
        return self._coloring(op)

    def output_coloring(self, op: OpResult) -> Coloring:
        """The output's values on the same scale as the input's."""
        return self._coloring(op)

    def play(self, ctx: BuildContext, op: OpResult, in_id: str, out_id: str) -> None:
        """Lift the channels into the chart, normalise each, scale and shift each, land them."""
        numbers = _numbers(op)
        clock, words = ctx.clock, ctx.words
        speed = ctx.pacing.phase_speed
        shape = chw(op.input)
        channels = shape[0]
        rows = min(channels, MAX_ROWS)
        step_seconds = STEP_SECONDS * speed * min(1.0, (BRISK_ROWS / rows) ** 0.5)
        coloring = self._coloring(op)
        actor = BatchNormActor(
            id=f"bn{op.index}",
            op=op.index,
            input=in_id,
            output=out_id,
            rows=rows,
            hue=palette.OUTPUT_HUE,
            value_range=coloring.value_range or (0.0, 1.0),
            gap_slot=op.index + 1,
            gap=chart_gap(shape, rows),
            normalized=ArrayData.of(numbers.normalized[:rows]),
            mean=_floats(numbers.mean[:rows]),
            var=_floats(numbers.var[:rows]),
            gamma=_floats(numbers.gamma[:rows]),
            beta=_floats(numbers.beta[:rows]),
        )
        ctx.add_actor(actor)
        if op.index > 0:
            # The input block (coloured by the op before) takes the chart's scale first; the
            # input of a chain has it from the start (a picture keeps its colours).
            clock.then("recolor", in_id, 0.5 * speed, coloring=coloring.__dict__)
        clock.add("show", actor.id, 0.3)
        clock.add("caption", "caption", 0.0, text=words.bn_lift)
        self._lift(ctx, actor, rows, speed)
        clock.wait(PAUSE_SECONDS * speed)
        for c in range(rows):
            step = bn_normalize(c, float(numbers.mean[c]), float(numbers.std[c]), words)
            clock.add("caption", "caption", 0.0, **step.data())
            clock.then("batch_norm", actor.id, step_seconds, phase="normalize", channel=c)
        clock.wait(PAUSE_SECONDS * speed)
        for c in range(rows):
            step = bn_affine(
                c,
                float(numbers.gamma[c]),
                float(numbers.beta[c]),
                float(numbers.scale[c]),
                float(numbers.shift[c]),
                words,
            )
            clock.add("caption", "caption", 0.0, **step.data())
            clock.then("batch_norm", actor.id, step_seconds, phase="affine", channel=c)
        if channels > rows:
            rest = words.bn_rest.format(first=rows, last=channels - 1)
            clock.add("caption", "caption", 0.0, text=rest)
        clock.wait(PAUSE_SECONDS * speed)
        self._land(ctx, actor, out_id, channels, speed)
        clock.then("hide", actor.id, 0.3)
        clock.wait(0.3 * speed)
        clock.add("caption", "caption", 0.0, text="")

    @staticmethod
    def _lift(ctx: BuildContext, actor: BatchNormActor, rows: int, speed: float) -> None:
        """The tiles fly out of the input block, each a little after the one before."""
        clock = ctx.clock
        start, lift = clock.now, LIFT_SECONDS * speed
        every = lift * 0.5 / max(rows - 1, 1)
        for c in range(rows):
            clock.add("batch_norm", actor.id, lift, at=start + c * every, phase="lift", channel=c)
        clock.now = start + lift + (rows - 1) * every

    @staticmethod
    def _land(
        ctx: BuildContext, actor: BatchNormActor, out_id: str, channels: int, speed: float
    ) -> None:
        """The tiles fly into the output block; each channel fills as its tile arrives (the
        channels the chart does not show fill with the last one)."""
        clock = ctx.clock
        rows = actor.rows
        start, land = clock.now, LAND_SECONDS * speed
        every = land * 0.5 / max(rows - 1, 1)
        for c in range(rows):
            at = start + c * every
            clock.add("batch_norm", actor.id, land, at=at, phase="land", channel=c, also=[out_id])
            rest = list(range(rows, channels)) if c == rows - 1 else []
            clock.add("fill", out_id, 0.0, at=at + land, channels=[c, *rest])
        clock.now = start + land + (rows - 1) * every


def _floats(values: np.ndarray) -> tuple[float, ...]:
    return tuple(float(v) for v in values)
