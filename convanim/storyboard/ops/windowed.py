"""Sliding-window ops (conv2d in every form, max/avg pooling): a kernel sweeps the input."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, cast

import numpy as np

from convanim.spec.ops import op_def
from convanim.storyboard import palette
from convanim.storyboard.common import chw
from convanim.storyboard.equations import Equation, pool_window, window_sum
from convanim.storyboard.ops.base import BuildContext, OpVisual
from convanim.storyboard.regions import Region, grouped_channels, window_region
from convanim.storyboard.timeline import KernelActor

if TYPE_CHECKING:
    from convanim.engine import OpResult
    from convanim.engine.trace import WindowTrace
    from convanim.spec.models import AvgPool2dSpec, Conv2dSpec, MaxPool2dSpec
    from convanim.spec.ops.pool import PoolDef

FullStep = Callable[[int, int, dict[str, object]], None]
"""Schedules one fully played position: ``full_step(out_channel, position, sweep_common)``."""


class WindowedVisual(OpVisual):
    """A kernel box sweeps the first output channel of each group; other channels fill at once.

    The first ``pacing.full_positions`` positions play in full (beams, the equation of the
    step); the rest fast-forward within a time budget, visiting evenly spaced positions.
    """

    def padding(self, op: OpResult) -> tuple[int, int, int, int]:
        """The op's real padding, as the trace records it (asymmetric for ``same``)."""
        top, bottom, left, right = (int(p) for p in cast("WindowTrace", op.trace).padding)
        return (top, bottom, left, right)

    def caption(self, op: OpResult) -> str:
        """``depthwise conv 3×3``, ``pointwise conv 1×1``, ``group conv (g=2) 3×3``..."""
        conv = cast("Conv2dSpec", op.spec)
        kh, kw = conv.kernel_size
        groups = conv.groups
        cin = chw(op.input)[0]
        if groups == cin and groups > 1:
            name = "depthwise conv"
        elif (kh, kw) == (1, 1):
            name = "pointwise conv" if groups == 1 else f"pointwise group conv (g={groups})"
        elif groups > 1:
            name = f"group conv (g={groups})"
        else:
            name = "conv2d"
        text = f"{name} {kh}×{kw}"
        dh, dw = tuple(conv.dilation)
        if (dh, dw) != (1, 1):
            text += f", dilation {dh}" if dh == dw else f", dilation {dh}×{dw}"
        return text

    def equation(self, op: OpResult, co: int, oh: int, ow: int) -> Equation:
        """The caption of one fully played step, with the real output value."""
        value = float(op.output[0, co, oh, ow])
        return window_sum((co, oh, ow), value, bias=op.bias is not None)

    def kernel_actor(self, op: OpResult, kernel_id: str, in_id: str) -> KernelActor:
        """The kernel: taps, stride, dilation, the input channels of each group, group hues."""
        trace = cast("WindowTrace", op.trace)
        groups = self.groups(op)
        in_c = chw(op.input)[0]
        in_per = in_c // groups
        return KernelActor(
            id=kernel_id,
            block=in_id,
            kernel=(int(trace.kernel[0]), int(trace.kernel[1])),
            stride=(int(trace.stride[0]), int(trace.stride[1])),
            dilation=(int(trace.dilation[0]), int(trace.dilation[1])),
            padding=self.padding(op),
            channel_ranges=tuple((g * in_per, (g + 1) * in_per) for g in range(groups)),
            out_per_group=chw(op.output)[0] // groups,
            group_hues=(
                tuple(palette.group_hue(g, groups) for g in range(groups))
                if groups > 1
                else (palette.KERNEL_HUE,)
            ),
        )

    def swept_channels(self, ctx: BuildContext, op: OpResult) -> list[int]:
        """Output channels the kernel sweeps, from ``animation.channels``."""
        out_c = chw(op.output)[0]
        groups = self.groups(op)
        per = out_c // groups
        setting = ctx.animation.channels
        if setting == "first":
            return [g * per for g in range(min(groups, ctx.pacing.max_swept_groups))]
        if setting == "all":
            return list(range(out_c))
        return [c for c in setting if 0 <= c < out_c]

    def back_region(self, op: OpResult, region: Region) -> Region:
        """The input region under the windows of ``region``, every channel its groups read."""
        return _window_back_region(op, cast("WindowTrace", op.trace), region)

    def play(self, ctx: BuildContext, op: OpResult, in_id: str, out_id: str) -> None:
        """Show the kernel, sweep the chosen channels, fill the others, hide the kernel."""
        pacing = ctx.pacing
        kernel = self.kernel_actor(op, f"k{op.index}", in_id)
        ctx.add_actor(kernel)
        out_w = chw(op.output)[2]

        def text(co: int, p: int) -> Equation:
            oh, ow = divmod(p, out_w)
            return self.equation(op, co, oh, ow)

        self.play_sweeps(
            ctx,
            op,
            kernel.id,
            in_id,
            out_id,
            full=pacing.full_positions,
            full_step=self.equation_step(ctx, kernel.id, text),
            fast_step=pacing.fast_step,
        )

    def equation_step(
        self, ctx: BuildContext, actor_id: str, equation: Callable[[int, int], Equation]
    ) -> FullStep:
        """A fully played position: one ``sweep`` step, captioned with its equation.

        Parameters
        ----------
        ctx : BuildContext
            The build context (its clock and pacing).
        actor_id : str
            The kernel that sweeps.
        equation : callable
            ``equation(out_channel, position)``: the caption of that step.

        Returns
        -------
        FullStep
            For :meth:`play_sweeps`.
        """
        clock, pacing = ctx.clock, ctx.pacing

        def full_step(co: int, p: int, common: dict[str, object]) -> None:
            clock.add(
                "caption",
                "caption",
                0.0,
                at=clock.now + pacing.full_step * 0.35,
                **equation(co, p).data(),
            )
            clock.then(
                "sweep", actor_id, pacing.full_step,
                first=p, count=1, visits=1, detail=True, **common,
            )  # fmt: skip

        return full_step

    def play_sweeps(
        self,
        ctx: BuildContext,
        op: OpResult,
        actor_id: str,
        in_id: str,
        out_id: str,
        *,
        full: int,
        full_step: FullStep,
        fast_step: float,
        pace: float = 1.0,
    ) -> None:
        """Show actor ``actor_id``, sweep the chosen output channels, fill the others, hide it.

        The first swept channel plays its first ``full`` positions through ``full_step`` (clipped
        to the number of output positions), then every swept channel fast-forwards the rest of
        its positions within a time budget, visiting evenly spaced positions.

        Parameters
        ----------
        ctx, op, in_id, out_id
            The build context, the op, and the ids of its input and output blocks.
        actor_id
            The id of the kernel-like actor that sweeps (added to the timeline by the caller).
        full
            Positions of the first swept channel to play in full.
        full_step
            ``full_step(co, p, common)`` schedules fully played position ``p`` of output channel
            ``co``; ``common`` holds the ``input``, ``output`` and ``out_channel`` of its sweep.
        fast_step
            Seconds per fast-forwarded position (before ``pace``).
        pace
            Multiplies the fast-forward step and the first channel's time budget.
        """
        clock, pacing = ctx.clock, ctx.pacing
        clock.then("show", actor_id, pacing.kernel_show)
        out_c, *spatial = (int(v) for v in op.output.shape[1:])
        positions = int(np.prod(spatial))
        swept = self.swept_channels(ctx, op)
        full = max(0, min(full, positions))
        for n, co in enumerate(swept):
            common: dict[str, object] = dict(input=in_id, output=out_id, out_channel=co)
            start = 0
            if n == 0 and full > 0:
                for p in range(full):
                    full_step(co, p, common)
                clock.add("caption", "caption", 0.0, text="")
                start = full
            rest = positions - start
            if rest > 0:
                budget = pacing.fast_max * pace if n == 0 else pacing.other_group_max
                duration = min(rest * fast_step * pace, budget)
                visits = max(1, min(rest, int(round(duration / (fast_step * pace)))))
                clock.then(
                    "sweep", actor_id, duration,
                    first=start, count=rest, visits=visits, detail=False, **common,
                )  # fmt: skip
        remaining = [c for c in range(out_c) if c not in swept]
        if remaining:
            clock.then("fill", out_id, pacing.fill, channels=remaining)
        clock.then("hide", actor_id, pacing.kernel_show)


