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

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, cast

from convanim.storyboard import palette
from convanim.storyboard.arrays import ArrayData
from convanim.storyboard.common import chw
from convanim.storyboard.equations import Equation, deform_sum
from convanim.storyboard.ops.base import BuildContext
from convanim.storyboard.ops.windowed import WindowedVisual, _window_back_region
from convanim.storyboard.regions import Region
from convanim.storyboard.timeline import actor_kind

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

    def caption(self, op: OpResult) -> str:
        """``deformable conv 3×3``."""
        kh, kw = cast("DeformTrace", op.trace).window.kernel
        return f"deformable conv {kh}×{kw}"

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

    def equation(self, op: OpResult, co: int, oh: int, ow: int) -> Equation:
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
            texts = (
                f"regular {kh}×{kw} grid of out[{co},{oh},{ow}]",
                "+ learned offsets Δp_k (fractional)",
                "bilinear: each point mixes its 4 neighbours",
            )
            for (_, share), text in zip(PHASES, texts, strict=True):
                clock.add("caption", "caption", 0.0, at=clock.now + step * share, text=text)
            clock.then("deform", actor.id, step, **self.step_data(op, co, oh, ow))
            equation = self.equation(op, co, oh, ow)
            clock.add("caption", "caption", 0.0, text=equation.text, tex=equation.tex)
            clock.then(
                "sweep", actor.id, pacing.full_step * 1.2,
                first=p, count=1, visits=1, detail=True, **common,
            )  # fmt: skip

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
