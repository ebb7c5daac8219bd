"""Build a :class:`~convanim.storyboard.timeline.Timeline` from a Plan.

The chain of tensors is laid out left to right (tensor i sits in slot i: slot 0 is the input,
slot k + 1 the output of op k). Each op plays in turn: the camera frames its input and output,
the overlays (shape table, formula, counts) switch to the op, the kernel sweeps the first output
channel step by step (the first ``full_positions`` in full with beams and the equation, the rest
fast-forwarded), and the remaining channels fill at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from convanim.storyboard import palette
from convanim.storyboard.pacing import Pacing
from convanim.storyboard.timeline import (
    Actor,
    BlockActor,
    Coloring,
    Event,
    KernelActor,
    OverlayActor,
    Timeline,
)

if TYPE_CHECKING:
    from convanim.engine import OpResult, Plan

WINDOWED_OPS = ("conv2d", "max_pool2d", "avg_pool2d")
SMALL_FOR_NUMBERS = 7
"""Numbers are drawn on cells (``show_values: true``) only when tensors are at most this wide."""


def dims(shape: tuple[int, ...]) -> str:
    """``(8, 7, 7)`` -> ``"8×7×7"``."""
    return "×".join(str(int(v)) for v in shape)


def fmt_value(value: float) -> str:
    """A value as shown on screen: 2 decimals, or 3 significant digits when large."""
    if abs(value) >= 100:
        return f"{value:.3g}"
    return f"{value:.2f}"


@dataclass
class _Clock:
    """Appends events one after another and keeps the current time."""

    now: float = 0.0
    events: list[Event] = field(default_factory=list)

    def add(
        self, kind: str, target: str, duration: float, *, at: float | None = None, **data: Any
    ) -> Event:
        event = Event(self.now if at is None else at, duration, kind, target, data)
        self.events.append(event)
        return event

    def then(self, kind: str, target: str, duration: float, **data: Any) -> Event:
        event = self.add(kind, target, duration, **data)
        self.now = event.end
        return event

    def wait(self, seconds: float) -> None:
        self.now += seconds


def _chw(array: np.ndarray) -> tuple[int, int, int]:
    shape = array.shape
    return (int(shape[1]), int(shape[-2]), int(shape[-1]))


def _value_range(array: np.ndarray) -> tuple[float, float]:
    lo, hi = float(np.min(array[0])), float(np.max(array[0]))
    if hi <= lo:
        hi = lo + 1.0
    return (lo, hi)


def _groups(op: OpResult) -> int:
    if op.type in ("max_pool2d", "avg_pool2d"):
        return 1
    return int(getattr(op.spec, "groups", 1))


def _input_coloring(op: OpResult) -> Coloring:
    channels = _chw(op.input)[0]
    groups = _groups(op)
    if groups > 1:
        return Coloring("channels", palette.grouped_channel_hues(channels, groups))
    return Coloring("channels", palette.channel_shades(palette.INPUT_HUE, channels))


def _output_coloring(op: OpResult) -> Coloring:
    channels = _chw(op.output)[0]
    groups = _groups(op)
    if groups > 1:
        per = channels // groups
        hues = tuple(palette.group_hue(c // per, groups) for c in range(channels))
    else:
        hues = (palette.OUTPUT_HUE,) * channels
    return Coloring("values", hues, _value_range(op.output))


def _show_numbers(setting: object, *tensors: np.ndarray) -> bool:
    """Numbers on cells: on request (``true``), and only where cells are big enough to read."""
    if setting is True:
        return all(max(_chw(t)[1:]) <= SMALL_FOR_NUMBERS for t in tensors)
    return False


def _op_caption(op: OpResult) -> str:
    spec = op.spec
    if op.type == "conv2d":
        kh, kw = spec.kernel_size  # type: ignore[union-attr]
        groups = spec.groups  # type: ignore[union-attr]
        cin = _chw(op.input)[0]
        if groups == cin and groups > 1:
            name = "depthwise conv"
        elif (kh, kw) == (1, 1):
            name = "pointwise conv" if groups == 1 else f"pointwise group conv (g={groups})"
        elif groups > 1:
            name = f"group conv (g={groups})"
        else:
            name = "conv2d"
        return f"{name} {kh}×{kw}"
    kernel = getattr(spec, "kernel_size", None)
    if kernel is not None and len(kernel) == 2:
        return f"{op.type} {kernel[0]}×{kernel[1]}"
    return op.type


def _overlays(op: OpResult) -> list[OverlayActor]:
    k = op.index
    table = op.shape_table
    header = ("", *table.columns)
    rows = [header] + [(r.name, *(str(c) for c in r.cells)) for r in table.rows]
    table_lines = tuple("\t".join(str(c) for c in row) for row in rows)
    cost = op.cost
    counts = (
        f"params {cost.params:,}",
        f"MACs {cost.macs:,}",
        f"FLOPs {cost.flops:,}",
    )
    return [
        OverlayActor(f"table{k}", "table", table_lines),
        OverlayActor(f"formula{k}", "formula", tuple(op.formula)),
        OverlayActor(f"counts{k}", "counts", counts),
    ]


def _equation(op: OpResult, co: int, oh: int, ow: int) -> str:
    value = fmt_value(float(op.output[0, co, oh, ow]))
    target = f"out[{co},{oh},{ow}]"
    if op.type == "max_pool2d":
        return f"{target} = max(window) = {value}"
    if op.type == "avg_pool2d":
        return f"{target} = mean(window) = {value}"
    bias = " + b" if op.bias is not None else ""
    return f"{target} = Σ window × kernel{bias} = {value}"


def _sweep_events(
    clock: _Clock,
    op: OpResult,
    kernel_id: str,
    input_id: str,
    output_id: str,
    pacing: Pacing,
    animation: Any,
) -> None:
    """Kernel sweeps for the channels chosen by ``animation.channels``, fills for the rest."""
    out_c, out_h, out_w = _chw(op.output)
    groups = _groups(op)
    per = out_c // groups
    positions = out_h * out_w
    setting = animation.channels
    if setting == "first":
        swept = [g * per for g in range(min(groups, pacing.max_swept_groups))]
    elif setting == "all":
        swept = list(range(out_c))
    else:
        swept = [c for c in setting if 0 <= c < out_c]
    full = max(0, min(int(animation.full_positions), positions))
    first = True
    for co in swept:
        kwargs = dict(kernel=kernel_id, input=input_id, output=output_id, out_channel=co)
        if first and full > 0:
            for p in range(full):
                oh, ow = divmod(p, out_w)
                clock.add(
                    "caption",
                    "caption",
                    0.0,
                    at=clock.now + pacing.full_step * 0.35,
                    text=_equation(op, co, oh, ow),
                )
                clock.then(
                    "sweep",
                    kernel_id,
                    pacing.full_step,
                    first=p,
                    count=1,
                    visits=1,
                    detail=True,
                    **kwargs,
                )
            clock.add("caption", "caption", 0.0, text="")
        start = full if first else 0
        rest = positions - start
        if rest > 0:
            budget = pacing.fast_max if first else pacing.other_group_max
            duration = min(rest * pacing.fast_step, budget)
            visits = max(1, min(rest, int(round(duration / pacing.fast_step))))
            clock.then(
                "sweep",
                kernel_id,
                duration,
                first=start,
                count=rest,
                visits=visits,
                detail=False,
                **kwargs,
            )
        first = False
    remaining = [c for c in range(out_c) if c not in swept]
    if remaining:
        clock.then("fill", output_id, pacing.fill, channels=remaining)


def _generic_events(clock: _Clock, output_id: str, pacing: Pacing, channels: int) -> None:
    clock.then("fill", output_id, pacing.fill * 1.5, channels=list(range(channels)))


def build(plan: Plan, pacing: Pacing | None = None) -> Timeline:
    """Build the timeline of a whole scene from its Plan.

    Parameters
    ----------
    plan:
        The computed plan (engine output).
    pacing:
        Base durations; the spec's ``animation.op_duration`` rescales each op to that length.
    """
    pacing = pacing or Pacing()
    spec = plan.spec
    animation = spec.animation
    actors: list[Actor] = []
    clock = _Clock()

    if spec.title:
        actors.append(OverlayActor("title", "title", (spec.title,)))
        clock.add("show", "title", pacing.title)
    actors.append(OverlayActor("caption", "caption", ("",)))

    first_op = plan.ops[0]
    numbers0 = _show_numbers(animation.show_values, first_op.input, first_op.output)
    input_block = BlockActor(
        id="t0",
        slot=0,
        shape=_chw(first_op.input),
        source="input",
        label=dims(_chw(first_op.input)),
        caption="input",
        coloring=_input_coloring(first_op),
        values_on_cells=numbers0,
    )
    actors.append(input_block)
    clock.add("camera", "view", 0.0, slots=[0, 1])
    clock.then("show", "t0", pacing.show)

    previous_overlays: list[OverlayActor] = []
    for op in plan.ops:
        k = op.index
        in_id, out_id = f"t{k}", f"t{k + 1}"
        op_start = clock.now
        op_events_from = len(clock.events)
        if k > 0:
            clock.then("camera", "view", pacing.camera, slots=[k, k + 1])
            clock.then("recolor", in_id, pacing.show / 2, coloring=_input_coloring(op).__dict__)
        numbers = _show_numbers(animation.show_values, op.input, op.output)
        windowed = op.type in WINDOWED_OPS
        trace = op.trace if windowed else None
        padding = tuple(int(p) for p in trace.padding) if trace is not None else (0, 0, 0, 0)
        if k > 0 and any(padding):
            # The padding ring belongs to this op's view of its input.
            clock.then("pad", in_id, pacing.show / 2, padding=list(padding))
        elif k == 0 and any(padding):
            actors[actors.index(input_block)] = input_block = BlockActor(
                **{**_block_fields(input_block), "padding": padding}
            )
        out_block = BlockActor(
            id=out_id,
            slot=k + 1,
            shape=_chw(op.output),
            source=f"ops[{k}].output",
            label=dims(_chw(op.output)),
            caption=_op_caption(op),
            coloring=_output_coloring(op),
            initially="empty",
            values_on_cells=numbers,
        )
        actors.append(out_block)
        overlays = _overlays(op)
        actors.extend(overlays)
        if k == 0:
            actors.append(OverlayActor("legend", "legend", ()))
        for ov in previous_overlays:
            clock.add("hide", ov.id, pacing.show / 2)
        for ov in overlays:
            clock.add("show", ov.id, pacing.show)
        clock.add("legend", "legend", 0.0, block=out_id)
        clock.then("show", out_id, pacing.show)
        previous_overlays = overlays

        if windowed and trace is not None:
            groups = _groups(op)
            in_c = _chw(op.input)[0]
            if op.type in ("max_pool2d", "avg_pool2d"):
                ranges = tuple((c, c + 1) for c in range(in_c))
                out_per_group = 1
                hues: tuple[str, ...] = (palette.KERNEL_HUE,) * in_c
            else:
                in_per = in_c // groups
                ranges = tuple((g * in_per, (g + 1) * in_per) for g in range(groups))
                out_per_group = _chw(op.output)[0] // groups
                hues = (
                    tuple(palette.group_hue(g, groups) for g in range(groups))
                    if groups > 1
                    else (palette.KERNEL_HUE,)
                )
            kernel = KernelActor(
                id=f"k{k}",
                block=in_id,
                kernel=tuple(int(v) for v in trace.kernel),  # type: ignore[arg-type]
                stride=tuple(int(v) for v in trace.stride),  # type: ignore[arg-type]
                dilation=tuple(int(v) for v in trace.dilation),  # type: ignore[arg-type]
                padding=padding,  # type: ignore[arg-type]
                channel_ranges=ranges,
                out_per_group=out_per_group,
                group_hues=hues,
            )
            actors.append(kernel)
            clock.then("show", kernel.id, pacing.kernel_show)
            _sweep_events(clock, op, kernel.id, in_id, out_id, pacing, animation)
            clock.then("hide", kernel.id, pacing.kernel_show)
        else:
            _generic_events(clock, out_id, pacing, _chw(op.output)[0])
        clock.wait(pacing.hold if k < len(plan.ops) - 1 else pacing.end_hold)
        if animation.op_duration:
            _rescale(clock, op_events_from, op_start, float(animation.op_duration))

    events = tuple(sorted(clock.events, key=lambda e: (e.start, e.kind != "camera")))
    return Timeline(
        title=spec.title,
        duration=round(clock.now, 4),
        actors=tuple(actors),
        events=events,
    )


def _block_fields(block: BlockActor) -> dict[str, Any]:
    return {
        name: getattr(block, name)
        for name in (
            "id",
            "slot",
            "shape",
            "source",
            "label",
            "caption",
            "coloring",
            "padding",
            "initially",
            "values_on_cells",
        )
    }


def _rescale(clock: _Clock, first_event: int, op_start: float, target: float) -> None:
    """Stretch or squeeze the events of one op so that it lasts ``target`` seconds."""
    length = clock.now - op_start
    if length <= 0:
        return
    factor = target / length
    for i in range(first_event, len(clock.events)):
        e = clock.events[i]
        clock.events[i] = Event(
            op_start + (e.start - op_start) * factor, e.duration * factor, e.kind, e.target, e.data
        )
    clock.now = op_start + target
