"""Drawing overlays fixed in the frame: title, shape table, formula, counts, legend, caption."""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np
from manim import LEFT, RIGHT, UP, Mobject, VGroup, VMobject

from convanim.renderer.fontconfig import has_cjk
from convanim.renderer.layout import FRAME_HEIGHT, Viewport
from convanim.renderer.manim.mobjects import (
    MONO,
    formula_mobject,
    polygons_mobject,
    set_opacity,
    text_mobject,
)
from convanim.renderer.manim.stage import Drawer, Stage, to_hex
from convanim.storyboard import palette
from convanim.storyboard.common import fmt_value
from convanim.storyboard.timeline import Coloring, OverlayActor


def wrap_line(line: str, width: int) -> list[str]:
    """Split a long formula line at spaces (continuation lines indented), so it stays legible
    instead of being scaled down to fit."""
    if len(line) <= width:
        return [line]
    out: list[str] = []
    current = ""
    for word in line.split(" "):
        candidate = f"{current} {word}" if current else word
        if len(candidate) > width and current:
            out.append(current)
            current = "  " + word
        else:
            current = candidate
    out.append(current)
    return out


CAPTION_Y = -1.72
"""Frame y of the step caption, just under the world band."""
CAPTION_HALF_HEIGHT = 0.16
"""Half the height of a caption line of text (a typeset caption reaches no lower)."""
CAPTION_LOW_Y = -3.05
"""Frame y of the caption when an actor draws over the panel band (``takes_panel``: the matrix
view, which shows no shape table or formula), above the counts."""


def split_title(text: str) -> tuple[str, str]:
    """A long title in two lines of about equal length: at the space nearest the middle, or in
    the middle of a text without spaces (Chinese)."""
    middle = len(text) // 2
    spaces = [i for i, ch in enumerate(text) if ch == " "]
    if spaces:
        cut = min(spaces, key=lambda i: abs(i - middle))
        return text[:cut], text[cut + 1 :]
    return text[:middle], text[middle:]


MATH_EM = 0.3
"""Font size (frame units per em) of typeset output-size formulas before fitting the panel."""
CAPTION_EM = 0.34
"""Font size of a typeset caption equation (its digits about as tall as the text captions')."""
FORMULA_PANEL_HEIGHT = 1.4
"""Height for the formulas between the caption line and the counts."""
FORMULA_PANEL_Y = -2.62
"""Vertical centre of the formula panel."""
RELATION_SPACE = 0.6
"""Space (em) before the ``=`` that starts the second part of a formula set on one line: as
wide as the space ziamath leaves after that ``=``."""


MIN_MATH_EM = 0.24
"""Smallest size (frame units per em) a formula is set at while the panel can grow: 14 px at
854×480 (a frame is 8 units tall)."""
FORMULA_PANEL_MAX_HEIGHT = 2.0
"""Height the formula panel may grow to (upwards) to keep formulas at :data:`MIN_MATH_EM`."""


def formula_layouts(formulas: tuple[str, ...]) -> list[list[list[str]]]:
    """The ways to set output-size formulas (``lhs = symbolic = numbers = result``, one per
    axis): lists of rows, a row the LaTeX pieces set side by side.

    Each formula on one row; each as two rows (``lhs = symbolic``, ``= numbers = result``); and,
    when every axis has the same rule (the symbolic forms equal but for the axis letter), the
    first one's ``lhs = symbolic`` once, then ``lhs = numbers = result`` for each axis.
    """
    parts = [split_equation(tex) for tex in formulas]
    layouts = [[list(p) for p in parts]]
    if any(len(p) > 1 for p in parts):
        layouts.append([[piece] for p in parts for piece in p])
    if len(parts) > 1 and all(len(p) == 2 for p in parts):
        heads = [p[0].split(" = ", 1) for p in parts]
        if all(len(h) == 2 for h in heads):
            rules = {re.sub(rf"\b{re.escape(h[0][:1])}_", "X_", h[1]) for h in heads}
            if len(rules) == 1:
                rows = [[h[0], p[1]] for h, p in zip(heads, parts, strict=True)]
                layouts.append([[parts[0][0]], *rows])
    return layouts


def split_equation(tex: str) -> list[str]:
    """``lhs = symbolic = numbers = result`` -> ``["lhs = symbolic", "= numbers = result"]``.

    Splits at the second `` = `` outside braces (the start of the numbers); a formula with
    fewer equals signs stays whole.
    """
    depth, equals = 0, []
    for i, ch in enumerate(tex):
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        elif depth == 0 and tex.startswith(" = ", i):
            equals.append(i)
    if len(equals) < 3:
        return [tex]
    cut = equals[1]
    return [tex[:cut], tex[cut + 1 :]]


