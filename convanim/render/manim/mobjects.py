"""Manim mobjects built straight from projected NumPy geometry.

Faces of the same colour are merged into one VMobject (one Cairo path with many closed subpaths),
so a block of thousands of cubes costs a few dozen draw calls. Text is made once per string and
copied, because building it through Pango is the slow part of text.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from manim import VMobject
from manim.mobject.text.text_mobject import Text

SANS = "DejaVu Sans"
MONO = "DejaVu Sans Mono"
CJK = "WenQuanYi Micro Hei"


def polygons_to_points(polys: np.ndarray) -> np.ndarray:
    """Closed polygons (P, K, 2) -> manim cubic Bézier points (P * K * 4, 3), one subpath each."""
    polys = np.asarray(polys, dtype=float)
    p, k, _ = polys.shape
    start = polys
    end = np.roll(polys, -1, axis=1)
    h1 = start + (end - start) / 3.0
    h2 = start + (end - start) * 2.0 / 3.0
    curves = np.stack([start, h1, h2, end], axis=2).reshape(p * k * 4, 2)
    out = np.zeros((curves.shape[0], 3))
    out[:, :2] = curves
    return out


def polygons_mobject(
    polys: np.ndarray,
    fill: str,
    fill_opacity: float = 1.0,
    stroke: str | None = None,
    stroke_width: float = 0.0,
    stroke_opacity: float = 1.0,
) -> VMobject:
    """One VMobject drawing every polygon of ``polys`` (P, K, 2) in the same style."""
    mob = VMobject(
        fill_color=fill,
        fill_opacity=fill_opacity,
        stroke_color=stroke or fill,
        stroke_width=stroke_width,
        stroke_opacity=stroke_opacity if stroke_width > 0 else 0.0,
    )
    if len(polys):
        mob.set_points(polygons_to_points(polys))
    return mob


def lines_mobject(segments: np.ndarray, color: str, width: float, opacity: float = 1.0) -> VMobject:
    """Straight segments (S, 2, 2) as one stroked VMobject."""
    segs = np.asarray(segments, dtype=float)
    start, end = segs[:, 0], segs[:, 1]
    curves = np.stack([start, start + (end - start) / 3, start + (end - start) * 2 / 3, end], 1)
    pts = np.zeros((curves.shape[0] * 4, 3))
    pts[:, :2] = curves.reshape(-1, 2)
    mob = VMobject(stroke_color=color, stroke_width=width, stroke_opacity=opacity, fill_opacity=0)
    mob.set_points(pts)
    return mob


def _font_for(text: str, font: str) -> str:
    if any(ord(ch) > 0x2E80 for ch in text):
        return CJK
    return font


@lru_cache(maxsize=64)
def _line_height(font: str, weight: str) -> float:
    """Height of "Hg" at font size 48 (text height is proportional to the font size)."""
    return float(Text("Hg", font=font, font_size=48, weight=weight).height)


_PLACED: dict[tuple[object, ...], Text] = {}


def text_mobject(
    text: str,
    height: float,
    color: str,
    font: str = SANS,
    weight: str = "NORMAL",
    max_width: float | None = None,
    usage: object = None,
) -> Text:
    """Text sized so that a line is ``height`` frame units tall (and at most ``max_width`` wide).

    The text is built at the font size that gives that height (no copy, no rescale: copying a
    text mobject deep-copies every glyph and costs more than building it). With ``usage`` (any
    hashable naming the place the text is drawn), the same instance is returned every time for
    that place and text, and the caller moves it into position.
    """
    key = (usage, text, round(height, 4), color, font, weight, max_width)
    if usage is not None:
        cached = _PLACED.get(key)
        if cached is not None:
            return cached
    face = _font_for(text, font)
    size = 48.0 * height / _line_height(face, weight)
    mob = Text(text, font=face, color=color, font_size=size, weight=weight)
    if max_width is not None and mob.width > max_width:
        mob.scale(max_width / mob.width)
    if usage is not None:
        if len(_PLACED) > 20000:
            _PLACED.clear()
        _PLACED[key] = mob
    return mob


def set_opacity(mob: VMobject, opacity: float) -> None:
    """Set a text's or group's opacity only when it changes (cached mobjects keep their state)."""
    if getattr(mob, "_convanim_opacity", None) != opacity:
        mob.set_opacity(opacity)
        mob._convanim_opacity = opacity  # type: ignore[attr-defined]
