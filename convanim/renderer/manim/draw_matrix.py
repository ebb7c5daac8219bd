"""Drawing the matrix view (:class:`~convanim.storyboard.ops.matrix.MatrixActor`).

The picture is laid out in chart units (one matrix cell = 1, x to the right, y down) and fitted
into the free region between the op's two blocks: ``left · right = result`` with the names and
sizes above, row indices beside ``left`` and ``result``, element indices beside the columns.
Numbers are drawn inside the cells when they are at least :data:`MIN_TEXT_PX` pixels high
(the spec's matrix-size limit keeps them readable at 480p); zeros are faint.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from manim import Mobject

from convanim.renderer import geometry as geo
from convanim.renderer.layout import Region, Viewport
from convanim.renderer.manim.mobjects import MONO, polygons_mobject, set_opacity, text_mobject
from convanim.renderer.manim.stage import Drawer, Stage, to_hex
from convanim.renderer.motion import region_between, staggered
from convanim.renderer.state import smooth
from convanim.storyboard import palette
from convanim.storyboard.matrix_actor import MatrixActor, matrix_text
from convanim.storyboard.timeline import Event

HEAD = 1.3
"""Chart rows above the matrices (names and sizes)."""
MIN_TEXT_PX = 6.0
"""Numbers smaller than this (pixels) are not drawn: the cell colours carry the values (the
spec's size limit keeps them at 12 px or more at 854x480; small golden frames show them smaller)."""
CHART_TOP = 3.0
"""Frame y of the chart's upper edge (under the title)."""
CHART_BOTTOM = -2.75
"""Frame y of the chart's lower edge: the picture takes the panel band, above the caption."""
FRAME_HEIGHT = 8.0
TEXT = 0.66
"""Line height of a number in a cell (chart units; a cell is 1 high)."""
INDEX_TEXT = 0.5
"""Line height of the row / element indices beside the matrices."""


@dataclass(frozen=True)
class Box:
    """A matrix in the chart: top-left corner, rows, columns, cell width (height is 1)."""

    x0: float
    y0: float
    rows: int
    cols: int
    cw: float = 1.0

    def cell(self, r: float, c: float) -> np.ndarray:
        """Inset quad (4, 2) of cell (r, c) in chart units."""
        g = 0.06
        x, y = self.x0 + c * self.cw, self.y0 + r
        return np.array(
            [
                [x + g, y + g],
                [x + self.cw - g, y + g],
                [x + self.cw - g, y + 1 - g],
                [x + g, y + 1 - g],
            ]
        )

    def rect(self, r0: float, r1: float, c0: float, c1: float) -> np.ndarray:
        """Outline quad of rows r0..r1-1, columns c0..c1-1."""
        x0, x1 = self.x0 + c0 * self.cw, self.x0 + c1 * self.cw
        y0, y1 = self.y0 + r0, self.y0 + r1
        return np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]])

    @property
    def right(self) -> float:
        """x of the right edge."""
        return self.x0 + self.cols * self.cw


@dataclass(frozen=True)
class Steps:
    """Where the actor's ``matrix`` events stand at time t."""

    progress: dict[str, float]
    """Phase -> 0 before, progress while running, 1 after (indexed phases: over all steps)."""
    done: dict[str, int]
    """Indexed phase -> steps finished."""
    current: dict[str, tuple[int, float]]
    """Indexed phase -> (running step, its progress)."""


def steps_at(events: list[Event], t: float) -> Steps:
    """The :class:`Steps` of an actor's events at time t."""
    progress: dict[str, float] = {}
    done: dict[str, int] = {}
    current: dict[str, tuple[int, float]] = {}
    for e in events:
        phase = str(e.data["phase"])
        progress.setdefault(phase, 0.0)
        if t < e.start:
            continue
        u = 1.0 if t >= e.end or e.duration <= 0 else (t - e.start) / e.duration
        if "index" in e.data:
            if u >= 1.0:
                done[phase] = done.get(phase, 0) + 1
            else:
                current[phase] = (int(e.data["index"]), u)
            progress[phase] = 1.0 if u >= 1.0 else 0.5
        else:
            progress[phase] = u
    return Steps(progress, done, current)


def _width(texts: list[str]) -> float:
    """Cell width that holds the longest number (1 for short ones)."""
    longest = max((len(s) for s in texts), default=1)
    return max(1.0, 0.5 * longest + 0.35)


