"""The mobjects a drawer returns for one actor -> named :class:`DrawnItem` s in pixels.

- an overlay (title, caption, table, formula, counts, legend) is one text-like item named by its
  role (the caption with its words), whatever it is made of (texts, typeset formulas, bars);
- every :class:`~manim.Text` of any other actor is a text item named by its words;
- a block's other mobjects are its faces: one ``"block"`` item, their convex outline (its ground
  shadow, the only thing drawn in pure black, is not part of it);
- a text of another visual lying inside one of that visual's own shapes (a channel's number on
  its slab) is written on it: a ``"cell_text"`` item, like a number on a block's cells;
- the rest (kernels, beams, charts' bars, arrows) is not an item: it may cross texts and blocks.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import replace

import numpy as np
from manim import Mobject

from convanim.renderer.frame_format import FRAME_HEIGHT, FrameFormat
from convanim.renderer.items import DrawnItem, box_inside, convex_hull
from convanim.renderer.manim.mobjects import TextShape
from convanim.storyboard.timeline import Actor, BlockActor, OverlayActor

__all__ = ["describe"]


def _to_pixels(points: np.ndarray, fmt: FrameFormat) -> np.ndarray:
    """Frame units (x right, y up, origin at the centre) -> pixels (x right, y down)."""
    px = (points[:, 0] + fmt.frame_width / 2) * fmt.width / fmt.frame_width
    py = (FRAME_HEIGHT / 2 - points[:, 1]) * fmt.height / FRAME_HEIGHT
    return np.stack([px, py], axis=1)


def _box(points: np.ndarray) -> tuple[float, float, float, float]:
    return (
        float(points[:, 0].min()),
        float(points[:, 1].min()),
        float(points[:, 0].max()),
        float(points[:, 1].max()),
    )


def _points(mob: Mobject) -> np.ndarray:
    pts = mob.get_all_points()
    return np.asarray(pts[:, :2] if len(pts) else np.zeros((0, 2)))


def _walk(mobs: Iterable[Mobject]) -> Iterator[tuple[Mobject, bool]]:
    """(mobject, is_text) for every text and every leaf shape of ``mobs``."""
    for mob in mobs:
        if isinstance(mob, TextShape):
            yield mob, True
        elif mob.submobjects:
            if len(mob.points):
                yield mob, False
            yield from _walk(mob.submobjects)
        else:
            yield mob, False


def _is_shadow(mob: Mobject) -> bool:
    rgbas = getattr(mob, "fill_rgbas", None)
    return rgbas is not None and len(rgbas) > 0 and not np.any(rgbas[0][:3])


def _text_name(mob: TextShape) -> str:
    return f"text '{getattr(mob, 'original_text', mob.text)}'"


def describe(
    actor: Actor, mobs: list[Mobject], opacity: float, fmt: FrameFormat
) -> list[DrawnItem]:
    """The items an actor's mobjects show (see the module docstring)."""
    if isinstance(actor, OverlayActor):
        points = np.concatenate([_points(m) for m in mobs] or [np.zeros((0, 2))])
        if not len(points):
            return []
        name = actor.id
        if actor.role == "caption":
            texts = [m for m, is_text in _walk(mobs) if is_text]
            name = f"caption '{texts[0].original_text}'" if texts else "caption"
        return [DrawnItem(name, "text", actor.id, _box(_to_pixels(points, fmt)), opacity)]
    items: list[DrawnItem] = []
    faces: list[np.ndarray] = []
    shapes: list[np.ndarray] = []  # the outlines of a visual's own shapes (not a block's)
    for mob, is_text in _walk(mobs):
        points = _points(mob)
        if not len(points):
            continue
        if is_text:
            box = _box(_to_pixels(points, fmt))
            items.append(DrawnItem(_text_name(mob), "text", actor.id, box, opacity))  # type: ignore[arg-type]
        elif isinstance(actor, BlockActor):
            if not _is_shadow(mob):
                faces.append(points)
        elif not _is_shadow(mob):
            shapes.append(convex_hull(_to_pixels(points, fmt)))
    if shapes:
        items = [
            replace(i, kind="cell_text") if any(box_inside(i.box, s) for s in shapes) else i
            for i in items
        ]
    if faces:
        hull = convex_hull(_to_pixels(np.concatenate(faces), fmt))
        polygon = tuple((float(x), float(y)) for x, y in hull)
        items.append(
            DrawnItem(f"block {actor.id}", "block", actor.id, _box(hull), opacity, polygon)
        )
    return items
