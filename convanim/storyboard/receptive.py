"""Receptive-field mode (``animation.receptive_field: true``): one output cell, traced back.

After the chain has played, the camera frames every tensor, one cell of the last output (channel
0, the centre position) lights up, and step by step back to the input every tensor lights the
region (rows, columns and channels) that cell depends on, read from the engine's traces. The
caption gives the receptive field's size as ``convanim inspect`` reports it
(``OpResult.receptive_field``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from convanim.storyboard.common import chw
from convanim.storyboard.ops import visual_for
from convanim.storyboard.regions import Region
from convanim.storyboard.timeline import actor_kind
from convanim.storyboard.words import Words

if TYPE_CHECKING:
    from convanim.engine import OpResult
    from convanim.storyboard.ops.base import BuildContext

HUE = "#F25F5C"
"""Coral: the receptive field, distinct from input blue, kernel gold and output green."""
STEP_SECONDS = 1.4
"""Time to light one tensor's region."""


@actor_kind
@dataclass(frozen=True)
class ReceptiveActor:
    """The lit regions; each ``light`` event adds one tensor's region."""

    id: str
    hue: str
    kind: str = field(default="receptive", init=False)


def receptive_regions(ops: tuple[OpResult, ...]) -> list[Region]:
    """Regions of every tensor of the chain that the centre cell of channel 0 depends on.

    ``result[k]`` is the region of tensor k (0 = the input, len(ops) = the last output).
    """
    _, h, w = chw(ops[-1].output)
    oh, ow = h // 2, w // 2
    regions = [Region((oh, oh + 1), (ow, ow + 1), (0,))]
    for op in reversed(ops):
        regions.append(visual_for(op.type).back_region(op, regions[-1]))
    return regions[::-1]


def _ranges(channels: tuple[int, ...]) -> list[list[int]]:
    """Sorted channels -> contiguous [start, stop) ranges."""
    out: list[list[int]] = []
    for c in channels:
        if out and out[-1][1] == c:
            out[-1][1] = c + 1
        else:
            out.append([c, c + 1])
    return out


def _size_text(op: OpResult, words: Words) -> str:
    field_ = op.receptive_field
    if field_.covers_input:
        return words.receptive_whole
    size = "×".join(f"{v:g}" for v in field_.size)
    return words.receptive_pixels.format(size=size)


def play_receptive(ctx: BuildContext) -> None:
    """Add the receptive-field mode at the end of a chain (when the spec asks for it)."""
    plan = ctx.plan
    if not getattr(ctx.animation, "receptive_field", False) or plan.spec.spatial_rank != 2:
        return
    clock = ctx.clock
    _, h, w = chw(plan.ops[-1].output)
    cell = f"out[0,{h // 2},{w // 2}]"
    clock.add("chapter", "chapter", 0.0, title=ctx.words.receptive_title.format(cell=cell))
    actor = ReceptiveActor("receptive", HUE)
    ctx.add_actor(actor)
    last = len(plan.ops)
    clock.then("camera", "view", 1.2, slots=list(range(last + 1)))
    regions = receptive_regions(plan.ops)
    clock.add("caption", "caption", 0.0, text=ctx.words.receptive_title.format(cell=cell))
    for k in range(last, -1, -1):
        region = regions[k]
        rows, cols = region.rows, region.cols
        if k == 0:
            size_text = _size_text(plan.ops[-1], ctx.words)
            text = ctx.words.receptive_depends.format(cell=cell, size=size_text)
            clock.add("caption", "caption", 0.0, text=text)
        size = f"{rows[1] - rows[0]}×{cols[1] - cols[0]}"
        clock.then(
            "light", actor.id, STEP_SECONDS,
            block=f"t{k}", rows=list(rows), cols=list(cols),
            channels=_ranges(region.channels), label=size,
        )  # fmt: skip
    clock.wait(2.5)
