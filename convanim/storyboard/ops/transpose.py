"""conv_transpose2d in two views, chosen by ``animation.transpose_view``.

``scatter``: every input element (all channels of its group at once) stamps the kernel, scaled
by its value, into a region of the output; overlapping stamps add up, so cells change as their
contributions arrive. The regions are the engine's (``op.trace.out_rows`` / ``out_cols``).

``direct``: the same result as an ordinary convolution: zeros are inserted between the inputs
(``stride - 1`` of them), the border is padded by ``dilation*(k-1) - padding`` (plus
``output_padding`` on the bottom/right), and the flipped kernel sweeps that dilated input with
stride 1, exactly as a conv2d sweep (``transpose_trace_of(op).direct``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from convanim.engine.trace import TransposeTrace, zero_insert
from convanim.storyboard import closeup as cu
from convanim.storyboard import palette
from convanim.storyboard.arrays import ArrayData
from convanim.storyboard.common import chw, dims, value_range
from convanim.storyboard.equations import (
    Equation,
    insert_zeros,
    pad_border,
    stamp,
    stamp_target,
    window_sum,
)
from convanim.storyboard.ops.base import BuildContext
from convanim.storyboard.ops.windowed import WindowedVisual
from convanim.storyboard.regions import Region, grouped_channels, span
from convanim.storyboard.timeline import BlockActor, Coloring, KernelActor, actor_kind
from convanim.storyboard.words import Words

if TYPE_CHECKING:
    from convanim.engine import OpResult

STAMP_SECONDS = 1.5
FAST_STAMP_SECONDS = 0.35
FAST_STAMP_BUDGET = 4.0


@actor_kind
@dataclass(frozen=True)
class ScatterActor:
    """Stamps of op ``op``'s kernel from block ``input`` into ``out_channel`` of ``output``.

    ``stamps`` (Hin * Win, kh, kw): what input position ``i * Win + j`` adds to the output
    channel, ``Σ_ci x[ci, i, j] * weight[ci, out_channel]`` over the channels of its group.
    ``out_rows`` (Hin, kh) and ``out_cols`` (Win, kw): the output rows and columns each input
    row and column stamps into (outside ``output_size`` where the padding cuts them off).
    """

    id: str
    op: int
    input: str
    output: str
    out_channel: int
    hue: str
    stamps: ArrayData
    out_rows: ArrayData
    out_cols: ArrayData
    output_size: tuple[int, int]
    kind: str = field(default="scatter", init=False)


def scatter_stamps(op: OpResult, out_channel: int) -> np.ndarray:
    """The stamps (Hin * Win, kh, kw) of every input position into one output channel."""
    trace = transpose_trace_of(op)
    group = out_channel // trace.out_per_group
    ipg = trace.in_per_group
    chans = slice(group * ipg, (group + 1) * ipg)
    x = np.asarray(op.input)[0, chans]  # (ipg, Hin, Win)
    w = np.asarray(op.weight)[chans, out_channel % trace.out_per_group]
    stamps: np.ndarray = np.einsum("chw,cab->hwab", x, w).reshape(-1, *w.shape[1:])
    return stamps


@actor_kind
@dataclass(frozen=True)
class HolesActor:
    """The zeros inserted between the inputs of ``block`` (every ``stride``-th cell is real)."""

    id: str
    block: str
    stride: tuple[int, int]
    kind: str = field(default="holes", init=False)


def transpose_trace_of(op: OpResult) -> TransposeTrace:
    """The op's trace, which for a conv_transpose2d is a :class:`TransposeTrace`."""
    trace = op.trace
    if not isinstance(trace, TransposeTrace):
        raise TypeError(f"ops[{op.index}] ({op.type}) has no transposed-conv trace")
    return trace


def _four(values: tuple[int, ...]) -> tuple[int, int, int, int]:
    """(top, bottom, left, right) as a typed 4-tuple."""
    top, bottom, left, right = (int(v) for v in values)
    return (top, bottom, left, right)


