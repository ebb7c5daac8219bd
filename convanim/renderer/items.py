"""What a frame shows, as named boxes in pixels (no manim needed to read them).

:meth:`convanim.renderer.manim.frames.FrameRenderer.items_at` lists the items drawn at a time t
(:func:`convanim.renderer.drawn_items`); :mod:`convanim.renderer.collisions` compares them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["DrawnItem", "box_inside", "convex_hull"]


@dataclass(frozen=True)
class DrawnItem:
    """One thing drawn in a frame: a text, an overlay or a block's faces.

    ``kind`` is ``"text"`` (a text, or an overlay fixed in the frame: title, table, formula...),
    ``"block"`` (a tensor block's visible faces; ``polygon`` is their convex outline) or
    ``"cell_text"`` (a number written on a block's cells, inside its faces). ``box`` is
    (x0, y0, x1, y1) in pixels, y downwards; ``opacity`` 0..1.
    """

    name: str
    kind: str
    actor: str
    box: tuple[float, float, float, float]
    opacity: float
    polygon: tuple[tuple[float, float], ...] = ()

    def outline(self) -> np.ndarray:
        """The item's convex outline in pixels (K, 2): its polygon, or its box."""
        if self.polygon:
            return np.asarray(self.polygon, dtype=float)
        x0, y0, x1, y1 = self.box
        return np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], dtype=float)


def convex_hull(points: np.ndarray) -> np.ndarray:
    """Convex hull (K, 2), counter-clockwise in a y-up sense, of points (N, 2) (monotone chain).

    Points strictly inside the hull of the extreme points (along x, y and both diagonals) are
    dropped first, in one vectorised step: a block's faces have thousands of points, its outline
    a handful.
    """
    pts = np.unique(np.round(np.asarray(points, dtype=float).reshape(-1, 2), 6), axis=0)
    if len(pts) > 16:
        x, y = pts[:, 0], pts[:, 1]
        extremes = {int(f(v)) for v in (x, y, x + y, x - y) for f in (np.argmin, np.argmax)}
        inner = _monotone_chain(pts[sorted(extremes)])
        if len(inner) >= 3:
            edges = np.roll(inner, -1, axis=0) - inner
            rel = pts[:, None, :] - inner[None, :, :]
            cross = edges[None, :, 0] * rel[:, :, 1] - edges[None, :, 1] * rel[:, :, 0]
            pts = pts[~np.all(cross > 1e-9, axis=1)]
    return _monotone_chain(pts)


def _monotone_chain(pts: np.ndarray) -> np.ndarray:
    """Hull of points sorted by x then y (Andrew's monotone chain)."""
    if len(pts) <= 2:
        return pts

    def half(seq: np.ndarray) -> list[np.ndarray]:
        out: list[np.ndarray] = []
        for p in seq:
            while len(out) >= 2:
                a, b = out[-2], out[-1]
                if (b[0] - a[0]) * (p[1] - a[1]) - (b[1] - a[1]) * (p[0] - a[0]) > 0:
                    break
                out.pop()
            out.append(p)
        return out

    lower = half(pts)
    upper = half(pts[::-1])
    return np.array(lower[:-1] + upper[:-1])


def box_inside(
    box: tuple[float, float, float, float], poly: np.ndarray, slack: float = 2.0
) -> bool:
    """Whether a box (x0, y0, x1, y1) lies wholly inside a convex polygon (K, 2), give or take
    ``slack`` (in the units of the cross products: about pixels for pixel-sized edges)."""
    if len(poly) < 3:
        return False
    x0, y0, x1, y1 = box
    corners = np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]])
    edges = np.roll(poly, -1, axis=0) - poly
    rel = corners[:, None, :] - poly[None, :, :]
    cross = edges[None, :, 0] * rel[:, :, 1] - edges[None, :, 1] * rel[:, :, 0]
    return bool(np.all(cross >= -slack) or np.all(cross <= slack))