class MatrixDrawer(Drawer[MatrixActor]):
    """Draws :class:`MatrixActor` s."""

    layer = 1

    def __init__(self, stage: Stage) -> None:
        super().__init__(stage)
        self._events: dict[str, list[Event]] = {}
        self.scale = 1.0
        """Frame units per chart unit of the last picture drawn."""
        for e in stage.timeline.events:
            if e.kind == "matrix":
                self._events.setdefault(e.target, []).append(e)

    # -- layout ---------------------------------------------------------------------------------

    def boxes(self, actor: MatrixActor) -> tuple[Box, Box, Box, float, float]:
        """``left``, ``right``, ``result`` boxes and the chart's width and height."""
        left, right, result = actor.left.array, actor.right.array, actor.result.array
        rw = _width([matrix_text(v) for v in right.ravel()])
        yw = _width([matrix_text(v) for v in result.ravel()])
        tall = max(
            left.shape[0], right.shape[0], left.shape[1] if actor.picture == "transposed" else 0
        )
        lw = _width([matrix_text(v) for v in left.ravel()])
        L = Box(1.1, HEAD + (tall - left.shape[0]) / 2, left.shape[0], left.shape[1], lw)
        R = Box(
            L.right + 1.1, HEAD + (tall - right.shape[0]) / 2, right.shape[0], right.shape[1], rw
        )
        gap = 3.4 if actor.has_bias else 2.0
        Y = Box(
            R.right + gap + (0.9 if actor.picture != "im2col" else 1.3),  # indices / channels
            L.y0,
            result.shape[0],
            result.shape[1],
            yw,
        )
        width = Y.right + 1.3
        if actor.picture == "transposed":
            width = max(width, L.x0 + left.shape[0] * lw + 0.5)
        return L, R, Y, width, HEAD + tall + 0.3

    # -- drawing --------------------------------------------------------------------------------

    def draw(self, actor: MatrixActor, t: float, vp: Viewport, opacity: float) -> list[Mobject]:
        """The picture as far as its phases have got at time t."""
        steps = steps_at(self._events.get(actor.id, []), t)
        L, R, Y, width, height = self.boxes(actor)
        between = region_between(
            self.layout, self.blocks[actor.input].slot, self.blocks[actor.output].slot, vp, 0.15
        )
        # Between the blocks, and down over the panel band (no shape table in this view).
        region = Region(between.x0, between.x1, CHART_BOTTOM, max(between.y1, CHART_TOP))
        k = round(min(region.width / width, region.height / height), 4)
        origin = np.array(
            [
                region.x0 + (region.width - width * k) / 2,
                region.y1 - (region.height - height * k) / 2,
            ]
        )

        def to_frame(p: np.ndarray) -> np.ndarray:
            q = np.asarray(p, dtype=float)
            return origin + np.stack([q[..., 0], -q[..., 1]], -1) * k

        self._k, self._to = k, to_frame
        self.scale = k
        px = self.fmt.height / FRAME_HEIGHT * k  # pixels per chart unit
        mobs: list[Mobject] = []
        mobs += self._left(actor, L, steps, opacity, px)
        mobs += self._right(actor, R, steps, vp, opacity, px)
        mobs += self._result(actor, L, R, Y, steps, vp, opacity, px)
        mobs += self._highlights(actor, L, R, Y, steps, vp, opacity)
        return mobs

    def _text(
        self,
        text: str,
        size: float,
        color: str,
        at: np.ndarray,
        key: object,
        opacity: float,
        align: str = "c",
    ) -> Mobject:
        mob = text_mobject(text, size * self._k, color, font=MONO, usage=key)
        point = np.array([*self._to(at), 0.0])
        if align == "l":
            mob.move_to(point, aligned_edge=np.array([-1.0, 0.0, 0.0]))
        elif align == "r":
            mob.move_to(point, aligned_edge=np.array([1.0, 0.0, 0.0]))
        else:
            mob.move_to(point)
        set_opacity(mob, opacity)
        return mob

    def _cells(
        self,
        quads: np.ndarray,
        values: np.ndarray,
        hues: list[str],
        opacity: float,
        px: float,
        key: object,
        cw: float = 1.0,
        numbers: bool = True,
    ) -> list[Mobject]:
        """Cells (N, 4, 2 chart units) tinted by |value| in their hue, numbers inside; 0 faint."""
        mobs: list[Mobject] = []
        if not len(quads):
            return mobs
        top = float(np.abs(values).max()) or 1.0
        bg = palette.hex_to_rgb(self.theme.background)
        frame = self._to(quads)
        groups: dict[tuple[str, float], list[np.ndarray]] = {}
        for quad, v, hue in zip(frame, values, hues, strict=True):
            if v == 0:
                groups.setdefault((self.theme.ghost, 0.25), []).append(quad)
                continue
            a = 0.3 + 0.55 * abs(float(v)) / top
            rgb = bg * (1 - a) + palette.hex_to_rgb(hue) * a
            groups.setdefault((to_hex(rgb), 1.0), []).append(quad)
        for (color, alpha), polys in groups.items():
            mobs.append(
                polygons_mobject(
                    np.array(polys), color, alpha * opacity,
                    stroke=self.theme.muted_text, stroke_width=0.5, stroke_opacity=0.4 * opacity,
                )
            )  # fmt: skip
        texts = [matrix_text(float(v)) for v in values]
        longest = max(len(s) for s in texts)
        size = min(TEXT, 0.92 * cw / (0.6 * longest))
        if not numbers or size * px < MIN_TEXT_PX:
            return mobs
        for i, (quad, v, s) in enumerate(zip(quads, values, texts, strict=True)):
            faint = v == 0
            color = self.theme.muted_text if faint else self.theme.text
            mobs.append(
                self._text(
                    s,
                    size,
                    color,
                    quad.mean(axis=0),
                    (key, i, s),
                    opacity * (0.45 if faint else 1.0),
                )
            )
        return mobs

    def _label(
        self, text: str, box: Box, key: object, opacity: float, lift: float = 0.0
    ) -> Mobject:
        at = np.array([box.x0 + box.cols * box.cw / 2, box.y0 - 0.75 - lift])
        return self._text(text, 0.62, self.theme.text, at, key, opacity)

    def _row_indices(
        self, box: Box, rows: Iterable[int], key: tuple[object, ...], opacity: float
    ) -> list[Mobject]:
        """Row numbers just right of a one-column ``box``, for ``rows``."""
        return [
            self._text(
                str(r),
                INDEX_TEXT,
                self.theme.muted_text,
                np.array([box.right + 0.12, box.y0 + r + 0.5]),
                (*key, r),
                opacity,
                "l",
            )
            for r in rows
        ]

    def _left(
        self, actor: MatrixActor, L: Box, steps: Steps, opacity: float, px: float
    ) -> list[Mobject]:
        """The matrix fades in (``weights``); the transposed picture shows ``C``, then flips it."""
        u = steps.progress.get("weights", 1.0)
        if u <= 0:
            return []
        fade = opacity * min(1.0, u * 2.5)
        m = actor.left.array
        rows, cols = np.nonzero(np.ones_like(m, dtype=bool))
        quads = np.array([L.cell(r, c) for r, c in zip(rows.tolist(), cols.tolist(), strict=True)])
        name = actor.names[0]
        shape = f"{m.shape[0]}×{m.shape[1]}"
        if actor.picture == "transposed":
            f = smooth(steps.progress.get("flip", 1.0))
            C = Box(L.x0, L.y0 + (m.shape[0] - m.shape[1]) / 2, m.shape[1], m.shape[0], L.cw)
            before = np.array(
                [C.cell(c, r) for r, c in zip(rows.tolist(), cols.tolist(), strict=True)]
            )
            quads = before * (1 - f) + quads * f
            if f < 0.5:
                name, shape = "C", f"{m.shape[1]}×{m.shape[0]}"
                label_box = C
            else:
                label_box = L
        else:
            label_box = L
        hues = [
            actor.row_hues[r] if actor.picture == "im2col" else actor.column_hues[c]
            for r, c in zip(rows.tolist(), cols.tolist(), strict=True)
        ]
        mobs = self._cells(quads, m[rows, cols], hues, fade, px, (actor.id, "L"), L.cw)
        mobs.append(self._label(f"{name}  ({shape})", label_box, (actor.id, "Lname", name), fade))
        if actor.picture != "transposed" or steps.progress.get("flip", 1.0) >= 1.0:
            for r in range(L.rows):
                mobs.append(
                    self._text(
                        str(r),
                        INDEX_TEXT,
                        self.theme.muted_text,
                        np.array([L.x0 - 0.45, L.y0 + r + 0.5]),
                        (actor.id, "Lrow", r),
                        fade,
                    )
                )
        return mobs

    def _source_quads(self, block_id: str, cells: np.ndarray, vp: Viewport) -> np.ndarray:
        """Front-face quads (N, 4, 2 frame units) of block cells (channel, row, col)."""
        block = self.blocks[block_id]
        world = np.array([geo.front_cell_quad(r, c, z=-float(ch)) for ch, r, c in cells])
        return self._to_frame(block, world, vp)

    def _right(
        self, actor: MatrixActor, R: Box, steps: Steps, vp: Viewport, opacity: float, px: float
    ) -> list[Mobject]:
        """The vector (unrolled from the input grid) or the patch matrix (column by column)."""
        v = actor.right.array
        block = self.blocks[actor.input]
        _, h, w = geo.block_dims(block.shape)
        if actor.picture == "im2col":
            shown = steps.done.get("patch", 0)
            cur = steps.current.get("patch")
            taps = actor.windows.array.shape[1]
            mobs: list[Mobject] = []
            cols = list(range(shown)) + ([cur[0]] if cur else [])
            # P holds input values: the input hue, or the group hues when the rows are grouped.
            grouped = len(set(actor.column_hues)) > 1
            p_hues = actor.column_hues if grouped else (palette.INPUT_HUE,) * R.rows
            if not cols:
                return []
            quads, values, hues = [], [], []
            flying = []
            for p in cols:
                u = 1.0 if p < shown else smooth(min(1.0, cur[1] * 1.6)) if cur else 1.0
                for r in range(R.rows):
                    ch, tap = divmod(r, taps)
                    end = R.cell(r, p)
                    if u < 1.0:
                        flat = int(actor.windows.array[p, tap])
                        if flat >= 0:
                            src = self._source_quads(
                                actor.input, np.array([[ch, flat // w, flat % w]]), vp
                            )[0]
                            flying.append((src, end, u, v[r, p], p_hues[r]))
                        continue
                    quads.append(end)
                    values.append(v[r, p])
                    hues.append(p_hues[r])
            mobs += self._cells(
                np.array(quads), np.array(values), hues, opacity, px, (actor.id, "P"), R.cw
            )
            mobs += self._flying(flying, opacity)
            mobs.append(
                self._label(
                    f"{actor.names[1]}  ({v.shape[0]}×{v.shape[1]})",
                    R,
                    (actor.id, "Rname"),
                    opacity,
                    lift=0.35,
                )
            )
            # Rows of P come channel by channel (taps of channel 0, then 1...): say which.
            for ch in range(R.rows // taps):
                mobs.append(
                    self._text(
                        self.words.matrix_channel.format(c=ch),
                        INDEX_TEXT,
                        self.theme.muted_text,
                        np.array([R.right + 0.15, R.y0 + ch * taps + taps / 2]),
                        (actor.id, "Pch", ch),
                        opacity,
                        "l",
                    )
                )
                if ch:
                    mobs.append(
                        polygons_mobject(
                            self._to(R.rect(ch * taps, ch * taps, -0.15, R.cols + 0.15))[None],
                            self.theme.muted_text,
                            0.0,
                            stroke=self.theme.muted_text,
                            stroke_width=1.5,
                            stroke_opacity=0.8 * opacity,
                        )
                    )
            if steps.progress.get("weights", 0.0) > 0:
                dot = np.array([R.x0 - 0.55, R.y0 + R.rows / 2])
                mobs.append(self._text("·", 0.9, self.theme.text, dot, (actor.id, "dot"), opacity))
            for p in range(R.cols):
                mobs.append(
                    self._text(
                        str(p),
                        INDEX_TEXT,
                        self.theme.muted_text,
                        np.array([R.x0 + (p + 0.5) * R.cw, R.y0 - 0.3]),
                        (actor.id, "Pcol", p),
                        opacity,
                    )
                )
            return mobs
        u = steps.progress.get("unroll", 1.0)
        if u <= 0:
            return []
        n = v.shape[0]
        hue = palette.INPUT_HUE
        ends = np.array([R.cell(i, 0) for i in range(n)])
        if u < 1.0:
            order = np.arange(n)
            prog = staggered(u, order, n)
            cells = np.array([[0, i // w, i % w] for i in range(n)])
            src = self._source_quads(actor.input, cells, vp)
            flying = [
                (src[i], ends[i], float(prog[i]), v[i, 0], hue) for i in range(n) if prog[i] < 1.0
            ]
            arrived = [i for i in range(n) if prog[i] >= 1.0]
        else:
            flying, arrived = [], list(range(n))
        mobs = self._cells(
            ends[arrived], v[arrived, 0], [hue] * len(arrived), opacity, px, (actor.id, "R"), R.cw
        )
        mobs += self._flying(flying, opacity)
        mobs.append(self._label(actor.names[1], R, (actor.id, "Rname"), opacity))
        mobs += self._row_indices(R, arrived, (actor.id, "Ridx"), opacity)
        dot = np.array([(R.x0 - 0.55), R.y0 + n / 2])
        mobs.append(self._text("·", 0.9, self.theme.text, dot, (actor.id, "dot"), opacity))
        return mobs

    def _flying(self, flying: list, opacity: float) -> list[Mobject]:
        """Cells on their way: (start quad (frame units), end quad (chart units), u, value, hue)."""
        mobs: list[Mobject] = []
        for src, end, u, _value, hue in flying:
            quad = src * (1 - u) + self._to(end) * u
            mobs.append(
                polygons_mobject(
                    quad[None],
                    hue,
                    0.85 * opacity,
                    stroke=self.theme.text,
                    stroke_width=0.6,
                    stroke_opacity=0.5 * opacity,
                )
            )
        return mobs

    def _result_values(self, actor: MatrixActor, steps: Steps) -> tuple[np.ndarray, np.ndarray]:
        """Result values and which of them are shown at this step (bool mask)."""
        res = actor.result.array
        shown = np.zeros(res.shape, dtype=bool)
        values = res.copy()
        if actor.picture == "dense":
            done = steps.done.get("row", 0)
            shown[:done] = True
            cur = steps.current.get("row")
            if cur and cur[1] > 0.55:
                shown[cur[0]] = True
        elif actor.picture == "transposed":
            done = steps.done.get("column", 0)
            cur = steps.current.get("column")
            upto = done + (1 if cur and cur[1] > 0.55 else 0)
            left, right = actor.left.array, actor.right.array
            partial = left[:, :upto] @ right[:upto, 0]
            touched = (left[:, :upto] != 0).any(axis=1)
            if steps.progress.get("fold", 0.0) > 0:
                values = res
                shown[:] = True
            else:
                values = partial[:, None]
                shown[:, 0] = touched
        else:
            u = steps.progress.get("product", 0.0)
            rows = int(np.ceil(res.shape[0] * min(1.0, u * 1.25))) if u > 0 else 0
            shown[:rows] = True
        return values, shown

    def _result(
        self,
        actor: MatrixActor,
        L: Box,
        R: Box,
        Y: Box,
        steps: Steps,
        vp: Viewport,
        opacity: float,
        px: float,
    ) -> list[Mobject]:
        """The result and the ``+ b =`` between; it flies into the output grid in ``fold``."""
        if actor.picture == "im2col":
            if steps.progress.get("weights", 0.0) <= 0:
                return []
        elif steps.progress.get("unroll", 1.0) < 1.0:
            return []
        values, shown = self._result_values(actor, steps)
        mobs: list[Mobject] = []
        hue = palette.OUTPUT_HUE
        rows, cols = np.nonzero(np.ones_like(values, dtype=bool))
        ghost = np.array([Y.cell(r, c) for r, c in zip(rows.tolist(), cols.tolist(), strict=True)])
        mobs.append(
            polygons_mobject(
                self._to(ghost),
                self.theme.ghost,
                0.12 * opacity,
                stroke=self.theme.muted_text,
                stroke_width=0.5,
                stroke_opacity=0.35 * opacity,
            )
        )
        sel = shown[rows, cols]
        # Group hues when the rows of F come in groups, else the output hue (as the grid's).
        grouped = actor.picture == "im2col" and len(set(actor.row_hues)) > 1
        hues = [actor.row_hues[r] if grouped else hue for r in rows[sel]]
        fold = steps.progress.get("fold", 0.0)
        mobs += self._cells(
            ghost[sel], values[rows[sel], cols[sel]], hues, opacity, px, (actor.id, "Y"), Y.cw
        )
        mid = Y.y0 + Y.rows / 2
        eq = "+ b  =" if actor.has_bias else "="
        mobs.append(
            self._text(
                eq,
                0.62,
                self.theme.text,
                np.array([Y.x0 - 0.35, mid]),
                (actor.id, "eq", eq),
                opacity,
                "r",
            )
        )
        name = actor.names[2]
        label = (
            name if actor.picture != "im2col" else f"{name}  ({values.shape[0]}×{values.shape[1]})"
        )
        mobs.append(self._label(label, Y, (actor.id, "Yname"), opacity))
        if actor.picture != "im2col":
            mobs += self._row_indices(Y, range(Y.rows), (actor.id, "Yidx"), opacity)
        if 0 < fold < 1.0:
            block = self.blocks[actor.output]
            _, _, wo = geo.block_dims(block.shape)
            cells: list[list[int]] = []
            for r, c in zip(rows.tolist(), cols.tolist(), strict=True):
                if actor.picture == "im2col":
                    cells.append([r, c // wo, c % wo])
                else:
                    cells.append([0, r // wo, r % wo])
            src = self._source_quads(actor.output, np.array(cells), vp)
            prog = staggered(fold, np.arange(len(cells)), len(cells))
            flying = []
            for i, (r, c) in enumerate(zip(rows.tolist(), cols.tolist(), strict=True)):
                end_frame = src[i]
                start = self._to(Y.cell(r, c))
                quad = start * (1 - prog[i]) + end_frame * prog[i]
                flying.append(quad)
            mobs.append(
                polygons_mobject(
                    np.array(flying),
                    hue,
                    0.85 * opacity,
                    stroke=self.theme.text,
                    stroke_width=0.6,
                    stroke_opacity=0.5 * opacity,
                )
            )
        return mobs

    def _highlights(
        self, actor: MatrixActor, L: Box, R: Box, Y: Box, steps: Steps, vp: Viewport, opacity: float
    ) -> list[Mobject]:
        """The running row / column / patch: outlined in the matrices and on the grids."""
        hue = palette.KERNEL_HUE
        outlines: list[np.ndarray] = []
        grid_in: list[list[int]] = []
        grid_out: list[list[int]] = []
        win = actor.windows.array
        in_w = geo.block_dims(self.blocks[actor.input].shape)[2]
        out_w = geo.block_dims(self.blocks[actor.output].shape)[2]
        if actor.picture == "dense" and "row" in steps.current:
            i, _ = steps.current["row"]
            outlines += [
                L.rect(i, i + 1, 0, L.cols),
                R.rect(0, R.rows, 0, 1),
                Y.rect(i, i + 1, 0, 1),
            ]
            grid_in = [[0, f // in_w, f % in_w] for f in win[i] if f >= 0]
            grid_out = [[0, i // out_w, i % out_w]]
        elif actor.picture == "transposed" and "column" in steps.current:
            j, _ = steps.current["column"]
            outlines += [L.rect(0, L.rows, j, j + 1), R.rect(j, j + 1, 0, 1)]
            grid_in = [[0, j // in_w, j % in_w]]
            grid_out = [[0, f // out_w, f % out_w] for f in win[j] if f >= 0]
        elif actor.picture == "im2col" and "patch" in steps.current:
            p, _ = steps.current["patch"]
            outlines += [R.rect(0, R.rows, p, p + 1)]
            channels = geo.block_dims(self.blocks[actor.input].shape)[0]
            grid_in = [
                [ch, f // in_w, f % in_w] for ch in range(channels) for f in win[p] if f >= 0
            ]
        elif actor.picture == "im2col" and 0 < steps.progress.get("product", 0.0) < 1.0:
            u = steps.progress["product"]
            o = min(L.rows - 1, int(L.rows * min(1.0, u * 1.25)))
            outlines += [L.rect(o, o + 1, 0, L.cols), Y.rect(o, o + 1, 0, Y.cols)]
        mobs: list[Mobject] = []
        if outlines:
            mobs.append(
                polygons_mobject(
                    self._to(np.array(outlines)),
                    hue,
                    0.0,
                    stroke=hue,
                    stroke_width=3.0,
                    stroke_opacity=opacity,
                )
            )
        for block_id, cells in ((actor.input, grid_in), (actor.output, grid_out)):
            if cells:
                quads = self._source_quads(block_id, np.array(cells), vp)
                mobs.append(
                    polygons_mobject(
                        quads,
                        hue,
                        0.45 * opacity,
                        stroke=hue,
                        stroke_width=2.5,
                        stroke_opacity=opacity,
                    )
                )
        return mobs
