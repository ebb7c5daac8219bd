"""Receptive-field mode (``animation.receptive_field: true``): one output cell, traced back.

After the chain has played, the camera frames every tensor, one cell of the last output (channel
0, the centre position) lights up, and step by step back to the input every tensor lights the
region (rows, columns and channels) that cell depends on, read from the engine's traces. The
caption gives the receptive field's size as ``convanim inspect`` reports it
(``OpResult.receptive_field``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, cast

import numpy as np

from convanim.storyboard.common import chw
from convanim.storyboard.timeline import actor_kind

if TYPE_CHECKING:
    from convanim.engine import OpResult
    from convanim.engine.trace import DeformTrace, ShuffleTrace, TransposeTrace, WindowTrace
    from convanim.storyboard.ops.base import BuildContext

HUE = "#F25F5C"
"""Coral: the receptive field, distinct from input blue, kernel gold and output green."""
STEP_SECONDS = 1.4
"""Time to light one tensor's region."""


@dataclass(frozen=True)
class Region:
    """Rows [r0, r1), columns [c0, c1) and channels (sorted) of one tensor."""

    rows: tuple[int, int]
    cols: tuple[int, int]
    channels: tuple[int, ...]


@actor_kind
@dataclass(frozen=True)
class ReceptiveActor:
    """The lit regions; each ``light`` event adds one tensor's region."""

    id: str
    hue: str
    kind: str = field(default="receptive", init=False)


def _span(coords: np.ndarray, size: int) -> tuple[int, int]:
    """Bounding [lo, hi) of coordinates, clipped to the tensor (padding depends on nothing).

    No coordinates (an output cell that no input reaches, such as a transposed conv's
    ``output_padding`` row, which holds only the bias) give the empty span (0, 0).
    """
    if coords.size == 0:
        return (0, 0)
    lo, hi = int(coords.min()), int(coords.max()) + 1
    return (max(lo, 0), min(hi, size))


def back_region(op: OpResult, region: Region) -> Region:
    """The region of ``op``'s input that ``region`` of its output depends on."""
    c_in, h, w = chw(op.input)
    trace = op.trace
    (r0, r1), (c0, c1) = region.rows, region.cols
    if op.type == "squeeze_excitation":
        return Region((0, h), (0, w), tuple(range(c_in)))
    if op.type == "channel_shuffle":
        perm = cast("ShuffleTrace", trace).perm
        return Region(
            region.rows, region.cols, tuple(sorted(int(perm[c]) for c in region.channels))
        )
    if op.type == "conv_transpose2d":
        scatter = cast("TransposeTrace", trace)
        out_rows, out_cols = scatter.out_rows, scatter.out_cols
        rows = np.nonzero(((out_rows >= r0) & (out_rows < r1)).any(axis=1))[0]
        cols = np.nonzero(((out_cols >= c0) & (out_cols < c1)).any(axis=1))[0]
        out_per, in_per = scatter.out_per_group, scatter.in_per_group
        groups = {c // out_per for c in region.channels}
        chans = tuple(c for g in sorted(groups) for c in range(g * in_per, (g + 1) * in_per))
        return Region(_span(rows, h), _span(cols, w), chans)
    window = (
        cast("DeformTrace", trace).window
        if op.type == "deform_conv2d"
        else cast("WindowTrace", trace)
    )
    rows = window.rows[r0:r1]
    cols = window.cols[c0:c1]
    if op.type in ("max_pool2d", "avg_pool2d"):
        chans = region.channels
    else:
        out_per, in_per = window.out_per_group, window.in_per_group
        groups = {c // out_per for c in region.channels}
        chans = tuple(c for g in sorted(groups) for c in range(g * in_per, (g + 1) * in_per))
    return Region(_span(rows, h), _span(cols, w), chans)


def receptive_regions(ops: tuple[OpResult, ...]) -> list[Region]:
    """Regions of every tensor of the chain that the centre cell of channel 0 depends on.

    ``result[k]`` is the region of tensor k (0 = the input, len(ops) = the last output).
    """
    _, h, w = chw(ops[-1].output)
    oh, ow = h // 2, w // 2
    regions = [Region((oh, oh + 1), (ow, ow + 1), (0,))]
    for op in reversed(ops):
        regions.append(back_region(op, regions[-1]))
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


def _size_text(op: OpResult) -> str:
    field_ = op.receptive_field
    if field_.covers_input:
        return "the whole input"
    size = "×".join(f"{v:g}" for v in field_.size)
    return f"{size} input pixels"


def play_receptive(ctx: BuildContext) -> None:
    """Add the receptive-field mode at the end of a chain (when the spec asks for it)."""
    plan = ctx.plan
    if not getattr(ctx.animation, "receptive_field", False) or plan.spec.spatial_rank != 2:
        return
    clock = ctx.clock
    actor = ReceptiveActor("receptive", HUE)
    ctx.add_actor(actor)
    last = len(plan.ops)
    clock.then("camera", "view", 1.2, slots=list(range(last + 1)))
    regions = receptive_regions(plan.ops)
    _, h, w = chw(plan.ops[-1].output)
    cell = f"out[0,{h // 2},{w // 2}]"
    clock.add("caption", "caption", 0.0, text=f"receptive field of {cell}")
    for k in range(last, -1, -1):
        region = regions[k]
        rows, cols = region.rows, region.cols
        if k == 0:
            text = f"{cell} depends on {_size_text(plan.ops[-1])}"
            clock.add("caption", "caption", 0.0, text=text)
        size = f"{rows[1] - rows[0]}×{cols[1] - cols[0]}"
        clock.then(
            "light", actor.id, STEP_SECONDS,
            block=f"t{k}", rows=list(rows), cols=list(cols),
            channels=_ranges(region.channels), label=size,
        )  # fmt: skip
    clock.wait(2.5)
