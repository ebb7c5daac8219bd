"""Manim mobjects built straight from projected NumPy geometry.

Faces of the same colour are merged into one VMobject (one Cairo path with many closed subpaths),
so a block of thousands of cubes costs a few dozen draw calls. A text is one :class:`TextShape`
(one VMobject) made from its cached outline (:mod:`convanim.renderer.manim.text_outline`).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from manim import Mobject, VGroup, VMobject

from convanim.renderer.fontconfig import cjk_font, has_cjk
from convanim.renderer.manim.text_outline import text_outline
from convanim.renderer.typeset import split_text, typeset

SANS = "DejaVu Sans"
MONO = "DejaVu Sans Mono"


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


_TEMPLATE: dict[str, object] | None = None


def _rgba(color: str, opacity: float) -> np.ndarray:
    rgb = _hex_rgb(color)
    return np.array([[rgb[0], rgb[1], rgb[2], opacity]])


@lru_cache(maxsize=4096)
def _hex_rgb(color: str) -> tuple[float, float, float]:
    c = color.lstrip("#")
    return (int(c[0:2], 16) / 255.0, int(c[2:4], 16) / 255.0, int(c[4:6], 16) / 255.0)


class TextShape(VMobject):
    """A text drawn as one filled VMobject (all its glyphs); ``original_text`` is its string."""

    original_text: str = ""

    @property
    def text(self) -> str:
        """The string this shape draws."""
        return self.original_text


def styled_vmobject(
    points: np.ndarray,
    fill: str,
    fill_opacity: float,
    stroke: str,
    stroke_width: float,
    stroke_opacity: float,
    cls: type[VMobject] = VMobject,
) -> VMobject:
    """A VMobject with the given points and style, built without manim's slow constructor.

    ``VMobject(...)`` spends ~0.2 ms parsing colours and generating colour arrays; frames that
    rebuild dozens of them pay for it on every frame. Here the attributes of one constructed
    VMobject are copied (fresh containers, never shared) and only the colour arrays, stroke width
    and points are set, which is what Cairo reads when it draws. The frame goldens pin the result
    to what the constructor gives.
    """
    global _TEMPLATE
    if _TEMPLATE is None:
        _TEMPLATE = dict(VMobject().__dict__)
    mob = object.__new__(cls)
    state: dict[str, object] = {}
    for key, value in _TEMPLATE.items():
        if isinstance(value, list):
            value = []
        elif isinstance(value, np.ndarray):
            value = value.copy()
        state[key] = value
    mob.__dict__.update(state)
    mob.fill_opacity = fill_opacity
    mob.stroke_opacity = stroke_opacity
    mob.stroke_width = stroke_width
    mob.fill_rgbas = _rgba(fill, fill_opacity)
    mob.stroke_rgbas = _rgba(stroke, stroke_opacity)
    mob.points = points
    return mob


def polygons_mobject(
    polys: np.ndarray,
    fill: str,
    fill_opacity: float = 1.0,
    stroke: str | None = None,
    stroke_width: float = 0.0,
    stroke_opacity: float = 1.0,
) -> VMobject:
    """One VMobject drawing every polygon of ``polys`` (P, K, 2) in the same style."""
    points = polygons_to_points(polys) if len(polys) else np.zeros((0, 3))
    return styled_vmobject(
        points,
        fill,
        fill_opacity,
        stroke or fill,
        stroke_width,
        stroke_opacity if stroke_width > 0 else 0.0,
    )


def highlight_mobject(quad: np.ndarray, hue: str, opacity: float) -> VMobject:
    """The box that marks the row of a chart being worked on: ``quad`` (4, 2) in frame units,
    filled faintly and outlined in ``hue``."""
    return polygons_mobject(
        quad[None], hue, 0.12 * opacity, stroke=hue, stroke_width=2.0, stroke_opacity=opacity
    )


def lines_mobject(segments: np.ndarray, color: str, width: float, opacity: float = 1.0) -> VMobject:
    """Straight segments (S, 2, 2) as one stroked VMobject."""
    segs = np.asarray(segments, dtype=float)
    start, end = segs[:, 0], segs[:, 1]
    curves = np.stack([start, start + (end - start) / 3, start + (end - start) * 2 / 3, end], 1)
    pts = np.zeros((curves.shape[0] * 4, 3))
    pts[:, :2] = curves.reshape(-1, 2)
    return styled_vmobject(pts, color, 0.0, color, width, opacity)


def _font_for(text: str, font: str) -> str:
    """``font``, or for a text with Chinese in it the Chinese family fontconfig offers
    (monospaced for a monospaced ``font`` when one is installed)."""
    if has_cjk(text):
        return cjk_font(mono=font == MONO) or font
    return font


@lru_cache(maxsize=64)
def _line_height(font: str, weight: str) -> float:
    """Height of "Hg" in outline units (a text's height is proportional to its size)."""
    points = text_outline("Hg", font, weight)
    return float(np.ptp(points[:, 1]))


_PLACED: dict[tuple[object, ...], TextShape] = {}
"""Texts per place of use (``usage``)."""


def text_mobject(
    text: str,
    height: float,
    color: str,
    font: str = SANS,
    weight: str = "NORMAL",
    max_width: float | None = None,
    usage: object = None,
) -> TextShape:
    """Text sized so that a line is ``height`` frame units tall (and at most ``max_width`` wide),
    centred on the origin.

    The outline is laid out by Pango once per string, font and weight (then cached in memory and
    on disk) and scaled here: no copy of a mobject, no SVG parsing per text. With ``usage`` (any
    hashable naming the place the text is drawn), the same instance is returned every time for
    that place and text, its points set anew from the outline, and the caller moves it into
    position. The points never depend on where or how large the instance was drawn before, so
    a frame does not depend on the frames drawn before it.
    """
    key = (usage, text, color, font, weight)
    if usage is not None:
        cached = _PLACED.get(key)
        if cached is not None:
            cached.points = _text_points(text, height, font, weight, max_width)
            return cached
    mob = styled_vmobject(
        _text_points(text, height, font, weight, max_width), color, 1.0, color, 0.0, 1.0,
        cls=TextShape,
    )  # fmt: skip
    assert isinstance(mob, TextShape)
    mob.original_text = text
    if usage is not None:
        if len(_PLACED) > 4096:
            _PLACED.clear()
        _PLACED[key] = mob
    return mob


def _text_points(
    text: str, height: float, font: str, weight: str, max_width: float | None
) -> np.ndarray:
    """The points of ``text`` with a line ``height`` tall, at most ``max_width`` wide, centred on
    the origin (a new array: the cached outline is never changed)."""
    face = _font_for(text, font)
    points = text_outline(text, face, weight) * (height / _line_height(face, weight))
    if not len(points):
        return points
    points -= (points.min(axis=0) + points.max(axis=0)) / 2.0
    width = float(np.ptp(points[:, 0]))
    if max_width is not None and width > max_width:
        points *= max_width / width
    return points


STROKE_UNIT = 0.01
"""Frame units per unit of manim's ``stroke_width`` (Cairo's line-width multiple)."""


def math_mobject(latex: str, em: float, color: str, muted_color: str | None = None) -> VGroup:
    """A typeset formula (see :mod:`convanim.renderer.typeset`), an em ``em`` frame units tall.

    Glyphs and rules are filled, fraction and cancel lines stroked; ink the formula coloured
    itself (``\\color{gray}``) takes ``muted_color``. The outlines are typeset once per formula
    and process; this only scales them (a handful of VMobjects, no parsing). The group's left
    edge is at x = 0 and its baseline at y = 0.

    Raises
    ------
    MathError
        When the formula cannot be typeset (its message says which and why).
    """
    shape = typeset(latex)
    parts: list[VMobject] = []
    for muted in (False, True):
        ink = (muted_color or color) if muted else color
        fills = [o.points for o in shape.outlines if o.muted == muted and not o.stroke_width]
        if fills:
            pts = np.zeros((sum(len(f) for f in fills), 3))
            pts[:, :2] = np.concatenate(fills) * em
            parts.append(styled_vmobject(pts, ink, 1.0, ink, 0.0, 0.0))
        for o in shape.outlines:
            if o.muted == muted and o.stroke_width:
                pts = np.zeros((len(o.points), 3))
                pts[:, :2] = o.points * em
                width = o.stroke_width * em / STROKE_UNIT
                parts.append(styled_vmobject(pts, ink, 0.0, ink, width, 1.0))
    return VGroup(*parts)


WORD_HEIGHT = 1.1
"""Line height (em) of the words set in a text font inside a formula (Chinese glyphs about as
tall as the formula's capitals)."""
WORD_MIDDLE = 0.34
"""Height (em) above the baseline where such words are centred (the formula's letters' middle)."""
WORD_GAP = 0.3
"""Space (em) between such words and the math beside them."""


def formula_mobject(latex: str, em: float, color: str, muted_color: str | None = None) -> VGroup:
    """A formula (see :func:`math_mobject`) whose ``\\text{...}`` words the math font cannot
    draw (Chinese) are set in the text font, between the typeset math parts, on one baseline.

    Left edge at x = 0, baseline at y = 0, like :func:`math_mobject` (which it is, for a formula
    the math font draws whole).
    """
    pieces = split_text(latex, lambda words: not has_cjk(words))
    if len(pieces) == 1 and pieces[0][0] == "math":
        return math_mobject(latex, em, color, muted_color)
    parts: list[VMobject] = []
    x = 0.0
    for n, (kind, piece) in enumerate(pieces):
        if kind == "space":
            x += WORD_GAP * em
            continue
        if kind == "math":
            mob: VMobject = math_mobject(piece, em, color, muted_color)
            left = 0.0  # typeset with its left edge at x = 0
        else:
            if n:
                x += WORD_GAP * em
            mob = text_mobject(piece.strip(), em * WORD_HEIGHT, color)
            mob.move_to(np.array([0.0, WORD_MIDDLE * em, 0.0]), aligned_edge=np.array([-1, 0, 0]))
            left = float(mob.get_left()[0])
        mob.shift(np.array([x - left, 0.0, 0.0]))
        parts.append(mob)
        x = float(mob.get_right()[0])
        if kind == "text" and n + 1 < len(pieces):
            x += WORD_GAP * em
    return VGroup(*parts)


def set_opacity(mob: VMobject, opacity: float) -> None:
    """Set a text's or group's opacity only when it changes (cached mobjects keep their state)."""
    if getattr(mob, "_convanim_opacity", None) != opacity:
        mob.set_opacity(opacity)
        mob._convanim_opacity = opacity  # type: ignore[attr-defined]


Placement = tuple[TextShape, np.ndarray, float | None]
"""A shared text (:func:`text_mobject` with ``usage``), its points and opacity."""


def placements(mobs: list[Mobject]) -> list[Placement]:
    """Where the shared texts among ``mobs`` are now (to keep with a cached list of mobjects).

    A text made with ``usage`` is one instance for every viewport: a later draw at another
    viewport moves and rescales it. :func:`restore` puts it back when the cached list is reused.
    """
    return [
        (m, m.points.copy(), getattr(m, "_convanim_opacity", None))
        for m in mobs
        if isinstance(m, TextShape)
    ]


def restore(placed: list[Placement]) -> None:
    """Put the shared texts back as :func:`placements` found them (the very same points)."""
    for mob, points, opacity in placed:
        if not np.array_equal(mob.points, points):
            mob.points = points.copy()
        if opacity is not None:
            set_opacity(mob, opacity)