def _window_back_region(op: OpResult, window: WindowTrace, region: Region) -> Region:
    """The input region under the windows of ``region``, every channel of the groups it reads."""
    channels = grouped_channels(region.channels, window.out_per_group, window.in_per_group)
    return window_region(window.rows, window.cols, region, chw(op.input)[1:], channels)


class PoolVisual(WindowedVisual):
    """Pooling: per-channel windows (channels do not mix); the kernel is one channel deep."""

    def groups(self, op: OpResult) -> int:
        """Pooling has no channel groups to colour."""
        return 1

    def caption(self, op: OpResult) -> str:
        """``max_pool2d 2×2``."""
        kh, kw = cast("MaxPool2dSpec | AvgPool2dSpec", op.spec).kernel_size
        return f"{op.type} {kh}×{kw}"

    def equation(self, op: OpResult, co: int, oh: int, ow: int) -> Equation:
        """``max(window)`` or ``mean(window)`` with the real value."""
        name = cast("PoolDef", op_def(op.spec)).reduction
        return pool_window((co, oh, ow), float(op.output[0, co, oh, ow]), name)

    def back_region(self, op: OpResult, region: Region) -> Region:
        """The windows' rows and columns, in the same channels (pooling keeps them apart)."""
        window = cast("WindowTrace", op.trace)
        return window_region(window.rows, window.cols, region, chw(op.input)[1:], region.channels)

    def kernel_actor(self, op: OpResult, kernel_id: str, in_id: str) -> KernelActor:
        """A one-channel-deep window for each channel."""
        base = super().kernel_actor(op, kernel_id, in_id)
        in_c = chw(op.input)[0]
        return KernelActor(
            id=base.id,
            block=base.block,
            kernel=base.kernel,
            stride=base.stride,
            dilation=base.dilation,
            padding=base.padding,
            channel_ranges=tuple((c, c + 1) for c in range(in_c)),
            out_per_group=1,
            group_hues=(palette.KERNEL_HUE,),
        )

    def swept_channels(self, ctx: BuildContext, op: OpResult) -> list[int]:
        """The first channel is swept; pooling treats every channel alike."""
        setting = ctx.animation.channels
        if setting in ("first",):
            return [0]
        return super().swept_channels(ctx, op)