class OverlayDrawer(Drawer[OverlayActor]):
    """Draws :class:`OverlayActor` s."""

    layer = 2

    def __init__(self, stage: Stage) -> None:
        super().__init__(stage)
        self._overlay_cache: dict[tuple[str, str], VGroup] = {}
        self._panel_top: float | None = None

    def draw(self, overlay: OverlayActor, t: float, vp: Viewport, opacity: float) -> list[Mobject]:
        """Title, shape table, formula, counts, legend or caption, fixed in the frame."""
        if overlay.role == "caption":
            text = self.state.caption(t)
            if not text:
                return []
            tex = self.state.caption_tex(t)
            if tex:
                group = self._cached_overlay(overlay.id, "$" + tex, lambda: self._math_caption(tex))
            else:
                group = self._cached_overlay(overlay.id, text, lambda: self._caption_group(text))
        elif overlay.role == "legend":
            block_id = self.state.legend_block(t)
            if block_id is None:
                return []
            block = self.blocks[block_id]
            coloring = self.state.coloring(block, t)
            key = f"{block_id}:{coloring}"
            title = overlay.lines[0] if overlay.lines else self.words.legend
            group = self._cached_overlay(
                overlay.id, key, lambda: self._legend_group(coloring, title)
            )
        else:
            group = self._static_overlay_of(overlay)
        set_opacity(group, opacity)
        return [group]

    PANEL = ("table", "formula", "counts")
    """Roles of the overlays that make the bottom panel."""

    def panel_top(self) -> float | None:
        """Top (frame units) of the bottom panel over the whole video: the highest of its
        overlays (one per op; they take turns), or None when there is none."""
        if self._panel_top is None:
            tops = [-FRAME_HEIGHT]
            for actor in self.stage.timeline.actors:
                if isinstance(actor, OverlayActor) and actor.role in self.PANEL:
                    group = self._static_overlay_of(actor)
                    if len(group.submobjects):
                        tops.append(float(group.get_top()[1]))
            self._panel_top = max(tops)
        return self._panel_top if self._panel_top > -FRAME_HEIGHT else None

    def title_bottom(self) -> float | None:
        """Bottom (frame units) of the title, or None when there is none."""
        for actor in self.stage.timeline.actors:
            if isinstance(actor, OverlayActor) and actor.role == "title":
                return float(self._static_overlay_of(actor).get_bottom()[1])
        return None

    def _static_overlay_of(self, overlay: OverlayActor) -> VGroup:
        return self._cached_overlay(overlay.id, "", lambda: self._static_overlay(overlay))

    def _cached_overlay(self, actor_id: str, key: str, make: Callable[[], VGroup]) -> VGroup:
        cache_key = (actor_id, key)
        group = self._overlay_cache.get(cache_key)
        if group is None:
            group = make()
            self._overlay_cache[cache_key] = group
        return group

    def _static_overlay(self, overlay: OverlayActor) -> VGroup:
        fw = self.fmt.frame_width
        edge = self.fmt.safe_inset[0] + 0.02  # left and right ends, inside the safe area
        theme = self.theme
        if overlay.role == "title":
            # Centred in the band left of the legend (top right), as wide as that band allows.
            # A title that would shrink below 70 % goes on two lines instead.
            left, right = -fw / 2 + edge, fw / 2 - 3.75
            text = overlay.lines[0]
            one = text_mobject(text, 0.5, theme.text, weight="BOLD")
            shrink = min(1.0, (right - left) / one.width)
            one.scale(shrink)
            title = VGroup(one)
            if shrink < 0.7:
                lines = [
                    text_mobject(part, 0.38, theme.text, weight="BOLD", max_width=right - left)
                    for part in split_title(text)
                ]
                title = VGroup(*lines).arrange(direction=np.array([0, -1, 0]), buff=0.06)
            centre = 0.0 if title.width / 2 <= right else (left + right) / 2
            title.move_to(np.array([centre, FRAME_HEIGHT / 2 - 0.25 - title.height / 2, 0.0]))
            return title
        if overlay.role == "table":
            group = self._table(overlay.lines)
            if group.width > fw * 0.48:
                group.scale(fw * 0.48 / group.width)
            group.move_to(np.array([-fw / 2 + edge + group.width / 2, -2.95, 0.0]))
            return group
        if overlay.role == "formula" and overlay.tex:
            return self.formula_group(overlay.tex)[0]
        if overlay.role == "formula":
            wrapped = [part for line in overlay.lines for part in wrap_line(line, 56)]
            lines = [text_mobject(line, 0.26, theme.text, font=MONO) for line in wrapped]
            group = VGroup(*lines).arrange(
                direction=np.array([0, -1, 0]), aligned_edge=np.array([-1, 0, 0]), buff=0.1
            )
            if group.width > fw * 0.44:
                group.scale(fw * 0.44 / group.width)
            group.move_to(np.array([fw / 2 - edge - group.width / 2, -2.55, 0.0]))
            return group
        if overlay.role == "counts":
            text = "   ".join(overlay.lines)
            mob = text_mobject(text, 0.28, theme.text, font=MONO, max_width=fw * 0.44)
            mob.move_to(np.array([fw / 2 - edge - mob.width / 2, -3.55, 0.0]))
            return VGroup(mob)
        return VGroup()

    def _table(self, lines: tuple[str, ...]) -> VGroup:
        """The shape table in a monospace font: header muted, every column right-aligned.

        Each row is one text of equal character count, right-aligned at the same x, so the
        columns of the monospace font line up (leading blanks carry no ink to align on).
        """
        rows = [line.split("\t") for line in lines]
        size = 0.27
        if any(has_cjk(cell) for row in rows for cell in row):
            return self._cell_table(rows, size)
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
        mobs: list[VMobject] = []
        for n, row in enumerate(rows):
            cells = [row[0].ljust(widths[0])] + [
                c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True)
            ]
            text = "  ".join(cells).replace(" ", "\u00a0")
            color = self.theme.muted_text if n == 0 else self.theme.text
            mob = text_mobject(text, size, color, font=MONO)
            mob.align_to(np.array([0.0, -n * size * 1.45, 0.0]), np.array([1, 1, 0]))
            mobs.append(mob)
        return VGroup(*mobs)

    def _cell_table(self, rows: list[list[str]], size: float) -> VGroup:
        """The shape table with Chinese words: one text per cell, placed by measured width.

        A Chinese glyph is not a whole number of Latin cells wide in every font, so cells are
        not padded with blanks: the first column is left-aligned, the others right-aligned at
        the widest cell of their column plus two digits' width.
        """
        texts = [
            [
                text_mobject(cell, size, self.theme.muted_text if n == 0 else self.theme.text,
                             font=MONO) if cell else None
                for cell in row
            ]
            for n, row in enumerate(rows)
        ]  # fmt: skip
        gap = text_mobject("00", size, self.theme.text, font=MONO).width
        widths = [
            max((m.width for m in column if m is not None), default=0.0)
            for column in zip(*texts, strict=True)
        ]
        mobs: list[VMobject] = []
        right = 0.0
        for i, width in enumerate(widths):
            right = width if i == 0 else right + gap + width
            for n, row_mobs in enumerate(texts):
                cell = row_mobs[i]
                if cell is None:
                    continue
                middle = -n * size * 1.45 - size / 2
                x = 0.0 if i == 0 else right - cell.width
                cell.move_to(np.array([x + cell.width / 2, middle, 0.0]))
                mobs.append(cell)
        return VGroup(*mobs)

    def formula_group(self, formulas: tuple[str, ...]) -> tuple[VGroup, float]:
        """Typeset output-size formulas, one per axis, left-aligned in the bottom-right panel.

        Laid out the way that comes out largest (:func:`formula_layouts`): each formula on one
        line; each as its symbolic form over ``= numbers = result``; or, for several axes with
        the same rule, the symbolic form once and then one line of numbers per axis. Scaled down
        only as far as the panel needs (its width, and the height between the caption line and
        the counts); when that would set the formulas smaller than :data:`MIN_MATH_EM`, the
        panel grows upwards (to :data:`FORMULA_PANEL_MAX_HEIGHT`) instead.

        Returns the group and the size it sets the formulas at (frame units per em).
        """
        fw = self.fmt.frame_width
        width = fw * 0.44

        def fit(group: VGroup, height: float) -> float:
            return min(1.0, width / group.width, height / group.height)

        layouts = [self._formula_rows(rows) for rows in formula_layouts(formulas)]
        # the largest; of equally large ones the shortest (fewest rows)
        group = max(layouts, key=lambda g: (fit(g, FORMULA_PANEL_HEIGHT), -g.height))
        scale = fit(group, FORMULA_PANEL_HEIGHT)
        if MATH_EM * scale < MIN_MATH_EM:
            group = max(layouts, key=lambda g: (fit(g, FORMULA_PANEL_MAX_HEIGHT), -g.height))
            scale = min(fit(group, FORMULA_PANEL_MAX_HEIGHT), MIN_MATH_EM / MATH_EM)
        if scale < 1.0:
            group.scale(scale)
        edge = self.fmt.safe_inset[0] + 0.02
        bottom = FORMULA_PANEL_Y - FORMULA_PANEL_HEIGHT / 2
        y = max(FORMULA_PANEL_Y, bottom + group.height / 2)
        group.move_to(np.array([fw / 2 - edge - group.width / 2, y, 0.0]))
        return group, float(MATH_EM * min(scale, 1.0))

    def _formula_rows(self, rows: list[list[str]]) -> VGroup:
        """Rows of typeset pieces: the pieces of a row side by side on one baseline (a space
        before a piece that starts with ``=``), rows stacked and left-aligned, a row that
        continues the one above (starts with ``=``) indented."""
        mobs: list[VMobject] = []
        for row in rows:
            pieces = [
                formula_mobject(p, MATH_EM, self.theme.text, self.theme.muted_text) for p in row
            ]
            x = 0.0  # every piece has its baseline at y = 0 as typeset
            for n, (tex, piece) in enumerate(zip(row, pieces, strict=True)):
                if n and tex.startswith("="):
                    x += MATH_EM * RELATION_SPACE
                piece.shift(np.array([x - piece.get_left()[0], 0.0, 0.0]))
                x = piece.get_right()[0]
            mobs.append(VGroup(*pieces))
        group = VGroup(*mobs).arrange(
            direction=np.array([0, -1, 0]), aligned_edge=np.array([-1, 0, 0]), buff=0.08
        )
        for row, mob in zip(rows, mobs, strict=True):
            if row[0].startswith("="):  # "= numbers" indented under the symbolic form
                mob.shift(np.array([MATH_EM * 2.0, 0.0, 0.0]))
        return group

    def _math_caption(self, tex: str) -> VGroup:
        """The step's equation, typeset, centred on the caption line; one taller than a text
        line (a fraction) grows upwards, so it never reaches down into the panel."""
        mob = formula_mobject(tex, CAPTION_EM, self.theme.text, self.theme.muted_text)
        limit = self.fmt.frame_width - 1
        if mob.width > limit:
            mob.scale(limit / mob.width)
        y = self._caption_y()
        mob.move_to(np.array([0.0, y, 0.0]))
        low = y - CAPTION_HALF_HEIGHT
        if mob.get_bottom()[1] < low:
            mob.shift(np.array([0.0, low - mob.get_bottom()[1], 0.0]))
        return VGroup(mob)

    def _caption_y(self) -> float:
        """Frame y of the caption line's middle: above the bottom panel (or low, when an actor
        takes the panel band)."""
        low = any(getattr(a, "takes_panel", False) for a in self.stage.timeline.actors)
        top = self.panel_top()
        return CAPTION_LOW_Y if low else (CAPTION_Y if top is None else top + 0.25)

    def _caption_group(self, text: str) -> VGroup:
        mob = text_mobject(
            text, 0.3, self.theme.text, font=MONO, max_width=self.fmt.frame_width - 1
        )
        mob.move_to(np.array([0.0, self._caption_y(), 0.0]))
        return VGroup(mob)

    def _legend_group(self, coloring: Coloring, title: str) -> VGroup:
        """Colour bars (one per group hue) from the lowest to the highest output value, and
        the legend's ``title`` above them."""
        if coloring.mode != "values" or coloring.value_range is None:
            return VGroup()
        hues = list(dict.fromkeys(coloring.hues))[:4]
        levels = palette.VALUE_LEVELS
        width = 1.7
        height = 0.14 if len(hues) == 1 else 0.3 / len(hues)
        mobs: list[VMobject] = []
        for n, hue in enumerate(hues):
            y0 = -n * (height + 0.02)
            quads = np.array(
                [
                    [
                        [width * i / levels, y0],
                        [width * (i + 1) / levels, y0],
                        [width * (i + 1) / levels, y0 + height],
                        [width * i / levels, y0 + height],
                    ]
                    for i in range(levels)
                ]
            )
            for i in range(levels):
                mobs.append(
                    polygons_mobject(quads[i : i + 1], to_hex(palette.level_rgb(hue, i)), 1.0)
                )
        # Compact: the range's ends left and right of the bars, the name above.
        bottom = -(len(hues) - 1) * (height + 0.02)
        middle = (bottom + height) / 2
        lo, hi = coloring.value_range
        low = text_mobject(fmt_value(lo), 0.22, self.theme.muted_text, font=MONO)
        high = text_mobject(fmt_value(hi), 0.22, self.theme.muted_text, font=MONO)
        low.next_to(np.array([0, middle, 0]), LEFT, buff=0.08)
        high.next_to(np.array([width, middle, 0]), RIGHT, buff=0.08)
        name = text_mobject(title, 0.22, self.theme.muted_text)
        name.next_to(np.array([width / 2, height, 0]), UP, buff=0.06)
        group = VGroup(*mobs, low, high, name)
        group.move_to(
            np.array(
                [
                    self.fmt.frame_width / 2 - self.fmt.safe_inset[0] - 0.02 - group.width / 2,
                    FRAME_HEIGHT / 2 - 0.3 - group.height / 2,
                    0.0,
                ]
            )
        )
        return group
