"""squeeze_excitation: squeeze to a column of channel means, two FC layers, re-weight channels.

A chart drawn between the input and output blocks tells the computation with the engine's real
numbers (``op.trace``: squeezed, hidden, scale, held by the chart's actor): every channel's slab
flies into a column of C cells holding its mean (squeeze), FC1 + ReLU gives the small hidden
column, FC2 + sigmoid gives one weight in (0, 1) per channel as a bar, and the output block fills
channel by channel with ``x[c] * w[c]`` coloured on the input's own value scale, so weak channels
fade.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from convanim.engine.trace import SETrace
from convanim.storyboard import palette
from convanim.storyboard.common import chw, value_range
from convanim.storyboard.equations import se_step
from convanim.storyboard.ops.base import BuildContext, OpVisual
from convanim.storyboard.regions import Region
from convanim.storyboard.timeline import Coloring, actor_kind
from convanim.storyboard.words import EN, Words

if TYPE_CHECKING:
    from convanim.engine import OpResult

PHASES = ("squeeze", "fc1", "fc2", "scale")
"""The four steps of SE, in order (event kind ``se``, ``data["phase"]``)."""
PHASE_SECONDS = {"squeeze": 2.2, "fc1": 1.6, "fc2": 1.8, "scale": 2.6}
PHASE_PAUSE = 0.6


@actor_kind
@dataclass(frozen=True)
class SEChartActor:
    """The squeeze/excitation chart of op ``op`` between blocks ``input`` and ``output``.

    The engine's numbers (batch 0): ``squeezed`` the C channel means, ``hidden_values`` the
    hidden column after FC1 + ReLU, ``scale`` the C weights after FC2 + sigmoid.
    """

    id: str
    op: int
    input: str
    output: str
    channels: int
    hidden: int
    hue: str
    gap_slot: int
    gap: float
    squeezed: tuple[float, ...]
    hidden_values: tuple[float, ...]
    scale: tuple[float, ...]
    heads: tuple[str, ...] = EN.se_heads
    kind: str = field(default="se_chart", init=False)


def chart_gap(shape: tuple[int, int, int]) -> float:
    """Free space (scene units) between the blocks for the chart."""
    c, h, w = shape
    return float(1.6 * max(h, w) + 0.5 * c + 7.0)


class SqueezeExcitationVisual(OpVisual):
    """Squeeze, FC1 + ReLU, FC2 + sigmoid, then every channel scaled by its weight."""

    def back_region(self, op: OpResult, region: Region) -> Region:
        """All of the input: every channel's weight comes from the mean of every channel."""
        c, h, w = chw(op.input)
        return Region((0, h), (0, w), tuple(range(c)))

    def input_coloring(self, op: OpResult) -> Coloring:
        """Input cells coloured by value (the scale the output is shown on too)."""
        channels = chw(op.input)[0]
        return Coloring("values", (palette.INPUT_HUE,) * channels, value_range(op.input))

    def output_coloring(self, op: OpResult) -> Coloring:
        """``x * w`` on the input's value scale: a channel with a small weight fades."""
        channels = chw(op.output)[0]
        return Coloring("values", (palette.INPUT_HUE,) * channels, value_range(op.input))

    def caption(self, op: OpResult, words: Words) -> str:
        """``SE (r=4)``."""
        return words.squeeze_excitation.format(r=int(getattr(op.spec, "reduction", 4)))

    def play(self, ctx: BuildContext, op: OpResult, in_id: str, out_id: str) -> None:
        """The chart's four phases; the output block fills during the last one."""
        clock = ctx.clock
        trace = op.trace
        if not isinstance(trace, SETrace):
            raise TypeError(f"ops[{op.index}] ({op.type}) has no SE trace")
        shape = chw(op.input)
        channels = shape[0]
        squeezed = [float(v) for v in trace.squeezed[0]]
        hidden = [float(v) for v in trace.hidden[0]]
        scale = [float(v) for v in trace.scale[0]]
        actor = SEChartActor(
            id=f"se{op.index}",
            op=op.index,
            input=in_id,
            output=out_id,
            channels=channels,
            hidden=len(hidden),
            hue=palette.INPUT_HUE,
            gap_slot=op.index + 1,
            gap=chart_gap(shape),
            squeezed=tuple(squeezed),
            hidden_values=tuple(hidden),
            scale=tuple(scale),
            heads=ctx.words.se_heads,
        )
        ctx.add_actor(actor)
        h, w = shape[1], shape[2]
        words = ctx.words
        texts = {
            phase: se_step(
                phase,
                h=h,
                w=w,
                channels=channels,
                hidden=len(hidden),
                w0=scale[0],
                words=words,
            )
            for phase in PHASES
        }
        clock.add("show", actor.id, 0.3)
        for phase in PHASES:
            clock.add("caption", "caption", 0.0, **texts[phase].data())
            data: dict[str, object] = {"phase": phase}
            seconds = PHASE_SECONDS[phase] * ctx.pacing.phase_speed
            if phase == "scale":
                data["also"] = [out_id]
                clock.add("fill", out_id, seconds, channels=list(range(channels)))
            clock.then("se", actor.id, seconds, **data)
            clock.wait(PHASE_PAUSE * ctx.pacing.phase_speed)
        clock.add("caption", "caption", 0.0, text="")
