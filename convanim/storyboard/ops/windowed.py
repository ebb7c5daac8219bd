"""Sliding-window ops (conv2d in every form, max/avg pooling): a kernel sweeps the input."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, cast

import numpy as np

from convanim.spec.ops import op_def
from convanim.storyboard import closeup as cu
from convanim.storyboard import palette
from convanim.storyboard.common import chw, fmt_value
from convanim.storyboard.equations import Equation, pool_window, window_sum
from convanim.storyboard.ops.base import BuildContext, OpVisual
from convanim.storyboard.regions import Region, grouped_channels, window_region
from convanim.storyboard.timeline import KernelActor
from convanim.storyboard.words import Words

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

    def caption(self, op: OpResult, words: Words) -> str:
        """``depthwise conv 3×3``, ``pointwise conv 1×1``, ``group conv (g=2) 3×3``..."""
        conv = cast("Conv2dSpec", op.spec)
        kh, kw = conv.kernel_size
        groups = conv.groups
        cin = chw(op.input)[0]
        if groups == cin and groups > 1:
            name = words.depthwise
        elif (kh, kw) == (1, 1):
            name = words.pointwise if groups == 1 else words.pointwise_group.format(g=groups)
        elif groups > 1:
            name = words.group.format(g=groups)
        else:
            name = words.conv2d
        text = f"{name} {kh}×{kw}"
        dh, dw = tuple(conv.dilation)
        if (dh, dw) != (1, 1):
            text += words.dilation.format(d=dh if dh == dw else f"{dh}×{dw}")
        return text

    def equation(self, op: OpResult, co: int, oh: int, ow: int, words: Words) -> Equation:
        """The caption of one fully played step, with the real output value."""
        value = float(op.output[0, co, oh, ow])
        return window_sum((co, oh, ow), value, bias=op.bias is not None, words=words)

    def cell_title(self, op: OpResult, co: int, cell: tuple[int, ...]) -> str:
        """``out[0,1,2]``: the output value a close-up computes."""
        return f"out[{co},{','.join(str(v) for v in cell)}]"

    def closeup(self, op: OpResult, co: int, position: int, words: Words) -> cu.CloseupStep | None:
        """Window × kernel of output channel ``co`` at ``position``, channel by channel."""
        if op.weight is None:
            return None
        trace = cast("WindowTrace", op.trace)
        return self.window_closeup(op, trace, op.input[0], op.weight, co, position, words)

    def window_closeup(
        self,
        op: OpResult,
        trace: WindowTrace,
        x: np.ndarray,
        weight: np.ndarray,
        co: int,
        position: int,
        words: Words,
    ) -> cu.CloseupStep:
        """The close-up of a sliding window over ``x`` (C, H, W) with ``weight`` (O, C/g, kh, kw).

        The window's values come from the trace's flat indices (padding cells read 0).
        """
        oh, ow = divmod(position, trace.output_size[1])
        flat = trace.flat_indices()[oh, ow]
        channels = trace.input_channels(co)
        planes = np.asarray(x)[channels.start : channels.stop].reshape(len(channels), -1)
        padded = np.broadcast_to(flat < 0, (len(channels), *flat.shape))
        values = np.where(padded, 0.0, planes[:, np.maximum(flat, 0)])
        bias = None if op.bias is None else float(op.bias[co])
        labels = [words.closeup["channel"].format(c=c) for c in channels]
        return cu.products_step(
            self.cell_title(op, co, (oh, ow)),
            co,
            (oh, ow),
            labels,
            values,
            np.asarray(padded),
            np.asarray(weight)[co].reshape(len(channels), *flat.shape),
            bias,
            float(op.output[0, co, oh, ow]),
            words=words.closeup,
        )

    def closeup_actor(
        self, ctx: BuildContext, op: OpResult, out_id: str, co: int, full: int
    ) -> cu.CloseupActor | None:
        """The close-up panel of the first ``animation.closeup`` of the ``full`` positions."""
        count = min(ctx.pacing.closeups, full)
        positions = int(np.prod([int(v) for v in op.output.shape[2:]]))
        steps = []
        for p in range(min(count, positions)):
            step = self.closeup(op, co, p, ctx.words)
            if step is None:
                return None
            steps.append(step)
        if not steps:
            return None
        groups = self.groups(op)
        hue = palette.group_hue(co // max(1, chw(op.output)[0] // groups), groups)
        timing = cu.timing(op.index == 0, ctx.pacing.quick_closeups)
        actor = cu.CloseupActor(
            id=f"closeup{op.index}",
            op=op.index,
            output=out_id,
            value_hue=hue,
            weight_hue=palette.KERNEL_HUE,
            steps=tuple(steps),
            plans=tuple(cu.plan(step, timing) for step in steps),
            words=cu.panel_words(ctx.words.closeup),
        )
        ctx.add_actor(actor)
        return actor

    def closeup_step(
        self,
        ctx: BuildContext,
        op: OpResult,
        actor_id: str,
        panel: cu.CloseupActor,
        fallback: FullStep,
        caption: Callable[[int, int], Equation] | None = None,
    ) -> FullStep:
        """A fully played position with its close-up: the kernel stays on the window, beams
        shown, while the panel plays the arithmetic; the output cell is revealed as the result
        lands. Positions past the panel's steps play as ``fallback``."""
        clock, pacing = ctx.clock, ctx.pacing
        ids = {a.id for a in ctx.actors}
        overlays = [
            o for o in (f"table{op.index}", f"formula{op.index}", f"counts{op.index}") if o in ids
        ]

        def full_step(co: int, p: int, common: dict[str, object]) -> None:
            if p >= len(panel.steps) or co != panel.steps[p].out_channel:
                fallback(co, p, common)
                return
            start = clock.now
            move = pacing.full_step * 0.45
            clock.now = start + move
            length = cu.schedule(clock, panel, p, overlays)
            clock.now = start
            clock.then(
                "sweep", actor_id, move + length,
                first=p, count=1, visits=1, detail=True,
                hold=round((move + length - pacing.full_step) / (move + length), 6), **common,
            )  # fmt: skip
            if caption is not None:
                # The step's equation stays on the caption line once the panel has gone.
                clock.add("caption", "caption", 0.0, **caption(co, p).data())

        return full_step

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
            return self.equation(op, co, oh, ow, ctx.words)

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

    def caption(self, op: OpResult, words: Words) -> str:
        """``max_pool2d 2×2`` (or the language's name of the pooling)."""
        kh, kw = cast("MaxPool2dSpec | AvgPool2dSpec", op.spec).kernel_size
        reduction = cast("PoolDef", op_def(op.spec)).reduction
        return f"{words.op_name(words.pool_names, reduction, op.type)} {kh}×{kw}"

    def equation(self, op: OpResult, co: int, oh: int, ow: int, words: Words) -> Equation:
        """``max(window)`` or ``mean(window)`` with the real value."""
        name = cast("PoolDef", op_def(op.spec)).reduction
        return pool_window((co, oh, ow), float(op.output[0, co, oh, ow]), name, words)

    def closeup(self, op: OpResult, co: int, position: int, words: Words) -> cu.CloseupStep | None:
        """The window of channel ``co`` and its maximum, or its mean as sum ÷ count."""
        trace = cast("WindowTrace", op.trace)
        oh, ow = divmod(position, trace.output_size[1])
        flat = trace.flat_indices()[oh, ow]
        padded = flat < 0
        values = np.where(padded, 0.0, np.asarray(op.input[0, co]).reshape(-1)[np.maximum(flat, 0)])
        result = float(op.output[0, co, oh, ow])
        reduction = cast("PoolDef", op_def(op.spec)).reduction
        title = self.cell_title(op, co, (oh, ow))
        label = words.closeup["channel"].format(c=co)
        divisor, note = 0, ""
        if reduction == "max":
            inside = np.where(padded, -np.inf, values)
            pick = int(np.argmax(inside))
            total = float(inside.reshape(-1)[pick])
        else:
            pick = -1
            total = float(values.sum())
            divisor, note = self._divisor(op, trace, oh, ow, words)
        term = cu.CloseupTerm(
            label=label, values=cu.grid(values), padded=cu.mask(padded), weights=None,
            products=None, total=total, pick=pick,
        )  # fmt: skip
        return cu.CloseupStep(
            mode="max" if reduction == "max" else "mean",
            title=title, out_channel=co, cell=(oh, ow), terms=(term,), rest_count=0,
            rest_total=0.0, rest_label="", bias=None, result=result,
            approx=fmt_value(total / divisor if divisor else total) != fmt_value(result),
            divisor=divisor, divisor_label=note,
        )  # fmt: skip

    def _divisor(
        self, op: OpResult, trace: WindowTrace, oh: int, ow: int, words: Words
    ) -> tuple[int, str]:
        """The count a mean divides by, and the words saying whether padding counts."""
        spec = op.spec
        override = getattr(spec, "divisor_override", None)
        if override:
            return int(override), ""
        rows, cols = trace.window(oh, ow)
        h, w = trace.input_size
        top, bottom, left, right = trace.padding
        inside = trace.in_bounds(oh, ow)
        if not bool(getattr(spec, "count_include_pad", True)):
            note = words.closeup["padding_skipped"] if not inside.all() else ""
            return int(inside.sum()), note
        r_ok = (rows >= -top) & (rows < h + bottom)
        c_ok = (cols >= -left) & (cols < w + right)
        counted = int(r_ok.sum()) * int(c_ok.sum())
        return counted, (words.closeup["padding_counts"] if not inside.all() else "")

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
