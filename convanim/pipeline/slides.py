"""The slides of a scene: where its Timeline is cut, and what each slide's speaker notes say.

A slide is a range of the scene's frames. The cuts follow the storyboard's steps (see
docs/slides.md):

- the title card: from 0 to the first op's ``chapter`` event;
- per op (its ``chapter`` event to the next one): the *introduction* (camera, shape table,
  formula, counts, the output block and the kernel appearing) up to the op's first step; every
  step played in full (a ``sweep`` with ``detail``, an op's own phase: ``stamp``, ``matrix``,
  ``shuffle``, ``se``...) as a slide of its own, the event that prepares a window (a deformable
  conv's sampling grid) staying with that window; the fast-forwarded rest (``sweep`` events
  without ``detail`` and the ``fill`` of the other channels) as one slide; the *result* up to the
  next chapter;
- a chapter that is no op (the receptive field) is one slide;
- a closing *summary* (the chain's shapes and counts) that is not part of the video.

Notes carry the numbers the slide computes: the caption lines shown while it plays, and for a
window the close-up arithmetic (window values, kernel, products' sum, bias, output), computed by
the op's visual from the Plan (:meth:`~convanim.storyboard.ops.base.OpVisual.closeup`), the same
numbers the close-up panel shows.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from convanim.storyboard.common import fmt_value, whole_numbers
from convanim.storyboard.timeline import BlockActor, Event, OverlayActor, Timeline

if TYPE_CHECKING:
    import numpy as np

    from convanim.engine import Plan
    from convanim.storyboard.closeup import CloseupStep
    from convanim.storyboard.words import Words

__all__ = [
    "FRAMING_KINDS",
    "Slide",
    "StepNotes",
    "build_slides",
    "closeup_notes",
    "frame_ranges",
    "step_text",
]

FRAMING_KINDS = frozenset(
    {"show", "hide", "camera", "orbit", "recolor", "pad", "legend", "chapter", "caption",
     "closeup", "fill"}
)  # fmt: skip
"""Event kinds that frame a step (fades, camera, texts, the close-up's beats, fills) rather than
being one: every other event with a duration is a step of the op's main act."""

StepNotes = Callable[[Event], str | None]
"""The arithmetic of a step event as note lines (None: nothing beyond its captions)."""


@dataclass(frozen=True)
class Slide:
    """One slide: seconds ``[start, end)`` of the scene (the summary has ``start == end``).

    ``kind`` is ``"title"``, ``"intro"``, ``"step"``, ``"rest"``, ``"result"``, ``"part"``
    (a chapter that is no op) or ``"summary"``; ``op`` the op's index (None outside ops);
    ``title`` the slide's heading, ``notes`` its speaker notes (lines).
    """

    index: int
    kind: str
    title: str
    start: float
    end: float
    op: int | None = None
    notes: tuple[str, ...] = field(default=())


def _is_step(event: Event) -> bool:
    return event.kind not in FRAMING_KINDS and event.duration > 0


def _is_fast(event: Event) -> bool:
    return event.kind == "sweep" and event.data.get("detail") is False


def _starts_window(event: Event, previous: Event | None) -> bool:
    """A step starts a slide unless it is the detailed sweep its prelude (same actor, another
    kind: a deformable conv's sampling) just prepared."""
    if previous is None or event.kind != "sweep" or previous.kind == "sweep":
        return True
    return previous.target != event.target


@dataclass
class _Cut:
    kind: str
    title: str
    start: float
    op: int | None
    steps: list[Event] = field(default_factory=list)


def _op_cuts(events: Sequence[Event], op: int, title: str, start: float) -> list[_Cut]:
    """The cuts of one op's events (its chapter first)."""
    cuts = [_Cut("intro", title, start, op)]
    previous: Event | None = None
    rest: _Cut | None = None
    rest_end = start
    for e in events:
        if _is_fast(e) or (rest is not None and e.kind == "fill"):
            if rest is None:
                rest = _Cut("rest", title, e.start, op)
                cuts.append(rest)
            rest.steps.append(e)
            rest_end = max(rest_end, e.end)
            previous = e
        elif _is_step(e) and rest is None:
            if _starts_window(e, previous):
                cuts.append(_Cut("step", title, e.start, op))
            cuts[-1].steps.append(e)
            previous = e
    last = cuts[-1]
    if last.kind == "rest" or len(cuts) > 1:
        # The result: after the rest (or the last step) has played.
        end = rest_end if last.kind == "rest" else max(e.end for e in last.steps)
        cuts.append(_Cut("result", title, end, op))
    return cuts


def build_slides(
    timeline: Timeline,
    op_count: int,
    words: Words,
    step_notes: StepNotes | None = None,
    summary: Sequence[str] = (),
) -> list[Slide]:
    """The slides of ``timeline`` (a scene of ``op_count`` ops), the summary last.

    Parameters
    ----------
    timeline : Timeline
        The scene.
    op_count : int
        Its number of ops: the chapters after the title are the ops', then extra parts.
    words : Words
        The language of the notes' labels.
    step_notes : callable, optional
        The arithmetic of a step event (:func:`closeup_notes`).
    summary : sequence of str
        The summary slide's notes (the chain's shapes and counts).
    """
    events = list(timeline.events)
    chapters = [i for i, e in enumerate(events) if e.kind == "chapter"]
    cuts: list[_Cut] = []
    for n, i in enumerate(chapters):
        chapter = events[i]
        title = str(chapter.data.get("title", ""))
        stop = chapters[n + 1] if n + 1 < len(chapters) else len(events)
        if n == 0:
            cuts.append(_Cut("title", title, 0.0, None))
        elif n <= op_count:
            cuts += _op_cuts(events[i + 1 : stop], n - 1, title, chapter.start)
        else:
            cuts.append(_Cut("part", title, chapter.start, None))
    bounds = [cut.start for cut in cuts[1:]] + [timeline.duration]
    captions: list[list[str]] = [[] for _ in cuts]
    for e in events:
        text = str(e.data.get("text", "")) if e.kind == "caption" else ""
        if text.strip():
            n = next(i for i, end in enumerate(bounds) if e.start < end or i == len(cuts) - 1)
            captions[n].append(text)
    arithmetic: list[list[tuple[str, str]]] = [[] for _ in cuts]
    for n, cut in enumerate(cuts):
        for e in cut.steps:
            worked = step_notes(e) if step_notes is not None and not _is_fast(e) else None
            if worked:
                arithmetic[n].append((worked.split("\n", 1)[0], worked))
    # The equation a step's close-up ends on is set as the next slide begins: it is this one's.
    for n in range(1, len(cuts)):
        titles = tuple(f"{title} " for title, _ in arithmetic[n - 1])
        moved = [c for c in captions[n] if titles and c.startswith(titles)]
        captions[n - 1] += moved
        captions[n] = [c for c in captions[n] if c not in moved]
    slides: list[Slide] = []
    for n, cut in enumerate(cuts):
        if bounds[n] - cut.start <= 1e-6:
            continue
        notes = list(captions[n])
        for e in cut.steps:
            if _is_fast(e):
                notes.append(
                    words.cue_fast.format(
                        n=int(e.data.get("count", 0)), channel=int(e.data.get("out_channel", 0))
                    )
                )
            elif e.kind == "fill":
                channels = ", ".join(str(int(c)) for c in e.data.get("channels", []))
                notes.append(words.cue_fill.format(channels=channels))
        notes += [text for _, text in arithmetic[n]]
        if cut.kind == "intro" and cut.op is not None:
            notes += _overlay_notes(timeline, cut.op)
        heading = cut.title
        if cut.kind == "step":
            titles = tuple(f"{title} " for title, _ in arithmetic[n])
            equations = [c for c in captions[n] if titles and c.startswith(titles)]
            heading = (equations or captions[n] or [heading])[-1]
        slides.append(
            Slide(
                len(slides), cut.kind, heading, cut.start, bounds[n], cut.op, tuple(_unique(notes))
            )
        )
    slides.append(
        Slide(
            len(slides),
            "summary",
            timeline.title or "",
            timeline.duration,
            timeline.duration,
            None,
            tuple(summary),
        )
    )
    return slides


def _overlay_notes(timeline: Timeline, op: int) -> list[str]:
    """The shape table (rows as ``a | b | c``), formula and counts an op's introduction shows."""
    lines: list[str] = []
    for actor in timeline.actors:
        if isinstance(actor, OverlayActor) and actor.id in (
            f"table{op}",
            f"formula{op}",
            f"counts{op}",
        ):
            lines.append("\n".join(" | ".join(line.split("\t")) for line in actor.lines))
    return lines


def _unique(lines: Sequence[str]) -> list[str]:
    seen: set[str] = set()
    out = []
    for line in lines:
        if line not in seen:
            seen.add(line)
            out.append(line)
    return out


def frame_ranges(slides: Sequence[Slide], fps: int, frame_count: int) -> list[tuple[int, int]]:
    """Frames ``[a, b)`` of each slide.

    Frame ``i`` shows time ``i / fps``; a slide holds the frames of ``(start, end]`` (the first
    one from frame 0), so that its last frame shows its step done (the output cell revealed as
    its event ends) and the next slide starts moving on its first frame. The ranges of the
    video's slides follow each other and cover ``[0, frame_count)``; the summary's is empty. A
    slide shorter than a frame gets an empty range.
    """
    video = [n for n, s in enumerate(slides) if s.kind != "summary"]
    starts = {n: min(frame_count, math.floor(slides[n].start * fps + 1e-6) + 1) for n in video}
    if video:
        starts[video[0]] = 0
    ranges = []
    for n in range(len(slides)):
        if n not in starts:
            ranges.append((frame_count, frame_count))
            continue
        later = [starts[m] for m in video if m > n]
        ranges.append((starts[n], max(starts[n], later[0]) if later else frame_count))
    return ranges


def _grid(values: np.ndarray) -> str:
    """``[[0.12, -0.5], [1, 0]]`` as printed by the close-up (two decimals)."""
    rows = values.reshape(values.shape[0], -1)
    return "[" + "; ".join(" ".join(fmt_value(float(v)) for v in row) for row in rows) + "]"


def step_text(step: CloseupStep, words: Words) -> str:
    """The arithmetic of one output value as note lines (window, kernel, Σ, bias, result)."""
    w = words.closeup
    lines = [step.title]
    for term in step.terms:
        values = term.values.array
        line = f"{term.label}: {w['window']} {_grid(values)}"
        if term.weights is not None:
            line += f" × {w['kernel']} {_grid(term.weights.array)}"
            line += f" → {w['sum']} = {fmt_value(term.total)}"
        elif step.mode == "max":
            line += f" → {w['max']} = {fmt_value(term.total)}"
        else:
            line += f" → {w['sum']} = {fmt_value(term.total)}"
        lines.append(line)
    if step.sample is not None:
        s = step.sample
        corners = ", ".join(fmt_value(v) for v in s.corners)
        weights = ", ".join(fmt_value(v) for v in s.weights)
        lines.append(f"{s.label}: [{corners}] · [{weights}] = {fmt_value(s.value)}")
    if step.rest_count:
        lines.append(f"{step.rest_label}: {w['sum']} = {fmt_value(step.rest_total)}")
    if step.divisor:
        lines.append(f"÷ {step.divisor} ({step.divisor_label})")
    if step.bias is not None:
        lines.append(f"{w['bias']} = {fmt_value(step.bias)}")
    lines.append(f"= {fmt_value(step.result)}")
    return "\n".join(lines)


def closeup_notes(timeline: Timeline, plan: Plan, words: Words) -> StepNotes:
    """The arithmetic of detailed ``sweep`` steps, from the op's visual (see the module
    docstring); the op is the one whose output block the sweep fills."""
    from convanim.storyboard.ops import visual_for
    from convanim.storyboard.ops.sequence import rows_view

    seen = rows_view(plan)
    slots = {a.id: a.slot for a in timeline.actors if isinstance(a, BlockActor)}
    view = str(plan.spec.animation.view)

    def notes(event: Event) -> str | None:
        if event.kind != "sweep" or not event.data.get("detail"):
            return None
        slot = slots.get(str(event.data.get("output", "")))
        if slot is None or not 1 <= slot <= len(seen.ops):
            return None
        op = seen.ops[slot - 1]
        with whole_numbers(timeline.view.whole_numbers):
            step = visual_for(op.type, view).closeup(
                op, int(event.data.get("out_channel", 0)), int(event.data.get("first", 0)), words
            )
            return None if step is None else step_text(step, words)

    return notes
