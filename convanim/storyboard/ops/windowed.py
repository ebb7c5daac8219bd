"""Sliding-window ops (conv2d in every form, max/avg pooling): a kernel sweeps the input."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from convanim.storyboard import palette
from convanim.storyboard.common import chw, fmt_value
from convanim.storyboard.ops.base import BuildContext, OpVisual
from convanim.storyboard.timeline import KernelActor

if TYPE_CHECKING:
    from convanim.engine import OpResult
    from convanim.engine.trace import WindowTrace
    from convanim.spec.models import AvgPool2dSpec, Conv2dSpec, MaxPool2dSpec


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
        spec = cast("Conv2dSpec | MaxPool2dSpec | AvgPool2dSpec", op.spec)
        kh, kw = spec.kernel_size
        if op.type != "conv2d":
            return f"{op.type} {kh}×{kw}"
        conv = cast("Conv2dSpec", spec)
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

    def equation(self, op: OpResult, co: int, oh: int, ow: int) -> str:
        """The caption of one fully played step, with the real output value."""
        value = fmt_value(float(op.output[0, co, oh, ow]))
        target = f"out[{co},{oh},{ow}]"
        bias = " + b" if op.bias is not None else ""
        return f"{target} = Σ window × kernel{bias} = {value}"

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

    def play(self, ctx: BuildContext, op: OpResult, in_id: str, out_id: str) -> None:
        """Show the kernel, sweep the chosen channels, fill the others, hide the kernel."""
        clock, pacing = ctx.clock, ctx.pacing
        kernel = self.kernel_actor(op, f"k{op.index}", in_id)
        ctx.add_actor(kernel)
        clock.then("show", kernel.id, pacing.kernel_show)
        out_c, out_h, out_w = chw(op.output)
        positions = out_h * out_w
        swept = self.swept_channels(ctx, op)
        full = max(0, min(pacing.full_positions, positions))
        for n, co in enumerate(swept):
            common = dict(input=in_id, output=out_id, out_channel=co)
            start = 0
            if n == 0 and full > 0:
                for p in range(full):
                    oh, ow = divmod(p, out_w)
                    clock.add(
                        "caption",
                        "caption",
                        0.0,
                        at=clock.now + pacing.full_step * 0.35,
                        text=self.equation(op, co, oh, ow),
                    )
                    clock.then(
                        "sweep", kernel.id, pacing.full_step,
                        first=p, count=1, visits=1, detail=True, **common,
                    )  # fmt: skip
                clock.add("caption", "caption", 0.0, text="")
                start = full
            rest = positions - start
            if rest > 0:
                budget = pacing.fast_max if n == 0 else pacing.other_group_max
                duration = min(rest * pacing.fast_step, budget)
                visits = max(1, min(rest, int(round(duration / pacing.fast_step))))
                clock.then(
                    "sweep", kernel.id, duration,
                    first=start, count=rest, visits=visits, detail=False, **common,
                )  # fmt: skip
        remaining = [c for c in range(out_c) if c not in swept]
        if remaining:
            clock.then("fill", out_id, pacing.fill, channels=remaining)
        clock.then("hide", kernel.id, pacing.kernel_show)


class PoolVisual(WindowedVisual):
    """Pooling: per-channel windows (channels do not mix); the kernel is one channel deep."""

    def groups(self, op: OpResult) -> int:
        """Pooling has no channel groups to colour."""
        return 1

    def equation(self, op: OpResult, co: int, oh: int, ow: int) -> str:
        """``max(window)`` or ``mean(window)`` with the real value."""
        value = fmt_value(float(op.output[0, co, oh, ow]))
        name = "max" if op.type == "max_pool2d" else "mean"
        return f"out[{co},{oh},{ow}] = {name}(window) = {value}"

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
