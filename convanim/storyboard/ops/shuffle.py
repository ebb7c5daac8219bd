"""channel_shuffle (ShuffleNet): channels fly through the (groups, C/groups) matrix, transposed.

The input's channels are coloured by group. Each channel is a slab that lifts out of the input
into a ``groups × C/groups`` matrix (the reshape) drawn between the blocks, the matrix transposes
to ``C/groups × groups``, and reading it row by row (the flatten) sends every slab to its output
channel. The output keeps each channel's original colour, so every group of the output visibly
holds channels of every colour. The permutation is the engine's (``op.trace.perm``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from convanim.engine.trace import ShuffleTrace
from convanim.storyboard.common import chw
from convanim.storyboard.equations import shuffle_flatten
from convanim.storyboard.ops.base import BuildContext, OpVisual
from convanim.storyboard.regions import Region
from convanim.storyboard.timeline import Coloring, actor_kind
from convanim.storyboard.words import Words

if TYPE_CHECKING:
    from convanim.engine import OpResult

PHASES = ("reshape", "transpose", "flatten")
"""The three moves of a shuffle, in order (event kind ``shuffle``, ``data["phase"]``)."""
PHASE_SECONDS = {"reshape": 1.8, "transpose": 1.6, "flatten": 2.2}
PHASE_PAUSE = 0.7


@actor_kind
@dataclass(frozen=True)
class ShuffleActor:
    """Channel slabs moving from block ``input`` to block ``output``.

    ``perm[j]`` is the input channel that output channel j takes; ``hues[c]`` the colour of
    input channel c. ``gap`` scene units are kept free before slot ``gap_slot`` for the matrix.
    """

    id: str
    input: str
    output: str
    groups: int
    perm: tuple[int, ...]
    hues: tuple[str, ...]
    gap_slot: int
    gap: float
    kind: str = field(default="shuffle", init=False)


def shuffle_gap(shape: tuple[int, int, int]) -> float:
    """Free space (scene units) between the blocks for the channel matrix."""
    c, h, w = shape
    return float(max(h, w) + 0.45 * c + 2.0)


def _trace(op: OpResult) -> ShuffleTrace:
    """The op's :class:`ShuffleTrace`."""
    trace = op.trace
    if not isinstance(trace, ShuffleTrace):
        raise TypeError(f"ops[{op.index}] ({op.type}) has no shuffle trace")
    return trace


class ShuffleVisual(OpVisual):
    """Channels fly to their new places through the reshape/transpose/flatten."""

    def back_region(self, op: OpResult, region: Region) -> Region:
        """The same rows and columns in the channels that were moved to ``region``'s."""
        perm = _trace(op).perm
        return Region(
            region.rows, region.cols, tuple(sorted(int(perm[c]) for c in region.channels))
        )

    def output_coloring(self, op: OpResult) -> Coloring:
        """Every output channel keeps the colour of the input channel it came from."""
        hues = self.input_coloring(op).hues
        perm = [int(p) for p in _trace(op).perm]
        return Coloring("channels", tuple(hues[p] for p in perm))

    def caption(self, op: OpResult, words: Words) -> str:
        """``channel shuffle (g=3)``."""
        return words.shuffle.format(g=int(_trace(op).groups))

    def play(self, ctx: BuildContext, op: OpResult, in_id: str, out_id: str) -> None:
        """Reshape, transpose, flatten; then the output block takes the slabs' place."""
        clock = ctx.clock
        trace = _trace(op)
        perm = tuple(int(p) for p in trace.perm)
        groups = int(trace.groups)
        shape = chw(op.input)
        channels = shape[0]
        per = channels // groups
        actor = ShuffleActor(
            id=f"shuffle{op.index}",
            input=in_id,
            output=out_id,
            groups=groups,
            perm=perm,
            hues=self.input_coloring(op).hues,
            gap_slot=op.index + 1,
            gap=shuffle_gap(shape),
        )
        ctx.add_actor(actor)
        words = ctx.words
        reshape = words.shuffle_reshape.format(channels=channels, groups=groups, per=per)
        captions: dict[str, dict[str, Any]] = {
            "reshape": {"text": reshape},
            "transpose": {"text": words.shuffle_transpose.format(groups=groups, per=per)},
            "flatten": shuffle_flatten(perm, words).data(),
        }
        # Later ops of a chain play briskly, as the core does for kernel sweeps.
        speed = ctx.pacing.phase_speed
        clock.add("show", actor.id, 0.3)
        for n, phase in enumerate(PHASES):
            clock.add("caption", "caption", 0.0, **captions[phase])
            data: dict[str, object] = {"phase": phase, "step": n + 1}
            if phase == "flatten":
                data["perm"] = list(perm)
            clock.then("shuffle", actor.id, PHASE_SECONDS[phase] * speed, **data)
            clock.wait(PHASE_PAUSE * speed if phase != "flatten" else 0.0)
        clock.add("fill", out_id, 0.0, channels=list(range(channels)))
        clock.then("hide", actor.id, 0.0)
        clock.wait(0.6 * speed)
        clock.add("caption", "caption", 0.0, text="")
