"""Drawing tensor blocks: visible cube faces grouped by colour, gaps, shadow, labels."""

from __future__ import annotations

import numpy as np
from manim import Mobject, VMobject

from convanim.renderer import geometry as geo
from convanim.renderer.layout import Viewport, numbered_rows
from convanim.renderer.lod import block_lod, lod_shell, tile_any, tile_means
from convanim.renderer.manim.draw_volume import VolumeRowDrawer
from convanim.renderer.manim.mobjects import (
    Placement,
    placements,
    polygons_mobject,
    restore,
    set_opacity,
    text_mobject,
)
from convanim.renderer.manim.stage import Drawer, Stage, to_hex
from convanim.renderer.theme import gap_color, shade
from convanim.renderer.volumes import display_of
from convanim.storyboard import palette
from convanim.storyboard.common import fmt_value
from convanim.storyboard.timeline import BlockActor


class BlockDrawer(Drawer[BlockActor]):
    """Draws :class:`BlockActor` s."""

    layer = 0

    def __init__(self, stage: Stage) -> None:
        super().__init__(stage)
        self._shells: dict[object, tuple[geo.ShellQuads, np.ndarray]] = {}
        self._block_cache: dict[tuple[object, ...], tuple[list[Mobject], list[Placement]]] = {}
        self._values: dict[object, tuple[np.ndarray, np.ndarray]] = {}
        self._volumes = VolumeRowDrawer(stage)

    def _shell(self, block: BlockActor, gap: float = geo.GAP) -> tuple[geo.ShellQuads, np.ndarray]:
        """Visible cube faces (true coordinates) and their projected scene quads, cached."""
        key = block.id if gap == geo.GAP else ("backing", block.id)
        cached = self._shells.get(key)
        if cached is None:
            lod = block_lod(block.shape)
            shell = (
                geo.block_shell(geo.block_dims(block.shape), gap)
                if lod.detailed
                else lod_shell(lod, gap)
            )
            scene = self.layout.scene_points(block, shell.corners.reshape(-1, 3)).reshape(-1, 4, 2)
            cached = (shell, scene)
            self._shells[key] = cached
        return cached

    def values_at(self, block: BlockActor, t: float) -> tuple[np.ndarray, object]:
        """The values a block shows at time t (a morph's mix while one runs) and a cache key."""
        morph = self.state.morph(block, t)
        if morph is None:
            return self.arrays[block.id], None
        source, u = morph
        u = np.round(u, 3)
        start, end = self.arrays[source], self.arrays[block.id]
        spread = u.reshape(-1, *([1] * (end.ndim - 1)))
        return start * (1.0 - spread) + end * spread, (source, u.tobytes())

    def _channel_values(
        self, block: BlockActor, cells: np.ndarray, t: float = 0.0
    ) -> tuple[np.ndarray, np.ndarray]:
        """(channel, value) of every shell quad: the element's, or its tile's mean when big."""
        values, morph_key = self.values_at(block, t)
        key = ("values", block.id, morph_key)
        cached = self._values.get(key)
        if cached is None:
            if len(self._values) > 64:
                self._values.clear()
            lod = block_lod(block.shape)
            if lod.detailed:
                cached = (cells[:, 0], values[cells[:, 0], cells[:, 1], cells[:, 2]])
            else:
                means = tile_means(values, lod)
                channel = lod.channels.shown()[cells[:, 0]]
                cached = (channel, means[cells[:, 0], cells[:, 1], cells[:, 2]])
            self._values[key] = cached
        return cached

    def _shown(self, block: BlockActor, revealed: np.ndarray, cells: np.ndarray) -> np.ndarray:
        """Whether each shell quad shows its value (a tile: any of its elements)."""
        lod = block_lod(block.shape)
        grid = revealed if lod.detailed else tile_any(revealed, lod)
        return grid[cells[:, 0], cells[:, 1], cells[:, 2]]

    def _cell_colors(self, block: BlockActor, cells: np.ndarray, t: float) -> np.ndarray:
        """Float RGB per cell (Q, 3) from the block's colouring at time t."""
        coloring = self.state.coloring(block, t)
        channel, values = self._channel_values(block, cells, t)
        hues = np.array([palette.hex_to_rgb(h) for h in coloring.hues])
        if coloring.mode == "values" and coloring.value_range is not None:
            levels = palette.value_level(values, coloring.value_range)
            out = np.empty((len(cells), 3))
            for hue in set(coloring.hues):
                sel = np.array([coloring.hues[c] == hue for c in channel])
                if sel.any():
                    out[sel] = palette.level_rgb(hue, levels[sel])
            return out
        return hues[channel]

    def draw(self, block: BlockActor, t: float, vp: Viewport, opacity: float) -> list[Mobject]:
        """The block's cubes, gaps, shadow, padding ring, labels and numbers at time t."""
        if len(block.shape) == 4:
            return self._volumes.draw(block, t, vp, opacity)
        revealed = self.state.revealed(block, t)
        coloring = self.state.coloring(block, t)
        padding = self.state.padding(block, t)
        key = (
            block.id,
            vp.key(),
            round(opacity, 3),
            hash(revealed.tobytes()),
            coloring,
            padding,
            self.values_at(block, t)[1],
        )
        cached = self._block_cache.get(key)
        if cached is not None:
            restore(cached[1])  # its labels may have been drawn at another viewport since
            return cached[0]
        shell, scene = self._shell(block)
        frame_quads = vp.apply(scene)
        colors = self._cell_colors(block, shell.cells, t)
        shown = self._shown(block, revealed, shell.cells)
        mobs: list[Mobject] = []
        if self.ground:
            mobs.append(self._shadow(block, vp, opacity))
        # Dark gaps behind the cubes: the whole outer faces when every cube is shown, else a
        # backing quad per shown cube (so empty slots stay light and see-through).
        if shown.all():
            outer = self._to_frame(block, self._outer_faces(block), vp)
            mean = colors.mean(axis=0)
            for face in (geo.FRONT, geo.TOP, geo.RIGHT):
                mobs.append(
                    polygons_mobject(outer[face::3], to_hex(gap_color(mean, face)), opacity)
                )
        elif shown.any():
            backing = self._backing(block, vp)
            mean = colors[shown].mean(axis=0)
            for face in (geo.FRONT, geo.TOP, geo.RIGHT):
                sel = np.nonzero((shell.face == face) & shown)[0]
                if len(sel):
                    mobs.append(
                        polygons_mobject(backing[sel], to_hex(gap_color(mean, face)), opacity)
                    )
        # Revealed cubes, grouped by shaded colour.
        groups: dict[str, list[int]] = {}
        for face in (geo.FRONT, geo.TOP, geo.RIGHT):
            idx = np.nonzero((shell.face == face) & shown)[0]
            if not len(idx):
                continue
            shaded = shade(colors[idx], face)
            hexes = [to_hex(rgb) for rgb in shaded]
            for i, hx in zip(idx, hexes, strict=True):
                groups.setdefault(hx, []).append(int(i))
        for hx, idx_list in groups.items():
            mobs.append(polygons_mobject(frame_quads[idx_list], hx, opacity))
        hidden = np.nonzero(~shown)[0]
        if len(hidden):
            mobs.append(
                polygons_mobject(
                    frame_quads[hidden],
                    self.theme.ghost,
                    0.10 * opacity,
                    stroke=self.theme.ghost,
                    stroke_width=0.8,
                    stroke_opacity=0.55 * opacity,
                )
            )
        if any(padding):
            mobs.append(self._padding_ring(block, padding, vp, opacity))
        if block_lod(block.shape).channels.head is not None:
            mobs.append(self._channel_ellipsis(block, vp, opacity))
        mobs.extend(self._block_labels(block, frame_quads, vp, opacity, padding))
        if numbered_rows(block.shape):
            mobs.extend(self._row_labels(block, revealed, vp, opacity, t))
        if self.numbers_shown(block, vp):
            mobs.extend(self._cell_numbers(block, revealed, vp, opacity, t))
        if len(self._block_cache) > 256:
            self._block_cache.clear()
        self._block_cache[key] = (mobs, placements(mobs))
        return mobs

    def _backing(self, block: BlockActor, vp: Viewport) -> np.ndarray:
        """Frame quads of every shell cube face without the gap inset (the cube's dark outline)."""
        return vp.apply(self._shell(block, gap=0.0)[1])

    def _outer_faces(self, block: BlockActor) -> np.ndarray:
        """The block's outer faces (B * 3, 4, 3): one box, or two around elided channels."""
        lod = block_lod(block.shape)
        c, h, w = block.shape
        if lod.channels.head is None:
            return geo.block_outer_faces(geo.block_dims(block.shape))
        head = float(lod.channels.head)
        front = geo.box_faces(0.0, float(w), -float(h), 0.0, -head, 0.0)
        last = geo.box_faces(0.0, float(w), -float(h), 0.0, -float(c), 1.0 - c)
        return np.concatenate([front, last])

    def _channel_ellipsis(self, block: BlockActor, vp: Viewport, opacity: float) -> VMobject:
        """Three dots in the gap that stands for the elided channels."""
        lod = block_lod(block.shape)
        c, h, w = block.shape
        head = float(lod.channels.head or 0)
        per_band = (c - 1 - head) / lod.channels.band  # true channels per display cell
        size = 0.3  # display cells
        dz = size * per_band
        dy = size * lod.tile
        quads = []
        for k in (1, 2, 3):
            z = -(head + (c - 1 - head) * k / 4.0)
            for y in (-h / 2.0,):
                x = float(w) - 0.5 * lod.tile
                quads.append(
                    [
                        [x, y + dy, z + dz],
                        [x, y + dy, z - dz],
                        [x, y - dy, z - dz],
                        [x, y - dy, z + dz],
                    ]
                )
        frame = self._to_frame(block, np.array(quads), vp)
        return polygons_mobject(frame, self.theme.text, 0.85 * opacity)

    def _shadow(self, block: BlockActor, vp: Viewport, opacity: float) -> VMobject:
        c, h, w = block.shape
        y = -h - 0.25
        pad = 0.5
        foot = np.array(
            [[-pad, y, pad], [w + pad, y, pad], [w + pad, y, -c - pad], [-pad, y, -c - pad]]
        )
        quad = self._to_frame(block, foot, vp)[None]
        return polygons_mobject(quad, "#000000", self.theme.shadow_opacity * opacity)

    def _padding_ring(
        self, block: BlockActor, padding: tuple[int, int, int, int], vp: Viewport, opacity: float
    ) -> VMobject:
        _, h, w = block.shape
        pt, pb, pl, pr = padding
        if block_lod(block.shape).detailed:
            quads = np.array(
                [
                    geo.front_cell_quad(r, col)
                    for r in range(-pt, h + pb)
                    for col in range(-pl, w + pr)
                    if not (0 <= r < h and 0 <= col < w)
                ]
            )
        else:  # four strips: single padding cells would be thinner than a pixel
            strips = [
                ((-pt, 0), (-pl, w + pr)),
                ((h, h + pb), (-pl, w + pr)),
                ((0, h), (-pl, 0)),
                ((0, h), (w, w + pr)),
            ]
            quads = np.array(
                [
                    geo.cell_box(rows, cols, (0.0, 0.0))[0]
                    for rows, cols in strips
                    if rows[1] > rows[0] and cols[1] > cols[0]
                ]
            )
        frame = self._to_frame(block, quads, vp)
        return polygons_mobject(
            frame,
            self.theme.ghost,
            0.08 * opacity,
            stroke=self.theme.ghost,
            stroke_width=1.0,
            stroke_opacity=0.7 * opacity,
        )

    def _block_labels(
        self,
        block: BlockActor,
        frame_quads: np.ndarray,
        vp: Viewport,
        opacity: float,
        padding: tuple[int, int, int, int],
    ) -> list[VMobject]:
        c, h, w = block.shape
        pt, pb, pl, pr = padding
        # The padding ring lies on the front face only: the labels clear it and the cubes.
        outline = np.concatenate(
            [
                geo.box_faces(0.0, w, -h, 0.0, -c, 0.0).reshape(-1, 3),
                np.array([[-pl, -h - pb, 0.0], [w + pr, -h - pb, 0.0], [-pl, pt, 0.0]]),
                np.array([[w + pr, pt, 0.0]]),
            ]
        )
        pts = self._to_frame(block, outline, vp)
        x0, x1 = float(pts[:, 0].min()), float(pts[:, 0].max())
        y0, y1 = float(pts[:, 1].min()), float(pts[:, 1].max())
        max_w = max(x1 - x0 + 2.5, 3.2)
        label = text_mobject(
            block.label, 0.34, self.theme.text, max_width=max_w, usage=(block.id, "label")
        )
        label.move_to(np.array([self._inside((x0 + x1) / 2, label.width), y0 - 0.28, 0.0]))
        mobs: list[VMobject] = [label]
        note = display_of(block.shape).note(self.words)
        if note:
            small = text_mobject(
                note,
                0.22,
                self.theme.muted_text,
                max_width=max(x1 - x0 + 0.4, 2.4),
                usage=(block.id, "note"),
            )
            small.move_to(np.array([self._inside((x0 + x1) / 2, small.width), y0 - 0.62, 0.0]))
            mobs.append(small)
        caption = text_mobject(
            block.caption, 0.3, self.theme.muted_text, max_width=max_w, usage=(block.id, "caption")
        )
        caption.move_to(np.array([self._inside((x0 + x1) / 2, caption.width), y1 + 0.26, 0.0]))
        mobs.append(caption)
        for mob in mobs:
            set_opacity(mob, opacity)
        return mobs

    def _row_labels(
        self, block: BlockActor, revealed: np.ndarray, vp: Viewport, opacity: float, t: float
    ) -> list[VMobject]:
        """Right of a short column vector: each row's number (muted) and, once computed, its
        value, so that a classifier's scores say which class each is."""
        values = self.values_at(block, t)[0]
        _, h, _ = block.shape
        corners = self._to_frame(block, np.array([[0.0, 0.0, 0.0], [1.0, 0.0, 0.0]]), vp)
        cell = float(np.linalg.norm(corners[1] - corners[0]))
        right = float(
            self._to_frame(block, geo.block_outer_faces((1, h, 1)).reshape(-1, 3), vp)[:, 0].max()
        )
        size = cell * 0.6
        rows = [
            float(self._to_frame(block, geo.front_cell_center(r, 0)[None], vp)[0, 1])
            for r in range(h)
        ]
        indices = [
            text_mobject(str(r), size, self.theme.muted_text, usage=(block.id, "row", r))
            for r in range(h)
        ]
        left = right + cell * 0.3
        column = left + max(m.width for m in indices) + cell * 0.3  # where the values start
        out: list[VMobject] = []
        for r, (y, index) in enumerate(zip(rows, indices, strict=True)):
            index.move_to(np.array([left + index.width / 2, y, 0.0]))
            out.append(index)
            if revealed[0, r, 0]:
                text = fmt_value(float(values[0, r, 0]))
                value = text_mobject(
                    text, size, self.theme.text, max_width=cell * 2.2, usage=(block.id, "value", r)
                )
                value.move_to(np.array([column + value.width / 2, y, 0.0]))
                out.append(value)
        for mob in out:
            set_opacity(mob, opacity)
        return out

    def _inside(self, x: float, width: float) -> float:
        """Shift a label's centre x so the label stays in the safe area (for blocks in view).

        A block leaving the frame during a camera move takes its labels with it.
        """
        half = self.fmt.frame_width / 2 - self.fmt.safe_inset[0] - 0.02
        if abs(x) > half:
            return x
        return min(max(x, -half + width / 2), half - width / 2)

    def numbers_shown(self, block: BlockActor, vp: Viewport) -> bool:
        """Whether the block's front cells carry their numbers at this viewport."""
        return block.values_on_cells is True or (
            block.values_on_cells == "auto" and self._cell_pixels(block, vp) >= 34
        )

    def _cell_pixels(self, block: BlockActor, vp: Viewport) -> float:
        """Width of one cube face in pixels at this viewport (for ``show_values: auto``)."""
        a = self._to_frame(block, np.array([[0.0, 0.0, 0.0], [1.0, 0.0, 0.0]]), vp)
        return float(np.linalg.norm(a[1] - a[0])) * self.fmt.width / self.fmt.frame_width

    def _cell_numbers(
        self, block: BlockActor, revealed: np.ndarray, vp: Viewport, opacity: float, t: float
    ) -> list[Mobject]:
        values = self.values_at(block, t)[0]
        _, h, w = block.shape
        out: list[Mobject] = []
        corner_a = self._to_frame(block, np.array([[0.0, 0.0, 0.0]]), vp)[0]
        corner_b = self._to_frame(block, np.array([[1.0, 0.0, 0.0]]), vp)[0]
        cell = float(np.linalg.norm(corner_b - corner_a))
        for r in range(h):
            for col in range(w):
                if not revealed[0, r, col]:
                    continue
                text = fmt_value(float(values[0, r, col]))
                centre = self._to_frame(block, geo.front_cell_center(r, col)[None], vp)[0]
                mob = text_mobject(
                    text, cell * 0.3, "#FFFFFF", max_width=cell * 0.78, usage=(block.id, r, col)
                )
                mob.move_to(np.array([centre[0], centre[1], 0.0]))
                set_opacity(mob, opacity)
                out.append(mob)
        return out
