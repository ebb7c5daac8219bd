"""deform_conv2d: a regular grid, learned offsets, bilinear sampling, then the weighted sum.

For the first output positions the story plays in four beats (one ``deform`` event each, phases
by share of its duration, see :data:`PHASES`): the regular kh×kw grid of sampling points on the
input, the learned offsets as arrows moving each point to its fractional place, the four bilinear
neighbours of every point lit by their weights, and (a one-position ``sweep``) the weighted sum
revealing the output cell. The rest of the positions fast-forward with their sampling points.
Everything comes from the engine's :class:`~convanim.engine.trace.DeformTrace` (offset group 0,
batch 0): the event data carries the grid, the points, the corners and their weights.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, cast

import numpy as np

from convanim.storyboard import closeup as cu
from convanim.storyboard import palette
from convanim.storyboard.arrays import ArrayData
from convanim.storyboard.common import chw
from convanim.storyboard.equations import Equation, deform_sum
from convanim.storyboard.ops.base import BuildContext
from convanim.storyboard.ops.windowed import WindowedVisual, _window_back_region
from convanim.storyboard.regions import Region
from convanim.storyboard.timeline import actor_kind
from convanim.storyboard.words import Words

if TYPE_CHECKING:
    from convanim.engine import OpResult
    from convanim.engine.trace import DeformTrace

PHASES = (("grid", 0.0), ("offsets", 0.28), ("bilinear", 0.6))
"""Beat of a ``deform`` event and the share of its duration at which it starts."""
STEP_SECONDS = 3.6
"""Duration of the grid/offsets/bilinear beats of one fully played position."""
FULL_POSITIONS = 2
"""Positions played beat by beat (unless the spec sets ``animation.full_positions``)."""


@actor_kind
@dataclass(frozen=True)
class DeformActor:
    """Sampling points of op ``op`` drawn on block ``block``, summed into block ``output``.

    The engine's sampling of every output position (offset group 0, batch 0), K = kh * kw taps:
    ``grid`` (Ho, Wo, K, 2) the regular grid points (y, x), ``points`` (Ho, Wo, K, 2) the points
    actually sampled, ``corners`` (Ho, Wo, K, 4, 2) their four integer neighbours and
    ``weights`` (Ho, Wo, K, 4) the bilinear weights of those.
    """

    id: str
    block: str
    output: str
    op: int
    kernel: tuple[int, int]
    hue: str
    grid: ArrayData
    points: ArrayData
    corners: ArrayData
    weights: ArrayData
    kind: str = field(default="deform", init=False)


def _r(v: float) -> float:
    return round(float(v), 4)


class DeformVisual(WindowedVisual):
    """Sampling points, offsets and bilinear neighbours, position by position."""

    def padding(self, op: OpResult) -> tuple[int, int, int, int]:
        """The padding of the regular windows (top, bottom, left, right)."""
        t, b, left, right = (int(p) for p in cast("DeformTrace", op.trace).window.padding)
        return (t, b, left, right)

    def back_region(self, op: OpResult, region: Region) -> Region:
        """The regular grid's windows (offsets are data: the nominal field is shown)."""
        return _window_back_region(op, cast("DeformTrace", op.trace).window, region)

    def caption(self, op: OpResult, words: Words) -> str:
        """``deformable conv 3×3``."""
        kh, kw = cast("DeformTrace", op.trace).window.kernel
        return f"{words.deformable} {kh}×{kw}"

    def step_data(self, op: OpResult, co: int, oh: int, ow: int) -> dict[str, object]:
        """The engine's grid, sampling points, corners and weights of one output position."""
        trace = cast("DeformTrace", op.trace)
        corners, weights = trace.corners()
        h, w = chw(op.input)[1:]
        data: dict[str, object] = {
            "cell": [oh, ow],
            "out_channel": co,
            "grid": [[_r(y), _r(x)] for y, x in trace.base[oh, ow]],
            "points": [[_r(y), _r(x)] for y, x in trace.points[0, 0, oh, ow]],
            "corners": [[[int(y), int(x)] for y, x in tap] for tap in corners[0, 0, oh, ow]],
            "weights": [[_r(v) for v in tap] for tap in weights[0, 0, oh, ow]],
            "inside": [
                [bool(0 <= y < h and 0 <= x < w) for y, x in tap] for tap in corners[0, 0, oh, ow]
            ],
        }
        mask = trace.mask
        if mask is not None:
            data["mask"] = [_r(v) for v in mask[0, 0, oh, ow]]
        return data

    def closeup(self, op: OpResult, co: int, position: int, words: Words) -> cu.CloseupStep | None:
        """How one tap is sampled (four neighbours, bilinear weights), then sampled values ×
        weights, channel by channel, as for a regular window."""
        if op.weight is None:
            return None
        trace = cast("DeformTrace", op.trace)
        window = trace.window
        oh, ow = divmod(position, window.output_size[1])
        kh, kw = (int(v) for v in window.kernel)
        corners, weights = trace.corners()
        x = np.asarray(op.input[0])
        _, h, w = x.shape
        channels = window.input_channels(co)
        sampled = np.zeros((len(channels), kh * kw))
        for n, ci in enumerate(channels):
            g = trace.offset_group_of_input(ci)
            cy, cx = corners[0, g, oh, ow, :, :, 0], corners[0, g, oh, ow, :, :, 1]  # (K, 4)
            inside = (cy >= 0) & (cy < h) & (cx >= 0) & (cx < w)
            near = np.where(inside, x[ci, np.clip(cy, 0, h - 1), np.clip(cx, 0, w - 1)], 0.0)
            y, xx = trace.points[0, g, oh, ow, :, 0], trace.points[0, g, oh, ow, :, 1]
            valid = (y > -1) & (y < h) & (xx > -1) & (xx < w)
            value = np.where(valid, (near * weights[0, g, oh, ow]).sum(axis=1), 0.0)
            if trace.mask is not None:
                value = value * trace.mask[0, g, oh, ow]
            sampled[n] = value
        kernel = np.asarray(op.weight)[co].reshape(len(channels), kh, kw)
        labels = [words.closeup["channel"].format(c=c) for c in channels]
        step = cu.products_step(
            self.cell_title(op, co, (oh, ow)),
            co,
            (oh, ow),
            labels,
            sampled.reshape(len(channels), kh, kw),
            np.zeros((len(channels), kh, kw), dtype=bool),
            kernel,
            None if op.bias is None else float(op.bias[co]),
            float(op.output[0, co, oh, ow]),
            words=words.closeup,
        )
        # The tap told in full: the centre one, of the first channel.
        ci, k = channels.start, (kh * kw) // 2
        g = trace.offset_group_of_input(ci)
        cy, cx = corners[0, g, oh, ow, k, :, 0], corners[0, g, oh, ow, k, :, 1]
        inside = (cy >= 0) & (cy < h) & (cx >= 0) & (cx < w)
        near = np.where(inside, x[ci, np.clip(cy, 0, h - 1), np.clip(cx, 0, w - 1)], 0.0)
        py, px = (float(v) for v in trace.points[0, g, oh, ow, k])
        m = None if trace.mask is None else float(trace.mask[0, g, oh, ow, k])
        sample = cu.CloseupSample(
            label=words.closeup["tap"].format(k=k, y=f"{py:.2f}", x=f"{px:.2f}"),
            corners=tuple(float(v) for v in near),
            weights=tuple(float(v) for v in weights[0, g, oh, ow, k]),
            inside=tuple(bool(v) for v in inside),
            mask=m,
            value=float(sampled[0, k]),
        )
        return replace(step, sample=sample)

    def equation(self, op: OpResult, co: int, oh: int, ow: int, words: Words) -> Equation:
        """The weighted sum of one position, with the real output value."""
        return deform_sum(
            (co, oh, ow),
            float(op.output[0, co, oh, ow]),
            bias=op.bias is not None,
            mask=cast("DeformTrace", op.trace).mask is not None,
        )

    def play(self, ctx: BuildContext, op: OpResult, in_id: str, out_id: str) -> None:
        """Beats of the first positions, then a fast sweep; other channels fill at once."""
        clock, pacing = ctx.clock, ctx.pacing
        trace = cast("DeformTrace", op.trace)
        kh, kw = (int(v) for v in trace.window.kernel)
        corners, weights = trace.corners()
        actor = DeformActor(
            id=f"deform{op.index}",
            block=in_id,
            output=out_id,
            op=op.index,
            kernel=(kh, kw),
            hue=palette.KERNEL_HUE,
            grid=ArrayData.of(trace.base),
            points=ArrayData.of(trace.points[0, 0]),
            corners=ArrayData.of(corners[0, 0], "int64"),
            weights=ArrayData.of(weights[0, 0]),
        )
        ctx.add_actor(actor)
        out_w = chw(op.output)[2]
        explicit = "full_positions" in ctx.animation.model_fields_set
        full = pacing.full_positions if explicit else min(FULL_POSITIONS, pacing.full_positions)

        def full_step(co: int, p: int, common: dict[str, object]) -> None:
            oh, ow = divmod(p, out_w)
            step = STEP_SECONDS * (1.0 if p == 0 else 0.7)
            words = ctx.words
            texts = (
                words.deform_grid.format(kh=kh, kw=kw, target=f"out[{co},{oh},{ow}]"),
                words.deform_offsets,
                words.deform_bilinear,
            )
            for (_, share), text in zip(PHASES, texts, strict=True):
                clock.add("caption", "caption", 0.0, at=clock.now + step * share, text=text)
            clock.then("deform", actor.id, step, **self.step_data(op, co, oh, ow))
            if close is not None and p < len(panel.steps if panel else ()):
                close(co, p, common)
                return
            equation = self.equation(op, co, oh, ow, ctx.words)
            clock.add("caption", "caption", 0.0, **equation.data())
            clock.then(
                "sweep", actor.id, pacing.full_step * 1.2,
                first=p, count=1, visits=1, detail=True, **common,
            )  # fmt: skip

        def eq(co: int, p: int) -> Equation:
            return self.equation(op, co, *divmod(p, out_w), ctx.words)

        swept = self.swept_channels(ctx, op)
        panel = self.closeup_actor(ctx, op, out_id, swept[0], full) if swept else None
        close = None
        if panel is not None:
            close = self.closeup_step(ctx, op, actor.id, panel, full_step, eq)

        self.play_sweeps(
            ctx,
            op,
            actor.id,
            in_id,
            out_id,
            full=full,
            full_step=full_step,
            fast_step=pacing.fast_step * 2.5,
        )
