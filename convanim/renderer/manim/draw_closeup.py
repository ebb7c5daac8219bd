"""Drawing the close-up panel: the arithmetic of one window, number by number.

The panel takes the bottom band of the frame (the shape table, formula and counts give way to it
while it plays, see :mod:`convanim.storyboard.closeup`). Its top row holds the grids (window ×
kernel = products, or the window of a pooling, or the vectors of a dot product), its bottom row
the sum over the channels, + bias, = the output value, which then flies into its output cube.
Every number and word comes from the actor and its ``closeup`` events.
"""

from __future__ import annotations

import numpy as np
from manim import Mobject

from convanim.renderer import geometry as geo
from convanim.renderer.layout import Viewport
from convanim.renderer.manim.mobjects import MONO, polygons_mobject, set_opacity, text_mobject
from convanim.renderer.manim.stage import Drawer
from convanim.renderer.state import smooth
from convanim.storyboard import palette
from convanim.storyboard.arrays import ArrayData
from convanim.storyboard.closeup import CloseupActor, CloseupStep, CloseupTerm, keeps_caption
from convanim.storyboard.common import fmt_value
from convanim.storyboard.timeline import Event

SIZES = (0.27, 0.25, 0.23, 0.21, 0.2)
"""Heights of a number (frame units), largest first: the largest whose grids fit the panel is
used; 0.2 is 12 px at 854×480, the smallest frame the README lists."""
LABEL = 0.2
"""Height of a grid's label."""
PANEL = (-3.97, -1.8)
"""Bottom and top of the panel (frame units): below the blocks' shape labels; the caption line
is cleared while it plays."""
SCATTER_TOP = -2.3
"""Top of the panel of a transposed conv's stamp (3 rows or fewer): under the caption line, which
keeps the stamp's caption."""
PRODUCT_FILL = "#FFFFFF"
PAD_FILL = "#C9CCD1"
OUTPUT_FILL = palette.tint(palette.OUTPUT_HUE)
"""Cells of the output in a stamp's close-up."""


class CloseupDrawer(Drawer[CloseupActor]):
    """Draws :class:`CloseupActor` s while their ``closeup`` events play."""

    layer = 3
    panel = True

    def draw(self, actor: CloseupActor, t: float, vp: Viewport, opacity: float) -> list[Mobject]:
        """The panel of the step being played at time t (as of its latest beat)."""
        event = self.state.latest(actor.id, "closeup", t)
        if event is None:
            return []
        step = actor.steps[int(event.data["step"])]
        words = dict(actor.words)
        fly = None
        if event.data.get("fly"):
            fly = min(max((t - event.start) / max(event.duration, 1e-6), 0.0), 1.0)
        u = float(event.data["u"])  # beats are shares of the close-up's length
        return _Panel(self, actor, step, event, words, u, fly, vp, opacity).mobjects()


