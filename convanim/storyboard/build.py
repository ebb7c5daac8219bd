"""Build a :class:`~convanim.storyboard.timeline.Timeline` from a Plan.

The chain of tensors is laid out left to right (tensor i sits in slot i: slot 0 is the input,
slot k + 1 the output of op k). Each op plays in turn: the camera frames its input and output,
the overlays (shape table, formula, counts) switch to the op, the output block appears empty, the
op's visual plays its main act (see :mod:`convanim.storyboard.ops`), and the result holds.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

from convanim.spec.fields import is_picture
from convanim.spec.ops import op_def
from convanim.storyboard.closeup import closeup_count
from convanim.storyboard.common import Clock, all_whole, block_shape, chw, whole_numbers
from convanim.storyboard.ops import BuildContext, visual_for
from convanim.storyboard.ops.sequence import rows_view, shape_label
from convanim.storyboard.pacing import Pacing
from convanim.storyboard.receptive import play_receptive
from convanim.storyboard.timeline import BlockActor, OverlayActor, Timeline, View
from convanim.storyboard.vectors import picture_coloring, vectors_view
from convanim.storyboard.words import EN, Words, words_for

if TYPE_CHECKING:
    from convanim.engine import OpResult, Plan

SMALL_FOR_NUMBERS = 7
"""Numbers are drawn on cells (``show_values: true``) only when tensors are at most this wide."""


def show_numbers(setting: object, *tensors: np.ndarray) -> bool | str:
    """Numbers on cells for tensors up to 7×7: ``True`` (asked for), ``"auto"`` or ``False``.

    ``"auto"`` leaves the last word to the renderer, which draws them only where a cube face is
    large enough in pixels to read a number (1080p, usually not 480p).
    """
    if setting not in (True, "auto"):
        return False
    if not all(max(chw(t)[1:]) <= SMALL_FOR_NUMBERS for t in tensors):
        return False
    return setting


def op_overlays(op: OpResult, words: Words = EN) -> list[OverlayActor]:
    """Shape table, output-size formula and counts of one op, in the language of ``words``."""
    k = op.index
    table = op.shape_table
    pooling = bool(op_def(op.spec).pooling)
    rows = [("", *(words.column(c) for c in table.columns))] + [
        (words.row(r.name, pooling), *(str(c) for c in r.cells)) for r in table.rows
    ]
    cost = op.cost
    return [
        OverlayActor(f"table{k}", "table", tuple("\t".join(map(str, row)) for row in rows)),
        OverlayActor(
            f"formula{k}",
            "formula",
            tuple(words.formula(f) for f in op.formula),
            tuple(words.formula_tex(f) for f in op.formula_tex),
        ),
        OverlayActor(
            f"counts{k}",
            "counts",
            (
                words.params.format(n=f"{cost.params:,}"),
                words.macs.format(n=f"{cost.macs:,}"),
                words.flops.format(n=f"{cost.flops:,}"),
            ),
        ),
    ]


def op_chapter_title(caption: str, op: OpResult) -> str:
    """The chapter of an op: the name above its output block and its channels,
    ``conv2d 3×3, 8→8``."""
    return f"{caption}, {chw(op.input)[0]}→{chw(op.output)[0]}"


def numbers_are_whole(plan: Plan) -> bool:
    """Every number the scene shows (input, weights, biases, other parameters, every output) is
    whole: the scene writes ``3``, not ``3.00`` (:attr:`View.whole_numbers`)."""
    arrays: list[np.ndarray | None] = [plan.input]
    for op in plan.ops:
        arrays += [op.output, op.weight, op.bias, *op.params.values()]
    return all_whole(*arrays)


def build(plan: Plan, pacing: Pacing | None = None) -> Timeline:
    """Build the timeline of a whole scene from its Plan.

    Parameters
    ----------
    plan:
        The computed plan (engine output).
    pacing:
        Base durations; the spec's ``animation.op_duration`` rescales each op to that length.
    """
    whole = numbers_are_whole(plan)
    with whole_numbers(whole):
        return _build(plan, pacing, whole)


def _build(plan: Plan, pacing: Pacing | None, whole: bool) -> Timeline:
    raw = plan  # the true shapes, for the labels
    plan = rows_view(plan)  # a 1-D chain is drawn as rows: (N, C, L) -> (N, C, 1, L)
    plan = vectors_view(plan)  # a vector (N, F) is drawn as a row or a column of F cubes
    spec = plan.spec
    base = pacing or Pacing()
    explicit_full = "full_positions" in spec.animation.model_fields_set
    explicit_closeup = "closeup" in spec.animation.model_fields_set

    def op_pacing(index: int) -> Pacing:
        op_pace = base.for_op(index, len(plan.ops))
        if explicit_full:
            op_pace = replace(op_pace, full_positions=int(spec.animation.full_positions))
        if explicit_closeup:
            op_pace = replace(op_pace, closeups=closeup_count(spec.animation.closeup))
        return op_pace

    words = words_for(spec.labels.language)
    ctx = BuildContext(plan=plan, pacing=op_pacing(0), animation=spec.animation, words=words)
    clock, pacing = ctx.clock, ctx.pacing

    labels = spec.labels
    if spec.title and labels.title:
        ctx.add_actor(OverlayActor("title", "title", (spec.title,)))
        clock.add("show", "title", 0.0)  # on screen from the first frame (GIF previews)
    ctx.add_actor(OverlayActor("caption", "caption", ("",)))
    if labels.legend:
        ctx.add_actor(OverlayActor("legend", "legend", (words.legend,)))

    first = plan.ops[0]
    view = str(spec.animation.view)
    first_visual = visual_for(first.type, view)
    input_block = BlockActor(
        id="t0",
        slot=0,
        shape=block_shape(first.input),
        tensor=ctx.add_tensor("input", first.input[0]),
        label=shape_label(raw.ops[0].input, spec.spatial_rank),
        caption=words.picture if is_picture(spec.input.values) else words.input,
        coloring=picture_coloring(plan) or first_visual.input_coloring(first),
        padding=first_visual.padding(first),
        values_on_cells=show_numbers(spec.animation.show_values, first.input, first.output),
    )
    ctx.add_actor(input_block)
    clock.add("camera", "view", 0.0, slots=[0, 1])
    clock.add(
        "chapter",
        "chapter",
        0.0,
        title=spec.title or words.chapter_input.format(shape=input_block.label),
    )
    clock.then("show", "t0", pacing.show)

    previous: list[OverlayActor] = []
    for op in plan.ops:
        visual = visual_for(op.type, view)
        k = op.index
        ctx.pacing = pacing = op_pacing(k)
        in_id, out_id = f"t{k}", f"t{k + 1}"
        op_start, first_event = clock.now, len(clock.events)
        title = op_chapter_title(visual.caption(op, words), raw.ops[k])
        clock.add("chapter", "chapter", 0.0, title=title)
        if k > 0:
            clock.then("camera", "view", pacing.camera, slots=[k, k + 1])
            if visual.groups(op) > 1:
                # Group hues matter for this op; otherwise the block keeps the colours of the
                # values just computed, so the chain reads as one flow.
                coloring = visual.input_coloring(op)
                clock.add("recolor", in_id, pacing.show / 2, coloring=coloring.__dict__)
            clock.then("pad", in_id, pacing.show / 2, padding=list(visual.padding(op)))
        out_block = BlockActor(
            id=out_id,
            slot=k + 1,
            shape=block_shape(op.output),
            tensor=ctx.add_tensor(f"ops[{k}].output", op.output[0]),
            label=shape_label(raw.ops[k].output, spec.spatial_rank),
            caption=visual.caption(op, words),
            coloring=visual.output_coloring(op),
            initially=visual.output_initially(op),
            values_on_cells=show_numbers(spec.animation.show_values, op.input, op.output),
        )
        ctx.add_actor(out_block)
        # The matrix view's picture takes the panel band (its labels carry the shapes).
        panel = view != "matrix"
        wanted = {
            "table": labels.table and panel,
            "formula": labels.formula and panel,
            "counts": labels.counts,
        }
        overlays = [o for o in op_overlays(op, words) if wanted[o.role]]
        for overlay in overlays:
            ctx.add_actor(overlay)
        for overlay in previous:
            clock.add("hide", overlay.id, pacing.show / 2)
        for overlay in overlays:
            clock.add("show", overlay.id, pacing.show)
        if labels.legend:
            clock.add("legend", "legend", 0.0, block=out_id)
        clock.then("show", out_id, pacing.show)
        previous = overlays

        visual.play(ctx, op, in_id, out_id)

        last = k == len(plan.ops) - 1
        if last and spec.animation.orbit:
            clock.wait(pacing.hold)
            clock.then("orbit", "view", pacing.orbit, degrees=pacing.orbit_degrees)
        clock.wait(pacing.hold if not last else pacing.end_hold)
        if spec.animation.op_duration:
            _rescale(clock, first_event, op_start, float(spec.animation.op_duration))

    play_receptive(ctx)
    if not spec.animation.op_duration:
        factor = base.fit_factor(clock.now)
        if factor != 1.0:
            # Too long a chain for the scene budget: play the whole of it a little faster.
            _rescale(clock, 0, 0.0, clock.now * factor)
    events = tuple(sorted(clock.events, key=lambda e: e.start))
    return Timeline(
        title=spec.title,
        duration=round(clock.now, 4),
        actors=tuple(ctx.actors),
        events=events,
        tensors=dict(ctx.tensors),
        view=View(
            theme=spec.theme.name,
            ground=bool(spec.theme.ground),
            phi=float(spec.camera.phi),
            theta=float(spec.camera.theta),
            zoom=float(spec.camera.zoom),
            language=words.language,
            whole_numbers=whole,
        ),
    )


def _rescale(clock: Clock, first_event: int, op_start: float, target: float) -> None:
    """Stretch or squeeze the events of one op so that it lasts ``target`` seconds."""
    length = clock.now - op_start
    if length <= 0:
        return
    factor = target / length
    for i in range(first_event, len(clock.events)):
        e = clock.events[i]
        clock.events[i] = replace(
            e, start=op_start + (e.start - op_start) * factor, duration=e.duration * factor
        )
    clock.now = op_start + target
