"""conv3d: a 3-D kernel moves through a row of C volumes in depth, height and width.

The input (C, D, H, W) is drawn as C volumes of D×H×W cubes side by side (depth running away from
the viewer). The kernel is a kd×kh×kw box standing in every input volume its group reads, at the
same (d, h, w) window; the values under all of them sum into one cube of one output volume. The
kernel visits the output positions in raster order (depth slowest, then rows, then columns): the
first few in full with the step's equation, the rest fast-forwarded.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, cast

import numpy as np

from convanim.storyboard import closeup as cu
from convanim.storyboard import palette
from convanim.storyboard.equations import Equation, window_sum
from convanim.storyboard.ops.base import BuildContext
from convanim.storyboard.ops.windowed import WindowedVisual
from convanim.storyboard.timeline import actor_kind
from convanim.storyboard.words import Words

if TYPE_CHECKING:
    from convanim.engine import OpResult
    from convanim.engine.trace import Volume3DTrace


@actor_kind
@dataclass(frozen=True)
class Kernel3DActor:
    """A kd×kh×kw kernel moving through the volumes of block ``block``.

    ``padding`` is (front, back, top, bottom, left, right); ``channel_ranges[g]`` the input
    channels (volumes) group g reads.
    """

    id: str
    block: str
    kernel: tuple[int, int, int]
    stride: tuple[int, int, int]
    dilation: tuple[int, int, int]
    padding: tuple[int, int, int, int, int, int]
    channel_ranges: tuple[tuple[int, int], ...]
    out_per_group: int
    group_hues: tuple[str, ...]
    kind: str = field(default="kernel3d", init=False)


def _triple(values: Iterable[int]) -> tuple[int, int, int]:
    a, b, c = (int(v) for v in values)
    return (a, b, c)


class Conv3dVisual(WindowedVisual):
    """The 3-D kernel sweeps the first output channel of each group; the rest fill at once."""

    def padding(self, op: OpResult) -> tuple[int, int, int, int]:
        """No 2-D padding ring: the volumes show padding as the kernel stepping outside them."""
        return (0, 0, 0, 0)

    def caption(self, op: OpResult, words: Words) -> str:
        """``conv3d 3×3×3`` (with the group count when grouped)."""
        kd, kh, kw = _triple(cast("Volume3DTrace", op.trace).kernel)
        groups = self.groups(op)
        name = words.conv3d if groups == 1 else words.group_conv3d.format(g=groups)
        return f"{name} {kd}×{kh}×{kw}"

    def equation3d(
        self, op: OpResult, co: int, od: int, oh: int, ow: int, words: Words
    ) -> Equation:
        """The caption of one fully played step, with the real output value."""
        trace = cast("Volume3DTrace", op.trace)
        kd, kh, kw = _triple(trace.kernel)
        cin = int(trace.in_per_group)
        value = float(op.output[0, co, od, oh, ow])
        return window_sum(
            (co, od, oh, ow),
            value,
            bias=op.bias is not None,
            words=words,
            template=words.step_sum_3d,
            size=(cin, kd, kh, kw),
        )

    def kernel3d_actor(self, op: OpResult, kernel_id: str, in_id: str) -> Kernel3DActor:
        """The kernel: taps, stride, dilation, padding, the volumes of each group, hues."""
        trace = cast("Volume3DTrace", op.trace)
        groups = self.groups(op)
        in_per = int(trace.in_per_group)
        pad = tuple(int(v) for v in trace.padding)
        return Kernel3DActor(
            id=kernel_id,
            block=in_id,
            kernel=_triple(trace.kernel),
            stride=_triple(trace.stride),
            dilation=_triple(trace.dilation),
            padding=(pad[0], pad[1], pad[2], pad[3], pad[4], pad[5]),
            channel_ranges=tuple((g * in_per, (g + 1) * in_per) for g in range(groups)),
            out_per_group=int(trace.out_per_group),
            group_hues=(
                tuple(palette.group_hue(g, groups) for g in range(groups))
                if groups > 1
                else (palette.KERNEL_HUE,)
            ),
        )

    def closeup(self, op: OpResult, co: int, position: int, words: Words) -> cu.CloseupStep | None:
        """Window × kernel one depth slice of one channel at a time (kh×kw grids)."""
        if op.weight is None:
            return None
        trace = cast("Volume3DTrace", op.trace)
        od, oh, ow = (int(v) for v in np.unravel_index(position, trace.output_size))
        flat = trace.flat_indices()[od, oh, ow]  # (kd, kh, kw)
        channels = trace.input_channels(co)
        planes = np.asarray(op.input[0])[channels.start : channels.stop].reshape(len(channels), -1)
        kd = flat.shape[0]
        padded = np.broadcast_to(flat < 0, (len(channels), *flat.shape))
        values = np.where(padded, 0.0, planes[:, np.maximum(flat, 0)])
        weights = np.asarray(op.weight)[co]  # (C/g, kd, kh, kw)
        depths = trace.depths[od]
        labels = [
            words.closeup["slice"].format(c=c, d=int(depths[d]))
            for c in channels
            for d in range(kd)
        ]
        shape = (len(channels) * kd, *flat.shape[1:])
        return cu.products_step(
            self.cell_title(op, co, (od, oh, ow)),
            co,
            (od, oh, ow),
            labels,
            values.reshape(shape),
            np.asarray(padded).reshape(shape),
            weights.reshape(shape),
            None if op.bias is None else float(op.bias[co]),
            float(op.output[0, co, od, oh, ow]),
            rest_word="more_slices",
            words=words.closeup,
        )

    def play(self, ctx: BuildContext, op: OpResult, in_id: str, out_id: str) -> None:
        """Show the kernel, sweep the chosen output volumes, fill the others, hide the kernel."""
        pacing = ctx.pacing
        kernel = self.kernel3d_actor(op, f"k{op.index}", in_id)
        ctx.add_actor(kernel)
        spatial = [int(v) for v in op.output.shape[2:]]

        def text(co: int, p: int) -> Equation:
            od, oh, ow = (int(v) for v in np.unravel_index(p, spatial))
            return self.equation3d(op, co, od, oh, ow, ctx.words)

        full_step = self.equation_step(ctx, kernel.id, text)
        swept = self.swept_channels(ctx, op)
        panel = (
            self.closeup_actor(ctx, op, out_id, swept[0], pacing.full_positions) if swept else None
        )
        if panel is not None:
            full_step = self.closeup_step(ctx, op, kernel.id, panel, full_step, text)
        self.play_sweeps(
            ctx,
            op,
            kernel.id,
            in_id,
            out_id,
            full=pacing.full_positions,
            full_step=full_step,
            fast_step=pacing.fast_step,
            pace=1.5,
        )
