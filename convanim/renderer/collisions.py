"""Layout check: texts that overlap texts or blocks, and items that leave the safe area.

The frames are sampled at every event boundary, at evenly spaced times (at least 30) and in the
middle of every stretch between two boundaries that has no other sample; at each sample the drawn
items (:func:`convanim.renderer.drawn_items`) are compared, nothing is drawn. The rules:

- a text (an overlay such as the title or the shape table counts as one text) must not overlap
  another text, nor the faces of a block (its convex outline), its own block's included;
- a text lying wholly inside a block's faces is a number written on its cells, and one lying
  inside a shape of its own visual (a channel's number on its slab) is written on that: neither
  is checked;
- blocks may touch blocks; kernels, beams, arrows and charts may cross anything (they point at
  what they explain and move over it by design);
- every text and every block in view stays inside the safe area (3 % of the frame from each
  edge); a block wholly outside the frame is out of view, not a finding;
- an item fading in or out below 5 % opacity is not visible and is not checked; a text and a
  text or block that are both part-transparent are crossfading (one op's table giving way to
  the next's, a block to its zero-inserted version): not a collision (a lasting overlap is found
  at full opacity);
- the texts of one visual other than a block (the channel numbers of a shuffle) are arranged by
  its drawer and pass each other while it animates: they are not compared with each other.

Findings of the same kind on the same items at successive samples are reported once, at the first.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from convanim.renderer.frame_format import SAFE_MARGIN, FrameFormat
from convanim.renderer.items import DrawnItem, box_inside

if TYPE_CHECKING:
    from convanim.storyboard.timeline import Timeline

__all__ = [
    "MIN_OPACITY",
    "SAFE_MARGIN",
    "Finding",
    "check_items",
    "check_timeline",
    "sample_times",
]

MIN_OPACITY = 0.05
"""Items fainter than this are not visible."""
OPAQUE = 0.95
"""Items at least this opaque are not fading."""
TOLERANCE = 0.5
"""Pixels two items may share (anti-aliased edges) before they overlap."""


@dataclass(frozen=True)
class Finding:
    """One collision: ``first`` overlaps ``second``, or ``first`` leaves the safe area (``second``
    is then empty), at ``time`` seconds."""

    time: float
    first: str
    second: str = ""

    @property
    def key(self) -> tuple[str, str]:
        """The items involved (what repeated samples of the same finding share)."""
        return (self.first, self.second)

    def describe(self) -> str:
        """``"12.40 s: text 'a' overlaps title"`` or ``"... leaves the safe area"``."""
        what = f"overlaps {self.second}" if self.second else "leaves the safe area"
        return f"{self.time:.2f} s: {self.first} {what}"


def sample_times(timeline: Timeline, evenly: int = 30) -> list[float]:
    """Times to check: every event boundary, ``evenly`` spaced more, and the middle of every
    stretch between two boundaries that no other sample falls in."""
    end = timeline.duration
    last = max(0.0, end - 1e-3)
    bounds = sorted(
        {0.0, end, *(e.start for e in timeline.events), *(e.end for e in timeline.events)}
    )
    even = [(i + 0.5) * end / evenly for i in range(evenly)]
    times = set(bounds) | set(even)
    for a, b in zip(bounds, bounds[1:], strict=False):
        k = bisect.bisect_right(even, a)
        if k == len(even) or even[k] >= b:  # no evenly spaced sample inside (a, b)
            times.add((a + b) / 2)
    return sorted({round(min(max(t, 0.0), last), 6) for t in times})


def _overlap(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    return (
        min(a[2], b[2]) - max(a[0], b[0]) > TOLERANCE
        and min(a[3], b[3]) - max(a[1], b[1]) > TOLERANCE
    )


def _polygons_overlap(p: np.ndarray, q: np.ndarray) -> bool:
    """Whether two convex polygons share more than a sliver (separating axis theorem)."""
    for poly in (p, q):
        edges = np.roll(poly, -1, axis=0) - poly
        normals = np.stack([-edges[:, 1], edges[:, 0]], axis=1)
        lengths = np.linalg.norm(normals, axis=1)
        keep = lengths > 1e-9
        normals = normals[keep] / lengths[keep, None]
        for n in normals:
            a, b = p @ n, q @ n
            if min(a.max(), b.max()) - max(a.min(), b.min()) <= TOLERANCE:
                return False
    return True


def check_items(items: Iterable[DrawnItem], fmt: FrameFormat, time: float = 0.0) -> list[Finding]:
    """The findings among the items of one frame (see the module docstring for the rules)."""
    visible = [i for i in items if i.opacity >= MIN_OPACITY]
    blocks = [(i, i.outline()) for i in visible if i.kind == "block"]
    texts = [
        i
        for i in visible
        if i.kind == "text"
        and not any(box_inside(i.box, poly, TOLERANCE * 4) for _, poly in blocks)
    ]
    block_ids = {b.actor for b, _ in blocks}
    found: list[Finding] = []
    for n, a in enumerate(texts):
        for b in texts[n + 1 :]:
            if a.actor == b.actor and a.actor not in block_ids:
                continue
            if a.opacity < OPAQUE and b.opacity < OPAQUE:
                continue
            if _overlap(a.box, b.box):
                found.append(Finding(time, a.name, b.name))
        outline = a.outline()
        for block, poly in blocks:
            if a.opacity < OPAQUE and block.opacity < OPAQUE:
                continue
            if _overlap(a.box, block.box) and _polygons_overlap(outline, poly):
                found.append(Finding(time, a.name, block.name))
    mx, my = SAFE_MARGIN * fmt.width, SAFE_MARGIN * fmt.height
    safe = (mx, my, fmt.width - mx, fmt.height - my)
    for item in [*texts, *(b for b, _ in blocks)]:
        x0, y0, x1, y1 = item.box
        if item.kind == "block" and (x1 <= 0 or y1 <= 0 or x0 >= fmt.width or y0 >= fmt.height):
            continue  # out of view
        if (
            x0 < safe[0] - TOLERANCE
            or y0 < safe[1] - TOLERANCE
            or x1 > safe[2] + TOLERANCE
            or y1 > safe[3] + TOLERANCE
        ):
            found.append(Finding(time, item.name))
    return found


def check_timeline(
    timeline: Timeline,
    fmt: FrameFormat,
    evenly: int = 30,
    items_at: Callable[[float], list[DrawnItem]] | None = None,
) -> list[Finding]:
    """Every collision of a Timeline's video in one format, in time order.

    ``items_at`` (time -> drawn items) defaults to the renderer's
    (:func:`convanim.renderer.items_renderer`); a finding repeated at successive samples is
    reported once, at its first sample.
    """
    if items_at is None:
        from convanim.renderer import items_renderer

        items_at = items_renderer(timeline, fmt)
    out: list[Finding] = []
    previous: set[tuple[str, str]] = set()
    for t in sample_times(timeline, evenly):
        found = check_items(items_at(t), fmt, t)
        keys = {f.key for f in found}
        out.extend(f for f in found if f.key not in previous and f.key in keys)
        previous = keys
    # one line per finding and sample run: drop duplicates within one sample
    seen: set[tuple[float, str, str]] = set()
    unique = []
    for f in out:
        k = (f.time, *f.key)
        if k not in seen:
            seen.add(k)
            unique.append(f)
    return unique