class _Panel:
    """The mobjects of one step at ``u`` seconds into its event."""

    def __init__(
        self,
        drawer: CloseupDrawer,
        actor: CloseupActor,
        step: CloseupStep,
        event: Event,
        words: dict[str, str],
        u: float,
        fly: float | None,
        vp: Viewport,
        opacity: float,
    ) -> None:
        self.d = drawer
        self.actor = actor
        self.step = step
        self.data = actor.plans[int(event.data["step"])]
        self.flight = fly
        self.words = words
        self.u = u
        self.vp = vp
        self.opacity = opacity
        self.mobs: list[Mobject] = []
        fw = drawer.fmt.frame_width
        self.x0, self.x1 = -fw / 2 + 0.3, fw / 2 - 0.3
        cols = max(t.values.shape[1] for t in step.terms)
        rows = max(t.values.shape[0] for t in step.terms)
        self.top = PANEL[1]
        if step.scatter is not None:
            rows, cols = step.scatter.stamp.shape
            if keeps_caption(step):
                self.top = SCATTER_TOP
                self.scatter_sizes()
                return
        grids = {"products": 3, "dot": 1, "max": 1, "mean": 1}.get(step.mode, 3)
        # Tall windows (more than 3 rows) go compact: flatter cells, the grid names left out
        # (× and = say what the grids are) and the channel named left of the window.
        self.compact = rows > 3
        stacked = 3 if step.mode == "dot" else 1
        for size in SIZES:
            self.size = size
            self.cell_w = _text_width("-0.00", size) + (0.2 if size > SIZES[-1] else 0.14)
            self.cell_h = size * (1.3 if self.compact else 1.45)
            spare = 2.0 if self.compact else 4.0
            wide = grids * cols * self.cell_w + spare <= self.x1 - self.x0
            high = rows * self.cell_h * stacked + (0.75 if self.compact else 1.0)
            if wide and high <= PANEL[1] - PANEL[0]:
                break

    def scatter_sizes(self) -> None:
        """The largest size at which a stamp's header, grids and sum fit under the caption."""
        assert self.step.scatter is not None
        rows, cols = self.step.scatter.stamp.shape
        name_w = _text_width(self.step.scatter.target, LABEL) + 0.2
        self.compact = True
        for size in SIZES:
            self.size = size
            self.cell_w = _text_width(" -0.00 ", size)  # a character's margin each side
            self.cell_h = size * 1.3
            high = LABEL * 1.5 + rows * self.cell_h + size * 2.0
            wide = name_w + 3 * cols * self.cell_w + 2 * 0.55 + 0.2
            if high <= self.top - PANEL[0] and wide <= self.x1 - self.x0:
                break

    # -- helpers ------------------------------------------------------------------------
    def text(
        self,
        s: str,
        x: float,
        y: float,
        *,
        height: float | None = None,
        color: str | None = None,
        align: str = "center",
        key: object = None,
    ) -> float:
        """Place a text; returns its width."""
        height = height or self.size
        place = key if key is not None else (round(x, 3), round(y, 3))
        mob = text_mobject(
            s, height, color or self.d.theme.text, font=MONO, usage=("closeup", place, s, height)
        )
        w = float(mob.width)
        cx = x if align == "center" else (x + w / 2 if align == "left" else x - w / 2)
        mob.move_to(np.array([cx, y, 0.0]))
        set_opacity(mob, self.opacity)
        self.mobs.append(mob)
        return w

    def rects(
        self,
        centres: list[tuple[float, float]],
        fill: str,
        stroke: str | None = None,
        width: float = 0.0,
        fill_opacity: float = 1.0,
    ) -> None:
        if not centres:
            return
        hw, hh = self.cell_w / 2 - 0.03, self.cell_h / 2 - 0.03
        quads = np.array(
            [
                [[x - hw, y - hh], [x + hw, y - hh], [x + hw, y + hh], [x - hw, y + hh]]
                for x, y in centres
            ]
        )
        self.mobs.append(
            polygons_mobject(
                quads,
                fill,
                fill_opacity * self.opacity,
                stroke=stroke,
                stroke_width=width,
                stroke_opacity=self.opacity,
            )
        )

    def grid(
        self,
        grid: ArrayData | np.ndarray,
        left: float,
        top: float,
        fill: str,
        key: object,
        shown: int | None = None,
        pad_mask: ArrayData | np.ndarray | None = None,
        focus: int = -1,
    ) -> float:
        """A grid of numbers with its top-left at (left, top); returns its width.

        ``shown``: only the first cells in raster order; ``focus``: the cell outlined.
        """
        values = grid.array if isinstance(grid, ArrayData) else np.asarray(grid)
        padded = None
        if pad_mask is not None:
            padded = pad_mask.array if isinstance(pad_mask, ArrayData) else np.asarray(pad_mask)
        rows, cols = len(values), len(values[0])
        centres: list[tuple[float, float]] = []
        pads: list[tuple[float, float]] = []
        for i in range(rows):
            for j in range(cols):
                c = (left + (j + 0.5) * self.cell_w, top - (i + 0.5) * self.cell_h)
                (pads if padded is not None and padded[i, j] else centres).append(c)
        self.rects(centres, fill)
        self.rects(pads, PAD_FILL)
        for i in range(rows):
            for j in range(cols):
                n = i * cols + j
                x, y = left + (j + 0.5) * self.cell_w, top - (i + 0.5) * self.cell_h
                if shown is None or n < shown:
                    ink = palette.ink_on(PAD_FILL if padded is not None and padded[i, j] else fill)
                    self.text(fmt_value(values[i, j]), x, y, color=ink, key=(key, i, j))
                if n == focus:
                    self.rects(
                        [(x, y)], fill, stroke=self.d.theme.text, width=2.5, fill_opacity=0.0
                    )
        return cols * self.cell_w

    def row_grid(
        self,
        values: np.ndarray,
        left: float,
        top: float,
        fills: np.ndarray,
        key: object,
        texts: np.ndarray | None = None,
        outline: np.ndarray | None = None,
        focus: tuple[int, int] | None = None,
    ) -> float:
        """A grid of numbers with one text per row (cells are whole characters wide, so a row
        of right-aligned numbers lines up with its cells); returns its width.

        ``fills`` the fill of each cell, ``texts`` what each shows (default: its value;
        ``""`` none), ``outline`` the cells drawn with a thin frame, ``focus`` one with a
        thick frame.
        """
        rows, cols = values.shape
        width = cols * self.cell_w
        by_fill: dict[str, list[tuple[float, float]]] = {}
        for i in range(rows):
            for j in range(cols):
                c = (left + (j + 0.5) * self.cell_w, top - (i + 0.5) * self.cell_h)
                by_fill.setdefault(str(fills[i, j]), []).append(c)
        for fill, centres in by_fill.items():
            self.rects(centres, fill)
        chars = int(round(self.cell_w / _text_width("0", self.size)))
        for i in range(rows):
            cells = [
                fmt_value(values[i, j]) if texts is None else str(texts[i, j]) for j in range(cols)
            ]
            line = "".join(f"{c:>{chars - 1}} " for c in cells).rstrip()
            if not line.strip():
                continue
            first = len(line) - len(line.lstrip())
            centre = left + (first + len(line)) / 2 * (self.cell_w / chars)
            inks = {palette.ink_on(str(fills[i, j])) for j in range(cols) if cells[j]}
            ink = palette.DARK_INK if palette.DARK_INK in inks else inks.pop()
            y = top - (i + 0.5) * self.cell_h
            self.text(line.strip(), centre, y, color=ink, key=(key, i))
        frames = []
        if outline is not None:
            frames = [
                (left + (j + 0.5) * self.cell_w, top - (i + 0.5) * self.cell_h)
                for i, j in np.argwhere(outline)
            ]
        if frames:
            self.rects(frames, "#000000", stroke=self.d.theme.muted_text, width=1.5,
                       fill_opacity=0.0)  # fmt: skip
        if focus is not None:
            x, y = left + (focus[1] + 0.5) * self.cell_w, top - (focus[0] + 0.5) * self.cell_h
            self.rects([(x, y)], "#000000", stroke=self.d.theme.text, width=3.0, fill_opacity=0.0)
        return width

    def grid_height(self, term: CloseupTerm) -> float:
        return term.values.shape[0] * self.cell_h

    # -- timing -------------------------------------------------------------------------
    def at(self, name: str) -> bool:
        value = self.data.get(name)
        return value is not None and self.u >= float(value)

    def term_index(self) -> int:
        starts = [float(v) for v in self.data["terms_at"]]
        return max(0, sum(1 for s in starts if self.u >= s) - 1)

    def cells_shown(self, n: int, cells: int) -> int:
        if n > 0:
            return cells
        k = int((self.u - float(self.data["cells_at"])) // float(self.data["cell"])) + 1
        return max(0, min(cells, k))

    # -- layout -------------------------------------------------------------------------
    def mobjects(self) -> list[Mobject]:
        bottom, top = PANEL[0], self.top
        back = np.array([[[self.x0, bottom], [self.x1, bottom], [self.x1, top], [self.x0, top]]])
        self.mobs.append(
            polygons_mobject(
                back,
                self.d.theme.panel,
                0.92 * self.opacity,
                stroke=self.d.theme.muted_text,
                stroke_width=1.0,
                stroke_opacity=0.5 * self.opacity,
            )
        )
        n = self.term_index()
        term = self.step.terms[n]
        grid_top = top - 0.1 - LABEL * 1.3
        sample = self.step.sample
        if sample is not None and self.u < float(self.data["terms_at"][0]):
            if self.at("sample_at"):
                self.sample_row(grid_top)
        elif self.step.scatter is not None:
            grid_top = top - 0.08 - LABEL * 1.4
            if self.at("overlap_at"):
                self.overlap_row(grid_top)
            else:
                self.stamp_row(term, n, grid_top)
            self.scatter_sum(bottom + 0.1 + self.size * 0.6)
            return self.mobs
        elif self.step.mode == "dot":
            self.dot_row(term, grid_top)
        elif self.step.mode in ("max", "mean"):
            self.pool_row(term, grid_top)
        else:
            self.products_row(term, n, grid_top)
        self.sum_line(bottom + 0.26)
        return self.mobs

    def products_row(self, term: CloseupTerm, n: int, grid_top: float) -> None:
        assert term.weights is not None and term.products is not None
        rows, cols = term.values.shape
        cells = rows * cols
        shown = self.cells_shown(n, cells)
        focus = shown - 1 if (n == 0 and shown < cells) else -1
        gw = cols * self.cell_w
        op_w = 0.5
        total = fmt_value(term.total)
        tail = f"{self.words['sum']} {'≈' if term.approx else '='} {total}"
        tail_w = _text_width(tail, self.size) + 0.3
        name = f"{self.words['window']} ({term.label})"
        name_w = _text_width(term.label, LABEL) + 0.2 if self.compact else 0.0
        width = name_w + 3 * gw + 2 * op_w + tail_w
        if width > self.x1 - self.x0:
            tail, width = "", width - tail_w  # the sum line below has the term's total
        left = (self.x0 + self.x1) / 2 - width / 2 + name_w
        if self.compact:
            grid_top += LABEL * 1.1
        mid = grid_top - rows * self.cell_h / 2
        label_y = grid_top + LABEL * 0.8
        value_fill = palette.tint(self.actor.value_hue)
        weight_fill = palette.tint(self.actor.weight_hue)
        if self.compact:
            self.text(
                term.label, left - 0.2, mid, height=LABEL, color=self.d.theme.text, align="right"
            )
        else:
            self.text(name, left + gw / 2, label_y, height=LABEL, color=self.d.theme.muted_text)
        self.grid(
            term.values, left, grid_top, value_fill, ("v", n), pad_mask=term.padded, focus=focus
        )
        x = left + gw
        self.text("×", x + op_w / 2, mid)
        x += op_w
        if not self.compact:
            self.text(
                self.words["kernel"],
                x + gw / 2,
                label_y,
                height=LABEL,
                color=self.d.theme.muted_text,
            )
        self.grid(term.weights, x, grid_top, weight_fill, ("w", n), focus=focus)
        x += gw
        self.text("=", x + op_w / 2, mid)
        x += op_w
        if not self.compact:
            self.text(
                self.words["products"],
                x + gw / 2,
                label_y,
                height=LABEL,
                color=self.d.theme.muted_text,
            )
        self.grid(term.products, x, grid_top, PRODUCT_FILL, ("p", n), shown=shown, focus=focus)
        x += gw
        if shown >= cells and tail:
            self.text(tail, x + 0.3, mid, align="left")

    def stamp_row(self, term: CloseupTerm, n: int, grid_top: float) -> None:
        """x[c,i,j] × kernel = its products, appearing cell by cell (a transposed conv)."""
        scatter = self.step.scatter
        assert scatter is not None and term.weights is not None and term.products is not None
        rows, cols = term.products.shape
        cells = rows * cols
        shown = self.cells_shown(n, cells)
        focus = divmod(shown - 1, cols) if (n == 0 and shown < cells) else None
        gw, op_w = cols * self.cell_w, 0.5
        name_w = _text_width(term.label, LABEL) + 0.2
        width = name_w + self.cell_w + 2 * gw + 2 * op_w
        left = (self.x0 + self.x1) / 2 - width / 2 + name_w
        mid = grid_top - rows * self.cell_h / 2
        header = grid_top + LABEL * 0.75
        muted = self.d.theme.muted_text
        value_top = grid_top - (rows - 1) * self.cell_h / 2
        self.text(term.label, left - 0.15, mid, height=LABEL, color=self.d.theme.text,
                  align="right")  # fmt: skip
        value = np.array([[term.values.array[0, 0]]])
        self.row_grid(value, left, value_top, np.array([[palette.tint(self.actor.value_hue)]]),
                      ("sx", n))  # fmt: skip
        x = left + self.cell_w
        self.text("×", x + op_w / 2, mid)
        x += op_w
        self.text(self.words["kernel"], x + gw / 2, header, height=LABEL, color=muted)
        weight_fill = np.full((rows, cols), palette.tint(self.actor.weight_hue), dtype=object)
        self.row_grid(term.weights.array, x, grid_top, weight_fill, ("sw", n), focus=focus)
        x += gw
        self.text("=", x + op_w / 2, mid)
        x += op_w
        products = self.words["stamp"] if scatter.channels == 1 else self.words["products"]
        self.text(products, x + gw / 2, header, height=LABEL, color=muted)
        inside = scatter.inside.array
        fills = np.where(inside, PRODUCT_FILL, PAD_FILL).astype(object)
        order = np.arange(cells).reshape(rows, cols)
        texts = np.where(
            order < shown, np.vectorize(fmt_value)(term.products.array).astype(object), ""
        )
        self.row_grid(term.products.array, x, grid_top, fills, ("sp", n), texts=texts,
                      focus=focus)  # fmt: skip
        if shown >= cells and not inside.all():
            self.text(self.words["cut"], x + gw + 0.2, mid, height=LABEL, color=muted,
                      align="left")  # fmt: skip

    def overlap_row(self, grid_top: float) -> None:
        """Output so far + stamp = output now, over the cells the stamp lands on."""
        scatter = self.step.scatter
        assert scatter is not None
        inside = scatter.inside.array
        reached = (scatter.earlier.array > 0) & inside
        rows, cols = inside.shape
        gw, op_w = cols * self.cell_w, 0.55
        name = scatter.target
        name_w = _text_width(name, LABEL) + 0.2
        left = (self.x0 + self.x1) / 2 - (name_w + 3 * gw + 2 * op_w) / 2 + name_w
        mid = grid_top - rows * self.cell_h / 2
        header = grid_top + LABEL * 0.75
        muted = self.d.theme.muted_text
        self.text(name, left - 0.15, mid, height=LABEL, color=self.d.theme.text, align="right")
        fmt = np.vectorize(fmt_value)
        before_texts = np.where(inside, fmt(scatter.before.array).astype(object), "")
        stamp_texts = np.where(inside, fmt(scatter.stamp.array).astype(object), "")
        after_texts = np.where(inside, fmt(scatter.after.array).astype(object), "")
        focus = scatter.focus
        self.text(self.words["so_far"], left + gw / 2, header, height=LABEL, color=muted)
        before_fill = np.where(reached, OUTPUT_FILL, np.where(inside, PRODUCT_FILL, PAD_FILL))
        self.row_grid(scatter.before.array, left, grid_top, before_fill.astype(object), "ob",
                      texts=before_texts, outline=reached, focus=focus)  # fmt: skip
        x = left + gw
        self.text("+", x + op_w / 2, mid)
        x += op_w
        stamp = self.words["stamp"]
        if scatter.channels > 1:
            stamp = self.words["stamp_sum"].format(n=scatter.channels)
        self.text(stamp, x + gw / 2, header, height=LABEL, color=muted)
        stamp_fill = np.where(inside, PRODUCT_FILL, PAD_FILL).astype(object)
        self.row_grid(scatter.stamp.array, x, grid_top, stamp_fill, "os", texts=stamp_texts,
                      focus=focus)  # fmt: skip
        x += gw
        self.text("=", x + op_w / 2, mid)
        x += op_w
        self.text(self.words["now"], x + gw / 2, header, height=LABEL, color=muted)
        after_fill = np.where(inside, OUTPUT_FILL, PAD_FILL).astype(object)
        self.row_grid(scatter.after.array, x, grid_top, after_fill, "oa", texts=after_texts,
                      outline=reached, focus=focus)  # fmt: skip

    def scatter_sum(self, y: float) -> None:
        """The focus cell's sum written out: ``out[0,0,1]: a + b = c``, then ``+ b = out``."""
        step, scatter = self.step, self.step.scatter
        assert scatter is not None
        if not self.at("bias_at"):
            return
        r, c = scatter.focus
        before, stamp = float(scatter.before.array[r, c]), float(scatter.stamp.array[r, c])
        after = float(scatter.after.array[r, c])
        added = fmt_value(stamp) if stamp >= 0 else f"({fmt_value(stamp)})"
        eq = "≈" if scatter.approx.array[r, c] else "="
        pieces = [f"{step.title}: {fmt_value(before)} + {added} {eq} {fmt_value(after)}"]
        if step.bias is not None and self.at("result_at"):
            eq = "≈" if step.approx else "="
            pieces.append(f"+ {self.words['bias']}: {fmt_value(step.bias)} {eq} "
                          f"{fmt_value(step.result)}")  # fmt: skip
        line = "   ".join(pieces)
        self.text(line, (self.x0 + self.x1) / 2, y, key=("ssum", len(pieces)))

    def sample_row(self, grid_top: float) -> None:
        """A deformable tap: its four neighbours × their bilinear weights = the sampled value."""
        sample = self.step.sample
        assert sample is not None
        c, w = sample.corners, sample.weights
        values = np.array([[c[0], c[1]], [c[2], c[3]]])
        weights = np.array([[w[0], w[1]], [w[2], w[3]]])
        outside = ((not sample.inside[0], not sample.inside[1]),
                   (not sample.inside[2], not sample.inside[3]))  # fmt: skip
        value = fmt_value(sample.value)
        mask = "" if sample.mask is None else f" × m {fmt_value(sample.mask)}"
        tail = f"{self.words['sum']}{mask} = {value}  ({self.words['sampled']})"
        gw = 2 * self.cell_w
        width = 2 * gw + 0.5 + 0.3 + _text_width(tail, self.size)
        left = (self.x0 + self.x1) / 2 - width / 2
        mid = grid_top - self.cell_h
        self.text(sample.label, (self.x0 + self.x1) / 2, grid_top + LABEL * 0.8, height=LABEL,
                  color=self.d.theme.muted_text)  # fmt: skip
        fill = palette.tint(self.actor.value_hue)
        self.grid(values, left, grid_top, fill, ("s", 0), pad_mask=np.array(outside))
        self.text("×", left + gw + 0.25, mid)
        self.grid(weights, left + gw + 0.5, grid_top, PRODUCT_FILL, ("s", 1))
        self.text(tail, left + 2 * gw + 0.8, mid, align="left")

    def dot_row(self, term: CloseupTerm, grid_top: float) -> None:
        assert term.weights is not None and term.products is not None
        cols = term.values.shape[1]
        shown = self.cells_shown(0, cols)
        focus = shown - 1 if shown < cols else -1
        label_w = max(_text_width(self.words[k], LABEL) for k in ("input", "weights", "products"))
        total = fmt_value(term.total)
        tail = f"{self.words['sum']} {'≈' if term.approx else '='} {total}"
        width = label_w + 0.25 + cols * self.cell_w + 0.3 + _text_width(tail, self.size)
        left = (self.x0 + self.x1) / 2 - width / 2
        gl = left + label_w + 0.25
        rows = (
            (self.words["input"], term.values, palette.tint(self.actor.value_hue), None),
            (self.words["weights"], term.weights, palette.tint(self.actor.weight_hue), None),
            (self.words["products"], term.products, PRODUCT_FILL, shown),
        )
        top = grid_top + LABEL * 0.6
        for i, (name, values, fill, limit) in enumerate(rows):
            y_top = top - i * (self.cell_h + 0.06)
            self.text(
                name,
                left + label_w,
                y_top - self.cell_h / 2,
                height=LABEL,
                color=self.d.theme.muted_text,
                align="right",
            )
            self.grid(values, gl, y_top, fill, ("dot", i), shown=limit, focus=focus)
        if shown >= cols:
            y = top - 2 * (self.cell_h + 0.06) - self.cell_h / 2
            self.text(tail, gl + cols * self.cell_w + 0.3, y, align="left")

    def pool_row(self, term: CloseupTerm, grid_top: float) -> None:
        rows, cols = term.values.shape
        cells = rows * cols
        shown = self.cells_shown(0, cells)
        step = self.step
        if step.mode == "max":
            tail = f"{self.words['max']} = {fmt_value(term.total)}"
        else:
            tail = (
                f"{self.words['sum']} = {fmt_value(term.total)}   ÷ {step.divisor}"
                f" = {fmt_value(step.result)}"
            )
        gw = cols * self.cell_w
        tail_w = _text_width(tail, self.size)
        width = gw + 0.4 + tail_w
        left = (self.x0 + self.x1) / 2 - width / 2
        mid = grid_top - rows * self.cell_h / 2
        name = f"{self.words['window']} ({term.label})"
        self.text(
            name, left + gw / 2, grid_top + LABEL * 0.8, height=LABEL, color=self.d.theme.muted_text
        )
        done = shown >= cells
        focus = term.pick if (done and step.mode == "max") else (shown - 1 if not done else -1)
        self.grid(
            term.values,
            left,
            grid_top,
            palette.tint(self.actor.value_hue),
            ("pool",),
            pad_mask=term.padded,
            focus=focus,
        )
        if done:
            self.text(tail, left + gw + 0.4, mid, align="left")
            if step.divisor_label:
                self.text(
                    step.divisor_label,
                    left + gw + 0.4,
                    mid - self.size * 1.6,
                    height=LABEL,
                    color=self.d.theme.muted_text,
                    align="left",
                )

    def sum_line(self, y: float) -> None:
        """Σ over the channels + bias = the output value (pieces appear as their beats come).

        The whole line is laid out once (so nothing shifts as pieces arrive); each piece is its
        own text.
        """
        step = self.step
        pieces: list[tuple[str, bool]] = []  # (text, shown yet)
        if step.mode in ("products", "dot"):
            starts = [float(v) for v in self.data["terms_at"]][1:] + [float(self.data["rest_at"])]
            for n, (term, start) in enumerate(zip(step.terms, starts, strict=True)):
                sign = "" if n == 0 else "+ "
                pieces.append((f"{sign}{term.label}: {fmt_value(term.total)}", self.u >= start))
            if step.rest_count:
                rest = f"{step.rest_label}: {fmt_value(step.rest_total)}"
                pieces.append((rest, self.at("bias_at")))
            if step.bias is not None:
                pieces.append(
                    (f"+ {self.words['bias']}: {fmt_value(step.bias)}", self.at("result_at"))
                )
        eq = "≈" if step.approx else "="
        pieces.append((f"{eq} {fmt_value(step.result)}  →  {step.title}", self.at("result_at")))
        if not any(shown for _, shown in pieces):
            return
        gap = "   "
        line = gap.join(text for text, _ in pieces)
        size = self.size
        # The whole sum on one line: smaller text when it is long, never under SIZES[-1].
        while size > SIZES[-1] and _text_width(line, size) > self.x1 - self.x0 - 0.3:
            size = round(size - 0.01, 3)
        x = (self.x0 + self.x1) / 2 - _text_width(line, size) / 2
        for n, (text, shown) in enumerate(pieces):
            if shown:
                self.text(text, x, y, height=size, align="left", key=("sum", n))
            x += _text_width(text + gap, size)
        if self.flight is not None:
            self.fly(y)

    def fly(self, y: float) -> None:
        """The result moves from the panel into its output cube."""
        step = self.step
        k = smooth(self.flight or 0.0)
        block = self.d.blocks.get(self.actor.output)
        if block is None or len(block.shape) != 3:
            return
        r, c = step.cell[-2], step.cell[-1]
        world = geo.front_cell_center(r, c) + np.array([0.0, 0.0, -float(step.out_channel)])
        target = self.d._to_frame(block, world[None], self.vp)[0]
        source = np.array([(self.x0 + self.x1) / 2, y])
        pos = source + (target - source) * k
        text = fmt_value(step.result)
        mob = text_mobject(
            text,
            self.size * (1.3 - 0.5 * k),
            self.d.theme.text,
            font=MONO,
            weight="BOLD",
            usage=("closeup-fly", text),
        )
        halo = np.array(
            [
                [
                    [pos[0] - mob.width / 2 - 0.06, pos[1] - mob.height / 2 - 0.05],
                    [pos[0] + mob.width / 2 + 0.06, pos[1] - mob.height / 2 - 0.05],
                    [pos[0] + mob.width / 2 + 0.06, pos[1] + mob.height / 2 + 0.05],
                    [pos[0] - mob.width / 2 - 0.06, pos[1] + mob.height / 2 + 0.05],
                ]
            ]
        )
        self.mobs.append(polygons_mobject(halo, PRODUCT_FILL, 0.9 * self.opacity))
        mob.move_to(np.array([pos[0], pos[1], 0.0]))
        set_opacity(mob, self.opacity)
        self.mobs.append(mob)


_ADVANCE: dict[float, float] = {}


def _text_width(text: str, height: float) -> float:
    """Width of a monospace text at ``height``: its characters times the font's advance
    (measured once per height; building a text only to measure it would cost a Pango call)."""
    if height not in _ADVANCE:
        probe = "0123456789" * 2
        _ADVANCE[height] = float(text_mobject(probe, height, "#000000", font=MONO).width) / 20
    return len(text) * _ADVANCE[height]


__all__ = ["CloseupDrawer"]