class TransposeVisual(WindowedVisual):
    """Scatter or direct view of a transposed convolution."""

    def padding(self, op: OpResult) -> tuple[int, int, int, int]:
        """The input itself is not padded (the direct view pads the zero-inserted copy)."""
        return (0, 0, 0, 0)

    def caption(self, op: OpResult, words: Words) -> str:
        """``transposed conv 3×3, stride 2``."""
        kh, kw = transpose_trace_of(op).kernel
        sh, sw = transpose_trace_of(op).stride
        stride = words.stride.format(s=sh) if sh == sw else words.stride_pair.format(sh=sh, sw=sw)
        return f"{words.transposed} {kh}×{kw}" + ("" if (sh, sw) == (1, 1) else stride)

    def input_coloring(self, op: OpResult) -> Coloring:
        """Input cells by value: each one's value scales the kernel it stamps."""
        channels = chw(op.input)[0]
        return Coloring("values", (palette.INPUT_HUE,) * channels, value_range(op.input))

    def kernel_actor(self, op: OpResult, kernel_id: str, in_id: str) -> KernelActor:
        """The direct view's kernel: stride 1 over the zero-inserted input, its border padding."""
        direct = transpose_trace_of(op).direct
        groups = int(direct.groups)
        return KernelActor(
            id=kernel_id,
            block=in_id,
            kernel=(int(direct.kernel[0]), int(direct.kernel[1])),
            stride=(int(direct.stride[0]), int(direct.stride[1])),
            dilation=(int(direct.dilation[0]), int(direct.dilation[1])),
            padding=_four(direct.padding),
            channel_ranges=tuple(
                (g * direct.in_per_group, (g + 1) * direct.in_per_group) for g in range(groups)
            ),
            out_per_group=int(direct.out_per_group),
            group_hues=(
                tuple(palette.group_hue(g, groups) for g in range(groups))
                if groups > 1
                else (palette.KERNEL_HUE,)
            ),
        )

    def back_region(self, op: OpResult, region: Region) -> Region:
        """The input elements whose stamps reach ``region``, every channel their groups read."""
        scatter = transpose_trace_of(op)
        (r0, r1), (c0, c1) = region.rows, region.cols
        rows = np.nonzero(((scatter.out_rows >= r0) & (scatter.out_rows < r1)).any(axis=1))[0]
        cols = np.nonzero(((scatter.out_cols >= c0) & (scatter.out_cols < c1)).any(axis=1))[0]
        _, h, w = chw(op.input)
        channels = grouped_channels(region.channels, scatter.out_per_group, scatter.in_per_group)
        return Region(span(rows, h), span(cols, w), channels)

    def closeup(self, op: OpResult, co: int, position: int, words: Words) -> cu.CloseupStep | None:
        """The direct view's window over the zero-inserted input × the flipped kernel."""
        trace = transpose_trace_of(op)
        x = zero_insert(np.asarray(op.input), trace.stride)[0]  # the direct trace pads it
        return self.window_closeup(op, trace.direct, x, trace.direct_weight, co, position, words)

    def scatter_closeup(self, op: OpResult, co: int, n: int, words: Words) -> cu.CloseupStep:
        """Input element ``n`` (raster order) stamping into output channel ``co``: its value(s)
        × the kernel = the stamp, then the output so far + the stamp = the output now."""
        trace = transpose_trace_of(op)
        hin, win = trace.input_size
        ho, wo = trace.output_size
        i, j = divmod(n, win)
        kh, kw = trace.kernel
        stamps = scatter_stamps(op, co)
        flat = trace.scatter_flat_indices().reshape(hin * win, kh, kw)
        so_far, hits = np.zeros(ho * wo), np.zeros(ho * wo, dtype=np.int64)
        earlier, reach = flat[:n], flat[:n] >= 0
        np.add.at(so_far, earlier[reach], stamps[:n][reach])
        np.add.at(hits, earlier[reach], 1)
        here = flat[n]
        inside = here >= 0
        stamp = stamps[n]
        before = np.where(inside, so_far[np.maximum(here, 0)], 0.0)
        count = np.where(inside, hits[np.maximum(here, 0)], 0)
        after = np.where(inside, before + stamp, 0.0)
        approx = np.array(
            [[cu.rounding_shows([before[r, c], stamp[r, c]], after[r, c]) for c in range(kw)]
             for r in range(kh)]
        ) & inside  # fmt: skip
        reached = np.argwhere(inside & (count > 0))
        cells = reached if len(reached) else np.argwhere(inside)
        fr, fc = (int(v) for v in cells[0]) if len(cells) else (0, 0)
        rows, cols = trace.stamp(i, j)
        complete = bool(inside[fr, fc]) and not (flat[n + 1 :] == here[fr, fc]).any()
        group = co // trace.out_per_group
        channels = range(group * trace.in_per_group, (group + 1) * trace.in_per_group)
        x = np.asarray(op.input)[0, channels.start : channels.stop, i, j]
        w = np.asarray(op.weight)[channels.start : channels.stop, co % trace.out_per_group]
        shown = min(len(channels), 2)
        labels = [f"x[{c},{i},{j}]" for c in channels[:shown]]
        terms = cu.window_terms(
            labels,
            x[:shown, None, None],
            np.zeros((shown, 1, 1), dtype=bool),
            w[:shown],
        )
        rest = float((x[shown:, None, None] * w[shown:]).sum()) if len(channels) > shown else 0.0
        bias = float(op.bias[co]) if (op.bias is not None and complete) else None
        r, c = int(rows[fr]), int(cols[fc])
        result = float(op.output[0, co, r, c]) if complete else float(after[fr, fc])
        in_ch = len(channels)
        source = f"x[{channels[0]},{i},{j}]" if in_ch == 1 else f"x[:,{i},{j}]"
        scatter = cu.CloseupScatter(
            element=(i, j),
            source=source,
            target=stamp_target([int(v) for v in rows], [int(v) for v in cols], words),
            rows=tuple(int(v) for v in rows),
            cols=tuple(int(v) for v in cols),
            inside=cu.mask(inside),
            stamp=cu.grid(stamp),
            before=cu.grid(before),
            earlier=cu.grid(count),
            after=cu.grid(after),
            approx=cu.mask(approx),
            focus=(fr, fc),
            complete=complete,
            channels=in_ch,
        )
        parts = [float(before[fr, fc]), float(stamp[fr, fc])] + ([bias] if bias else [])
        return cu.CloseupStep(
            mode="scatter",
            title=self.cell_title(op, co, (r, c)),
            out_channel=co,
            cell=(r, c),
            terms=terms,
            rest_count=in_ch - shown,
            rest_total=rest,
            rest_label=words.closeup["more_channels"].format(n=in_ch - shown),
            bias=bias,
            result=result,
            approx=cu.rounding_shows(parts, result),
            scatter=scatter,
        )

    def scatter_closeups(
        self, ctx: BuildContext, op: OpResult, out_id: str, full: int
    ) -> tuple[cu.CloseupActor | None, int]:
        """The scatter view's close-up panel and the first stamp it shows.

        ``animation.closeup`` stamps get one, among the ``full`` ones played in full: from the
        first whose block overlaps an earlier one (its overlap sums are the point), moved back
        so that they all stay among the full ones.
        """
        trace = transpose_trace_of(op)
        count = min(ctx.pacing.closeups, full)
        if count <= 0:
            return None, 0
        flat = trace.scatter_flat_indices().reshape(-1, *trace.kernel)
        seen: set[int] = set()
        first = 0
        for n in range(len(flat)):
            cells = {int(v) for v in flat[n].reshape(-1) if v >= 0}
            if cells & seen:
                first = n
                break
            seen |= cells
        first = max(0, min(first, full - count))
        steps = tuple(
            self.scatter_closeup(op, 0, n, ctx.words) for n in range(first, first + count)
        )
        timing = cu.timing(op.index == 0, ctx.pacing.quick_closeups)
        actor = cu.CloseupActor(
            id=f"closeup{op.index}",
            op=op.index,
            output=out_id,
            value_hue=palette.INPUT_HUE,
            weight_hue=palette.KERNEL_HUE,
            steps=steps,
            plans=tuple(cu.plan(step, timing) for step in steps),
            words=cu.panel_words(ctx.words.closeup, stamps=True),
        )
        ctx.add_actor(actor)
        return actor, first

    def lengthen_stamp(
        self, ctx: BuildContext, op: OpResult, panel: cu.CloseupActor, index: int
    ) -> None:
        """Play close-up step ``index`` over the stamp just scheduled, lengthened to hold it.

        The stamp flies while the panel multiplies the value by the kernel and lands as the
        panel adds it into the output (``depart`` / ``land``: shares of the stamp's time). The
        stamp's caption stays above the panel.
        """
        clock = ctx.clock
        stamp = next(e for e in reversed(clock.events) if e.kind == "stamp")
        clock.events.remove(stamp)
        start = clock.now = stamp.start
        move = STAMP_SECONDS * 0.25  # the element is outlined, its caption comes up
        clock.now = start + move
        overlays = [o for o in (f"table{op.index}", f"formula{op.index}", f"counts{op.index}")
                    if o in {a.id for a in ctx.actors}]  # fmt: skip
        keep = cu.keeps_caption(panel.steps[index])
        length = cu.schedule(clock, panel, index, overlays, keep_caption=keep)
        total = move + length
        land = move + float(panel.plans[index]["overlap_at"]) * length
        depart = max(0.0, land - STAMP_SECONDS * 0.6)
        clock.now = start
        data = dict(stamp.data, depart=round(depart / total, 6), land=round(land / total, 6))
        clock.then("stamp", stamp.target, total, **data)

    def equation(self, op: OpResult, co: int, oh: int, ow: int, words: Words) -> Equation:
        """One step of the direct view, with the real output value."""
        return window_sum(
            (co, oh, ow),
            float(op.output[0, co, oh, ow]),
            bias=op.bias is not None,
            words=words,
            template=words.step_sum_flipped,
            flipped=True,
        )

    def play(self, ctx: BuildContext, op: OpResult, in_id: str, out_id: str) -> None:
        """Play the view the spec asks for."""
        if getattr(ctx.animation, "transpose_view", "scatter") == "direct":
            self.play_direct(ctx, op, in_id, out_id)
        else:
            self.play_scatter(ctx, op, in_id, out_id)

    def play_scatter(self, ctx: BuildContext, op: OpResult, in_id: str, out_id: str) -> None:
        """Input elements stamp the scaled kernel into the output one after another."""
        clock, pacing = ctx.clock, ctx.pacing
        trace = transpose_trace_of(op)
        actor = ScatterActor(
            id=f"scatter{op.index}",
            op=op.index,
            input=in_id,
            output=out_id,
            out_channel=0,
            hue=palette.KERNEL_HUE,
            stamps=ArrayData.of(scatter_stamps(op, 0)),
            out_rows=ArrayData.of(trace.out_rows, "int64"),
            out_cols=ArrayData.of(trace.out_cols, "int64"),
            output_size=(int(trace.output_size[0]), int(trace.output_size[1])),
        )
        ctx.add_actor(actor)
        hin, win = trace.input_size
        count = hin * win
        full = max(0, min(int(ctx.animation.full_positions), count))
        if count - full <= 2:
            full = count
        clock.add("show", actor.id, 0.3)
        panel, first = self.scatter_closeups(ctx, op, out_id, full)
        in_ch = chw(op.input)[0]
        for n in range(full):
            i, j = divmod(n, win)
            rows, cols = trace.stamp(i, j)
            value = float(op.input[0, 0, i, j]) if in_ch == 1 else None
            size = (int(trace.output_size[0]), int(trace.output_size[1]))
            caption = stamp(
                [int(r) for r in rows], [int(c) for c in cols], size, (i, j), value, ctx.words
            )
            clock.add(
                "caption", "caption", 0.0, at=clock.now + STAMP_SECONDS * 0.2, **caption.data()
            )
            clock.then(
                "stamp",
                actor.id,
                STAMP_SECONDS,
                first=n,
                count=1,
                visits=1,
                detail=True,
                element=[i, j],
                rows=[int(r) for r in rows],
                cols=[int(c) for c in cols],
            )
            if panel is not None and first <= n < first + len(panel.steps):
                self.lengthen_stamp(ctx, op, panel, n - first)
        rest = count - full
        if rest > 0:
            clock.add("caption", "caption", 0.0, text=ctx.words.stamp_rest)
            duration = min(rest * FAST_STAMP_SECONDS, FAST_STAMP_BUDGET)
            visits = max(1, min(rest, int(round(duration / FAST_STAMP_SECONDS))))
            clock.then(
                "stamp", actor.id, duration, first=full, count=rest, visits=visits, detail=False
            )
        text = ctx.words.stamps_summed
        if op.bias is not None:
            text += ctx.words.stamps_bias
        clock.add("caption", "caption", 0.0, text=text)
        out_c = chw(op.output)[0]
        clock.add("hide", actor.id, pacing.fill * 0.4)
        clock.then("fill", out_id, pacing.fill, channels=list(range(out_c)))
        clock.wait(0.4)
        clock.add("caption", "caption", 0.0, text="")

    def play_direct(self, ctx: BuildContext, op: OpResult, in_id: str, out_id: str) -> None:
        """Insert zeros, pad the border, then sweep the flipped kernel with stride 1."""
        clock, pacing = ctx.clock, ctx.pacing
        trace = transpose_trace_of(op)
        cin = chw(op.input)[0]
        dh, dw = (int(v) for v in trace.dilated_shape)
        sh, sw = trace.stride
        dilated = BlockActor(
            id=f"z{op.index}",
            slot=op.index,
            shape=(cin, dh, dw),
            tensor=ctx.add_tensor(f"ops[{op.index}].direct_input", trace.direct_input(op.input)[0]),
            label=dims((cin, dh, dw)),
            caption=ctx.words.zeros_inserted,
            coloring=self.input_coloring(op),
            # The layout keeps room for the border from the start; it is drawn from the pad event.
            padding=_four(tuple(max(int(b), 0) for b in trace.border)),
        )
        holes = HolesActor(f"holes{op.index}", dilated.id, (int(sh), int(sw)))
        ctx.add_actor(dilated)
        ctx.add_actor(holes)
        hin, win = trace.input_size
        zeros = insert_zeros((sh - 1, sw - 1), (hin, win), (dh, dw), ctx.words)
        clock.add("caption", "caption", 0.0, **zeros.data())
        clock.add("pad", dilated.id, 0.0, padding=[0, 0, 0, 0])
        clock.add("hide", in_id, pacing.show)
        clock.add("show", holes.id, pacing.show)
        clock.then("show", dilated.id, pacing.show)
        clock.wait(1.2)
        border = tuple(int(v) for v in trace.border)
        kh, _ = trace.kernel
        ph, _ = trace.padding
        oph, _ = trace.output_padding
        dil = trace.dilation[0]
        pad = pad_border(int(dil), int(kh), int(ph), int(oph), ctx.words)
        clock.add("caption", "caption", 0.0, **pad.data())
        clock.then("pad", dilated.id, pacing.show, padding=[max(b, 0) for b in border])
        clock.wait(1.2)
        clock.add("caption", "caption", 0.0, text=ctx.words.then_conv)
        clock.wait(1.0)
        super().play(ctx, op, dilated.id, out_id)
